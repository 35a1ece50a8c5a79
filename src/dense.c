/* dense.c — fully connected layer: out (units) = bias + in (in) · kernel (in, units). */
#include "internal.h"

#include <string.h>

void cnn_dense_forward(const cnn_kernels *k, float *out, const float *in, const float *kernel,
                       const float *bias, const cnn_layer_info *info, int32_t n, float *packed, int relu) {
    const size_t I = (size_t)info->in_c, U = (size_t)info->out_c;
    if (n < 4) {
        /* a few images: the kernel as it is, one matrix-vector product each */
        for (int32_t b = 0; b < n; b++) {
            float *o = out + (size_t)b * U;
            memcpy(o, bias, U * sizeof(float));
            k->gemv_acc(o, in + (size_t)b * I, kernel, I, U);
            if (relu) k->relu(o, o, U);
        }
        return;
    }
    /* a batch: packed once, then 4 images × 8 units per gemm_4x8 tile */
    cnn_pack_panels(packed, kernel, bias, I, U);
    for (size_t j0 = 0; j0 < U; j0 += 8) {
        const float *panel = packed + j0 / 8 * CNN_PANEL_FLOATS(I);
        const size_t nr = U - j0 < 8 ? U - j0 : 8;
        k->gemm_4x8(out + j0, U, in, NULL, I, (size_t)n, NULL, I, panel, panel + 8, nr, relu);
    }
}

/* Backward, given dz = ∂L/∂(pre-activation output) (n, units):
 *   dbias += Σ_n dz;  dkernel (in, units) += Σ_n in ⊗ dz;  din (in) += kernel · dz  (if din) */
void cnn_dense_backward(const cnn_kernels *k, float *din, float *dkernel, float *dbias,
                        const float *dz, const float *in, const float *kernel,
                        const cnn_layer_info *info, int32_t n) {
    const size_t I = (size_t)info->in_c, U = (size_t)info->out_c;
    for (int32_t b = 0; b < n; b++) {
        const float *g = dz + (size_t)b * U;
        k->vadd_acc(dbias, g, U);
        k->ger_acc(dkernel, in + (size_t)b * I, g, I, U);
        if (din) k->gemv_t_acc(din + (size_t)b * I, kernel, g, I, U);
    }
}
