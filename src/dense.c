/* dense.c — fully connected layer: out (units) = bias + in (in) · kernel (in, units). */
#include "internal.h"

#include <string.h>

void cnn_dense_forward(const cnn_kernels *k, float *out, const float *in, const float *kernel,
                       const float *bias, const cnn_layer_info *info, int32_t n) {
    const size_t I = (size_t)info->in_c, U = (size_t)info->out_c;
    for (int32_t b = 0; b < n; b++) {
        float *o = out + (size_t)b * U;
        memcpy(o, bias, U * sizeof(float));
        k->gemv_acc(o, in + (size_t)b * I, kernel, I, U);
    }
    cnn_activation_forward(k, out, out, info->spec.activation, (size_t)n, U);
}
