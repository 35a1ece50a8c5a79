/* conv2d.c — 2-D convolution (cross-correlation, as in every DL framework), NHWC / HWIO.
 *
 * out[n][oy][ox][d] = bias[d] + Σ_{ky,kx,c} in[n][oy·sh − pad_top + ky][ox·sw − pad_left + kx][c]
 *                                          · kernel[ky][kx][c][d]
 * with zero padding: taps that fall outside the input contribute nothing.
 *
 * How (forward): in NHWC, every output pixel's window has the same shape: tap (ky, kx, c) lies
 * at the same offset from where the window starts. So a tile of 4 output pixels × 8 filters is
 * a small matrix product read straight from the input through a list of window starts and a
 * table of tap offsets (an implicit GEMM: no im2col copy), which gemm_4x8 computes with its
 * accumulators in registers. A padded layer copies each image into a zero-bordered buffer
 * first, so no pixel needs clipping. */
#include "internal.h"

#include <string.h>

static inline int32_t max_i32(int32_t a, int32_t b) { return a > b ? a : b; }
static inline int32_t min_i32(int32_t a, int32_t b) { return a < b ? a : b; }

void cnn_conv2d_forward(const cnn_kernels *k, float *out, const float *in, const float *kernel,
                        const float *bias, const cnn_layer_info *info, int32_t n, float *work, int relu) {
    const int32_t H = info->in_h, W = info->in_w, C = info->in_c;
    const int32_t OH = info->out_h, OW = info->out_w, D = info->out_c;
    const int32_t KH = info->spec.kernel_h, KW = info->spec.kernel_w;
    const int32_t SH = info->spec.stride_h, SW = info->spec.stride_w;
    const int32_t PT = info->pad_top, PL = info->pad_left;
    const size_t in_image = (size_t)H * W * C, out_image = (size_t)OH * OW * D;
    const size_t K = (size_t)KH * KW * C, run = (size_t)KW * C, ps = CNN_PANEL_FLOATS(K);
    const size_t panels = ((size_t)D + 7) / 8;
    float *packed = work;
    cnn_pack_panels(packed, kernel, bias, K, (size_t)D);

    /* With padding, each image is first copied into a zero-bordered buffer, so that every
     * output pixel's window lies inside what is read and all pixels take the same fast path. */
    const int32_t Hp = H + PT + info->pad_bottom, Wp = W + PL + info->pad_right;
    const bool padded = Hp != H || Wp != W;
    const size_t row_stride = (size_t)Wp * C, M = (size_t)OH * OW;
    /* where each output pixel's window starts (the indirection list), and where each tap
     * (ky, kx, c) lies in it: offsets into the buffer read, the same for every image */
    int32_t *ind = (int32_t *)(work + panels * ps), *off = ind + M;
    float *pad = work + panels * ps + M + K;
    if (padded) memset(pad, 0, (size_t)Hp * Wp * C * sizeof(float));
    for (size_t oy = 0, m = 0; oy < (size_t)OH; oy++)
        for (size_t ox = 0; ox < (size_t)OW; ox++) ind[m++] = (int32_t)(oy * SH * row_stride + ox * SW * (size_t)C);
    /* one flat loop through an offset table: faster than a loop per kernel row, whose runs
     * (KW·C taps) are short for small kernels on few channels (5 for LeNet's first layer) */
    for (size_t ky = 0, j = 0; ky < (size_t)KH; ky++)
        for (size_t t = 0; t < run; t++) off[j++] = (int32_t)(ky * row_stride + t);

    for (int32_t b = 0; b < n; b++) {
        const float *src = in + (size_t)b * in_image;
        if (padded) {
            for (int32_t y = 0; y < H; y++)
                memcpy(pad + ((size_t)(y + PT) * Wp + PL) * C, src + (size_t)y * W * C, (size_t)W * C * sizeof(float));
            src = pad;
        }
        float *o = out + (size_t)b * out_image;
        for (size_t q = 0; q < panels; q++) {
            const float *panel = packed + q * ps;
            const size_t nr = (size_t)D - 8 * q < 8 ? (size_t)D - 8 * q : 8;
            k->gemm_4x8(o + 8 * q, (size_t)D, src, ind, 0, M, off, K,
                        panel, panel + 8, nr, relu);
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
