/* pack.c — weights rearranged for the gemm_4x8 kernel (internal.h).
 *
 * A (K, N) kernel in row-major order with rows ldb floats apart (conv HWIO flattened to
 * (kh·kw·in, filters), one group's columns of it; dense (in, units)) becomes ceil(N/8) panels
 * of 8 columns. Each panel holds its 8 biases (zeros without a bias), then for every k the 8
 * weights of row k, zero beyond column N: the kernel reads two whole vectors per step and
 * never a partial one. Packing costs K·N copies per forward call, which the arithmetic repays
 * many times over (and keeps weights freely writable from outside).
 *
 * Training packs two more operands the same way: ∂L/∂output of one image (pixels × filters,
 * cnn_pack_panels without biases: the b of the kernel gradients' GEMM) and the transposed
 * kernel (cnn_pack_panels_t: the b of the input gradients' GEMM). */
#include "internal.h"

void cnn_pack_panels(float *dst, const float *kernel, size_t ldb, const float *bias, size_t K, size_t N) {
    for (size_t j0 = 0; j0 < N; j0 += 8, dst += CNN_PANEL_FLOATS(K)) {
        const size_t nr = N - j0 < 8 ? N - j0 : 8;
        float *p = dst;
        for (size_t j = 0; j < 8; j++) p[j] = j < nr && bias ? bias[j0 + j] : 0.0f;
        p += 8;
        const float *src = kernel + j0;
        if (nr == 8) /* whole panels: plain 8-float rows, which the compiler turns into vectors */
            for (size_t k = 0; k < K; k++, p += 8, src += ldb)
                for (size_t j = 0; j < 8; j++) p[j] = src[j];
        else
            for (size_t k = 0; k < K; k++, p += 8, src += ldb)
                for (size_t j = 0; j < 8; j++) p[j] = j < nr ? src[j] : 0.0f;
    }
}

void cnn_pack_panels_t(float *dst, const float *kernel, size_t ldb, size_t K, size_t N) {
    for (size_t j0 = 0; j0 < N; j0 += 8, dst += CNN_PANEL_FLOATS(K)) {
        const size_t nr = N - j0 < 8 ? N - j0 : 8;
        float *p = dst;
        for (size_t j = 0; j < 8; j++) p[j] = 0.0f;
        p += 8;
        /* column by column of the panel: each reads one row of the (N, K) source in order */
        for (size_t j = 0; j < 8; j++) {
            if (j < nr) {
                const float *src = kernel + (j0 + j) * ldb;
                for (size_t k = 0; k < K; k++) p[8 * k + j] = src[k];
            } else {
                for (size_t k = 0; k < K; k++) p[8 * k + j] = 0.0f;
            }
        }
    }
}
