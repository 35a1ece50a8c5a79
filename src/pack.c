/* pack.c — weights rearranged for the gemm_4x8 kernel (internal.h).
 *
 * A (K, N) kernel in row-major order (conv HWIO flattened to (kh·kw·in, filters); dense
 * (in, units)) becomes ceil(N/8) panels of 8 columns. Each panel holds its 8 biases, then for
 * every k the 8 weights of row k, zero beyond column N: the kernel reads two whole vectors per
 * step and never a partial one. Packing costs K·N copies per forward call, which the
 * arithmetic repays many times over (and keeps weights freely writable from outside). */
#include "internal.h"

void cnn_pack_panels(float *dst, const float *kernel, const float *bias, size_t K, size_t N) {
    for (size_t j0 = 0; j0 < N; j0 += 8, dst += CNN_PANEL_FLOATS(K)) {
        const size_t nr = N - j0 < 8 ? N - j0 : 8;
        float *p = dst;
        for (size_t j = 0; j < 8; j++) p[j] = j < nr ? bias[j0 + j] : 0.0f;
        p += 8;
        const float *src = kernel + j0;
        if (nr == 8) /* whole panels: plain 8-float rows, which the compiler turns into vectors */
            for (size_t k = 0; k < K; k++, p += 8, src += N)
                for (size_t j = 0; j < 8; j++) p[j] = src[j];
        else
            for (size_t k = 0; k < K; k++, p += 8, src += N)
                for (size_t j = 0; j < 8; j++) p[j] = j < nr ? src[j] : 0.0f;
    }
}

size_t cnn_layer_work_floats(const cnn_layer_info *info) {
    if (info->spec.type != CNN_LAYER_CONV2D && info->spec.type != CNN_LAYER_DENSE) return 0;
    const size_t N = (size_t)info->out_c, K = (size_t)info->kernel_size / N;
    size_t floats = (N + 7) / 8 * CNN_PANEL_FLOATS(K);
    if (info->spec.type == CNN_LAYER_CONV2D) /* + the indirection list and the tap offsets */
        floats += (size_t)info->out_h * info->out_w + K;
    const size_t pads = (size_t)info->pad_top + info->pad_bottom + info->pad_left + info->pad_right;
    if (info->spec.type == CNN_LAYER_CONV2D && pads)
        floats += ((size_t)info->in_h + info->pad_top + info->pad_bottom) *
                  ((size_t)info->in_w + info->pad_left + info->pad_right) * (size_t)info->in_c;
    return floats;
}
