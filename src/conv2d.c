/* conv2d.c — 2-D convolution (cross-correlation, as in every DL framework), NHWC / HWIO.
 *
 * out[n][oy][ox][d] = bias[d] + Σ_{ky,kx,c} in[n][oy·sh − pad_top + ky][ox·sw − pad_left + kx][c]
 *                                          · kernel[ky][kx][c][d]
 * with zero padding: taps that fall outside the input contribute nothing.
 *
 * Why this loop order: in NHWC, for one kernel row ky, the taps kx ∈ [kx0, kx1) that land
 * inside the input are one contiguous run of (kx1 − kx0)·C input values, and the matching
 * kernel rows kernel[ky][kx0..kx1) are one contiguous (kx1 − kx0)·C × D matrix. So each kernel
 * row of each output pixel is one gemv_acc call, and padding costs nothing but the clipping. */
#include "internal.h"

static inline int32_t max_i32(int32_t a, int32_t b) { return a > b ? a : b; }
static inline int32_t min_i32(int32_t a, int32_t b) { return a < b ? a : b; }

void cnn_conv2d_forward(const cnn_kernels *k, float *out, const float *in, const float *kernel,
                        const float *bias, const cnn_layer_info *info, int32_t n) {
    const int32_t H = info->in_h, W = info->in_w, C = info->in_c;
    const int32_t OH = info->out_h, OW = info->out_w, D = info->out_c;
    const int32_t KH = info->spec.kernel_h, KW = info->spec.kernel_w;
    const int32_t SH = info->spec.stride_h, SW = info->spec.stride_w;
    const int32_t PT = info->pad_top, PL = info->pad_left;
    const size_t in_image = (size_t)H * W * C, out_image = (size_t)OH * OW * D;

    for (int32_t b = 0; b < n; b++) {
        const float *img = in + (size_t)b * in_image;
        float *o = out + (size_t)b * out_image;
        for (int32_t oy = 0; oy < OH; oy++) {
            const int32_t y0 = oy * SH - PT;                 /* input row of kernel row 0 */
            const int32_t ky0 = max_i32(0, -y0), ky1 = min_i32(KH, H - y0);
            for (int32_t ox = 0; ox < OW; ox++, o += D) {
                const int32_t x0 = ox * SW - PL;             /* input column of kernel column 0 */
                const int32_t kx0 = max_i32(0, -x0), kx1 = min_i32(KW, W - x0);
                for (int32_t d = 0; d < D; d++) o[d] = bias[d];
                if (kx1 <= kx0) continue;
                const size_t run = (size_t)(kx1 - kx0) * C;  /* contiguous taps per kernel row */
                for (int32_t ky = ky0; ky < ky1; ky++) {
                    const float *x = img + ((size_t)(y0 + ky) * W + (x0 + kx0)) * C;
                    const float *w = kernel + ((size_t)ky * KW + kx0) * C * D;
                    k->gemv_acc(o, x, w, run, (size_t)D);
                }
            }
        }
    }
}

/* Backward, given dz = ∂L/∂(pre-activation output) (n, OH, OW, D):
 *   dbias[d]                 += Σ_{n,oy,ox} dz[n][oy][ox][d]
 *   dkernel[ky][kx][c][d]    += Σ_{n,oy,ox} in[…tap…][c] · dz[n][oy][ox][d]
 *   din[…tap…][c]            += Σ_d kernel[ky][kx][c][d] · dz[n][oy][ox][d]      (if din)
 * The same clipped runs as the forward pass: per output pixel and kernel row, one ger_acc
 * (outer product into the kernel rows) and one gemv_t_acc (kernel rows times dz). */
void cnn_conv2d_backward(const cnn_kernels *k, float *din, float *dkernel, float *dbias,
                         const float *dz, const float *in, const float *kernel,
                         const cnn_layer_info *info, int32_t n) {
    const int32_t H = info->in_h, W = info->in_w, C = info->in_c;
    const int32_t OH = info->out_h, OW = info->out_w, D = info->out_c;
    const int32_t KH = info->spec.kernel_h, KW = info->spec.kernel_w;
    const int32_t SH = info->spec.stride_h, SW = info->spec.stride_w;
    const int32_t PT = info->pad_top, PL = info->pad_left;
    const size_t in_image = (size_t)H * W * C, out_image = (size_t)OH * OW * D;

    for (int32_t b = 0; b < n; b++) {
        const float *img = in + (size_t)b * in_image;
        float *dimg = din ? din + (size_t)b * in_image : NULL;
        const float *g = dz + (size_t)b * out_image;
        for (int32_t oy = 0; oy < OH; oy++) {
            const int32_t y0 = oy * SH - PT;
            const int32_t ky0 = max_i32(0, -y0), ky1 = min_i32(KH, H - y0);
            for (int32_t ox = 0; ox < OW; ox++, g += D) {
                const int32_t x0 = ox * SW - PL;
                const int32_t kx0 = max_i32(0, -x0), kx1 = min_i32(KW, W - x0);
                k->vadd_acc(dbias, g, (size_t)D);
                if (kx1 <= kx0) continue;
                const size_t run = (size_t)(kx1 - kx0) * C;
                for (int32_t ky = ky0; ky < ky1; ky++) {
                    const size_t in_at = ((size_t)(y0 + ky) * W + (x0 + kx0)) * C;
                    const size_t w_at = ((size_t)ky * KW + kx0) * C * D;
                    k->ger_acc(dkernel + w_at, img + in_at, g, run, (size_t)D);
                    if (dimg) k->gemv_t_acc(dimg + in_at, kernel + w_at, g, run, (size_t)D);
                }
            }
        }
    }
}
