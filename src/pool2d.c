/* pool2d.c — max and average pooling over kh×kw windows, and global pooling. NHWC.
 *
 * Padding ('same') follows TensorFlow: padded cells never win a max, and an average divides by
 * the number of window cells that lie inside the input (not by kh·kw). The per-image work is
 * the pool2d kernel pair (kernels-*.c): each output pixel reduces its window with whole-channel
 * vectors (C values are contiguous in NHWC). */
#include "internal.h"

static inline int32_t max_i32(int32_t a, int32_t b) { return a > b ? a : b; }
static inline int32_t min_i32(int32_t a, int32_t b) { return a < b ? a : b; }

void cnn_pool2d_forward(const cnn_kernels *k, float *out, const float *in,
                        const cnn_layer_info *info, int32_t n) {
    const size_t in_image = (size_t)info->in_h * info->in_w * info->in_c;
    const size_t out_image = (size_t)info->out_h * info->out_w * info->out_c;
    /* Shape inference guarantees every window overlaps the input (pool2d kernels rely on it). */
    for (int32_t b = 0; b < n; b++) k->pool2d(out + (size_t)b * out_image, in + (size_t)b * in_image, info);
}

void cnn_global_pool2d_forward(const cnn_kernels *k, float *out, const float *in,
                               const cnn_layer_info *info, int32_t n) {
    const size_t C = (size_t)info->in_c, cells = (size_t)info->in_h * info->in_w;
    const bool is_max = info->spec.type == CNN_LAYER_GLOBALMAXPOOL2D;
    for (int32_t b = 0; b < n; b++) {
        const float *img = in + (size_t)b * cells * C;
        float *o = out + (size_t)b * C;
        for (size_t c = 0; c < C; c++) o[c] = img[c];
        for (size_t i = 1; i < cells; i++) {
            if (is_max) k->vmax_acc(o, img + i * C, C);
            else k->vadd_acc(o, img + i * C, C);
        }
        if (!is_max) k->vscale(o, 1.0f / (float)cells, C);
    }
}

/* Backward of max/avg pooling: din (n, H, W, C) += the share of dz each input cell had.
 * Max: the gradient goes to the cell that won the forward max, found again here by the
 * forward's own rule (scan in window order, a later cell wins only if strictly greater), so
 * forward stores no argmax and a fused activation does not matter. Avg: dz / (cells inside
 * the input) to each of those cells. */
void cnn_pool2d_backward(float *din, const float *dz, const float *in,
                         const cnn_layer_info *info, int32_t n) {
    const int32_t H = info->in_h, W = info->in_w, C = info->in_c;
    const int32_t OH = info->out_h, OW = info->out_w;
    const int32_t KH = info->spec.kernel_h, KW = info->spec.kernel_w;
    const int32_t SH = info->spec.stride_h, SW = info->spec.stride_w;
    const int32_t PT = info->pad_top, PL = info->pad_left;
    const bool is_max = info->spec.type == CNN_LAYER_MAXPOOL2D;
    const size_t in_image = (size_t)H * W * C, out_image = (size_t)OH * OW * C;

    for (int32_t b = 0; b < n; b++) {
        const float *img = in + (size_t)b * in_image;
        float *dimg = din + (size_t)b * in_image;
        const float *g = dz + (size_t)b * out_image;
        for (int32_t oy = 0; oy < OH; oy++) {
            const int32_t y0 = oy * SH - PT;
            const int32_t ya = max_i32(y0, 0), yb = min_i32(y0 + KH, H);
            for (int32_t ox = 0; ox < OW; ox++, g += C) {
                const int32_t x0 = ox * SW - PL;
                const int32_t xa = max_i32(x0, 0), xb = min_i32(x0 + KW, W);
                if (!is_max) {
                    const float share = 1.0f / (float)((yb - ya) * (xb - xa));
                    for (int32_t y = ya; y < yb; y++)
                        for (int32_t x = xa; x < xb; x++) {
                            float *d = dimg + ((size_t)y * W + x) * C;
                            for (int32_t c = 0; c < C; c++) d[c] += g[c] * share;
                        }
                    continue;
                }
                for (int32_t c = 0; c < C; c++) {
                    size_t at = ((size_t)ya * W + xa) * C + c;
                    for (int32_t y = ya; y < yb; y++)
                        for (int32_t x = xa; x < xb; x++) {
                            const size_t i = ((size_t)y * W + x) * C + c;
                            if (img[i] > img[at]) at = i;
                        }
                    dimg[at] += g[c];
                }
            }
        }
    }
}

void cnn_global_pool2d_backward(float *din, const float *dz, const float *in,
                                const cnn_layer_info *info, int32_t n) {
    const size_t C = (size_t)info->in_c, cells = (size_t)info->in_h * info->in_w;
    const bool is_max = info->spec.type == CNN_LAYER_GLOBALMAXPOOL2D;
    for (int32_t b = 0; b < n; b++) {
        const float *img = in + (size_t)b * cells * C, *g = dz + (size_t)b * C;
        float *dimg = din + (size_t)b * cells * C;
        for (size_t c = 0; c < C; c++) {
            if (!is_max) {
                const float share = g[c] / (float)cells;
                for (size_t i = 0; i < cells; i++) dimg[i * C + c] += share;
                continue;
            }
            size_t win = 0;
            for (size_t i = 1; i < cells; i++) if (img[i * C + c] > img[win * C + c]) win = i;
            dimg[win * C + c] += g[c];
        }
    }
}
