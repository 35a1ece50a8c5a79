/* conv2d.c — 2-D convolution (cross-correlation, as in every DL framework), NHWC / HWIO,
 * with stride, dilation, zero padding (valid, same, explicit per side), groups and an
 * optional bias.
 *
 * out[n][oy][ox][g·Dg + d] = bias[g·Dg + d] + Σ_{ky,kx,c<Cg}
 *     in[n][oy·sh − pad_top + ky·dh][ox·sw − pad_left + kx·dw][g·Cg + c] · kernel[ky][kx][c][g·Dg + d]
 * for group g (Cg = C / groups input channels, Dg = filters / groups outputs each); taps that
 * fall outside the input are zeros. Parameters: kh·kw·Cg·filters (+ filters biases).
 *
 * How (forward): in NHWC, every output pixel's window has the same shape: tap (ky, kx, c) lies
 * at the same offset from where the window starts. So a tile of 4 output pixels × 8 filters is
 * a small matrix product read straight from the input through a list of window starts and a
 * table of tap offsets (an implicit GEMM: no im2col copy), which gemm_4x8 computes with its
 * accumulators in registers; one GEMM per group. A padded layer copies each image into a
 * zero-bordered buffer first, so no pixel needs clipping. */
#include "internal.h"

#include <string.h>

static const cnn_option_rule OPTIONS[] = {
    { CNN_OPT_UNITS, "filters", { .i = 0 }, 1, CNN_MAX_DIM, 0, 0 },
    CNN_WINDOW_OPTIONS("kernel", 1),
    CNN_DILATION_OPTIONS,
    { CNN_OPT_GROUPS, "groups", { .i = 1 }, 1, CNN_MAX_DIM, 0, 0 },
    { CNN_OPT_USE_BIAS, "useBias", { .i = 1 }, 0, 1, 0, 0 },
};

/* The geometry every pass reads, from the layer's options and shapes. */
typedef struct geom {
    int32_t H, W, C, OH, OW, D, KH, KW, SH, SW, DH, DW, PT, PL, Hp, Wp, G, Cg, Dg;
    size_t K, M, panels, ps;  /* taps per output; output pixels; panels per group; panel floats */
} geom;

static geom geometry(const cnn_layer *L) {
    const cnn_layer_info *i = &L->info;
    const cnn_value *o = L->opt;
    geom g;
    g.H = i->in_h; g.W = i->in_w; g.C = i->in_c; g.OH = i->out_h; g.OW = i->out_w; g.D = i->out_c;
    g.KH = o[CNN_OPT_KERNEL_H].i; g.KW = o[CNN_OPT_KERNEL_W].i;
    g.SH = o[CNN_OPT_STRIDE_H].i; g.SW = o[CNN_OPT_STRIDE_W].i;
    g.DH = o[CNN_OPT_DILATION_H].i; g.DW = o[CNN_OPT_DILATION_W].i;
    g.PT = i->pad_top; g.PL = i->pad_left;
    g.Hp = g.H + i->pad_top + i->pad_bottom; g.Wp = g.W + i->pad_left + i->pad_right;
    g.G = o[CNN_OPT_GROUPS].i; g.Cg = g.C / g.G; g.Dg = g.D / g.G;
    g.K = (size_t)g.KH * g.KW * g.Cg;
    g.M = (size_t)g.OH * g.OW;
    g.panels = ((size_t)g.Dg + 7) / 8;
    g.ps = CNN_PANEL_FLOATS(g.K);
    return g;
}

static cnn_status infer(cnn_layer *L, int32_t index) {
    const cnn_value *o = L->opt;
    const int32_t C = L->info.in_c, D = o[CNN_OPT_UNITS].i, G = o[CNN_OPT_GROUPS].i;
    if (C % G)
        return cnn_fail(CNN_STATUS_BAD_LAYER, "layer %d (conv2d): groups %d does not divide the %d input channels",
                        index, G, C);
    if (D % G)
        return cnn_fail(CNN_STATUS_BAD_LAYER, "layer %d (conv2d): groups %d does not divide the %d filters",
                        index, G, D);
    const int32_t kh = o[CNN_OPT_KERNEL_H].i, kw = o[CNN_OPT_KERNEL_W].i;
    int32_t oh, ow;
    CNN_TRY(cnn_window_2d(L, index, "kernel", kh, kw, o[CNN_OPT_STRIDE_H].i, o[CNN_OPT_STRIDE_W].i,
                          o[CNN_OPT_DILATION_H].i, o[CNN_OPT_DILATION_W].i, false, &oh, &ow));
    CNN_TRY(cnn_set_output(L, index, 3, oh, ow, D));
    const int32_t shape[4] = { kh, kw, C / G, D };
    const double receptive = (double)kh * kw;
    CNN_TRY(cnn_add_tensor(L, index, "kernel", 4, shape, true, true, CNN_INIT_FAN,
                           receptive * (C / G), receptive * (D / G)));
    if (o[CNN_OPT_USE_BIAS].i) CNN_TRY(cnn_add_tensor(L, index, "bias", 1, &D, true, false, CNN_INIT_ZEROS, 0, 0));
    return CNN_OK;
}

/* Workspace: every group's packed panels, the indirection list and tap offsets, and for a
 * padded layer a zero-bordered copy of one input image. */
static size_t work_floats(const cnn_layer *L) {
    const geom g = geometry(L);
    size_t floats = (size_t)g.G * g.panels * g.ps + g.M + g.K;
    if (g.Hp != g.H || g.Wp != g.W) floats += (size_t)g.Hp * g.Wp * g.C;
    return floats;
}

static void forward(const cnn_layer_run *r) {
    const geom g = geometry(r->L);
    const float *kernel = r->t[0], *bias = r->L->info.n_tensors > 1 ? r->t[1] : NULL;
    const size_t in_image = (size_t)g.H * g.W * g.C, out_image = g.M * g.D;
    float *packed = r->work;
    for (int32_t gi = 0; gi < g.G; gi++)
        cnn_pack_panels(packed + (size_t)gi * g.panels * g.ps, kernel + (size_t)gi * g.Dg, (size_t)g.D,
                        bias ? bias + (size_t)gi * g.Dg : NULL, g.K, (size_t)g.Dg);

    /* With padding, each image is first copied into a zero-bordered buffer, so that every
     * output pixel's window lies inside what is read and all pixels take the same fast path. */
    const bool padded = g.Hp != g.H || g.Wp != g.W;
    const size_t row_stride = (size_t)g.Wp * g.C;
    /* where each output pixel's window starts (the indirection list), and where each tap
     * (ky, kx, c) lies in it: offsets into the buffer read, the same for every image */
    int32_t *ind = (int32_t *)(packed + (size_t)g.G * g.panels * g.ps), *off = ind + g.M;
    float *pad = (float *)(off + g.K);
    if (padded) memset(pad, 0, (size_t)g.Hp * g.Wp * g.C * sizeof(float));
    for (size_t oy = 0, m = 0; oy < (size_t)g.OH; oy++)
        for (size_t ox = 0; ox < (size_t)g.OW; ox++)
            ind[m++] = (int32_t)(oy * g.SH * row_stride + ox * g.SW * (size_t)g.C);
    /* one flat loop through an offset table: faster than a loop per kernel row, whose runs
     * (KW·C taps) are short for small kernels on few channels (5 for LeNet's first layer) */
    for (size_t ky = 0, j = 0; ky < (size_t)g.KH; ky++)
        for (size_t kx = 0; kx < (size_t)g.KW; kx++)
            for (size_t c = 0; c < (size_t)g.Cg; c++)
                off[j++] = (int32_t)(ky * g.DH * row_stride + kx * g.DW * (size_t)g.C + c);

    for (int32_t b = 0; b < r->n; b++) {
        const float *src = r->in + (size_t)b * in_image;
        if (padded) {
            cnn_copy_into_border(pad, src, g.H, g.W, g.C, g.Wp, g.PT, g.PL);
            src = pad;
        }
        float *o = r->out + (size_t)b * out_image;
        for (int32_t gi = 0; gi < g.G; gi++)
            for (size_t q = 0; q < g.panels; q++) {
                const float *panel = packed + ((size_t)gi * g.panels + q) * g.ps;
                const size_t col = (size_t)gi * g.Dg + 8 * q;
                const size_t nr = (size_t)g.Dg - 8 * q < 8 ? (size_t)g.Dg - 8 * q : 8;
                r->k->gemm_4x8(o + col, (size_t)g.D, src + (size_t)gi * g.Cg, ind, 0, g.M, off, g.K,
                               panel, panel + 8, nr, r->fuse_relu);
            }
    }
}

/* Backward, given dz = ∂L/∂(pre-activation output) (n, OH, OW, D):
 *   dbias[d]                 += Σ_{n,oy,ox} dz[n][oy][ox][d]
 *   dkernel[ky][kx][c][d]    += Σ_{n,oy,ox} in[…tap…][c] · dz[n][oy][ox][d]
 *   din[…tap…][c]            += Σ_d kernel[ky][kx][c][d] · dz[n][oy][ox][d]      (if din)
 * Per output pixel and kernel tap inside the input: one ger_acc (outer product into the
 * kernel rows) and one gemv_t_acc (kernel rows times dz) over its C channels; without
 * dilation a whole kernel row's taps are one contiguous run. Grouped layers take plain loops. */
static void backward(const cnn_layer_run *r) {
    const geom g = geometry(r->L);
    const cnn_kernels *k = r->k;
    const float *kernel = r->t[0];
    float *dkernel = r->dt[0], *dbias = r->L->info.n_tensors > 1 ? r->dt[1] : NULL, *din = r->din;
    const size_t in_image = (size_t)g.H * g.W * g.C, out_image = g.M * g.D;
    const int32_t run_kx = g.DW == 1 ? g.KW : 1;   /* taps per contiguous run */

    for (int32_t b = 0; b < r->n; b++) {
        const float *img = r->in + (size_t)b * in_image;
        float *dimg = din ? din + (size_t)b * in_image : NULL;
        const float *gz = r->dz + (size_t)b * out_image;
        for (int32_t oy = 0; oy < g.OH; oy++) {
            const int32_t y0 = oy * g.SH - g.PT;
            for (int32_t ox = 0; ox < g.OW; ox++, gz += g.D) {
                const int32_t x0 = ox * g.SW - g.PL;
                if (dbias) k->vadd_acc(dbias, gz, (size_t)g.D);
                for (int32_t ky = 0; ky < g.KH; ky++) {
                    const int32_t y = y0 + ky * g.DH;
                    if (y < 0 || y >= g.H) continue;
                    for (int32_t kx0 = 0; kx0 < g.KW; kx0 += run_kx) {
                        /* the taps kx0 … kx1 − 1 of this run that lie inside the input */
                        int32_t kx = kx0, kx1 = kx0 + run_kx;
                        while (kx < kx1 && x0 + kx * g.DW < 0) kx++;
                        while (kx1 > kx && x0 + (kx1 - 1) * g.DW >= g.W) kx1--;
                        if (kx1 <= kx) continue;
                        const size_t in_at = ((size_t)y * g.W + (size_t)(x0 + kx * g.DW)) * g.C;
                        const size_t w_at = ((size_t)ky * g.KW + kx) * g.Cg * g.D;
                        if (g.G == 1) {
                            const size_t run = (size_t)(kx1 - kx) * g.C;
                            k->ger_acc(dkernel + w_at, img + in_at, gz, run, (size_t)g.D);
                            if (dimg) k->gemv_t_acc(dimg + in_at, kernel + w_at, gz, run, (size_t)g.D);
                            continue;
                        }
                        for (int32_t t = 0; t < kx1 - kx; t++)   /* each tap of the run */
                            for (int32_t gi = 0; gi < g.G; gi++)
                                for (int32_t c = 0; c < g.Cg; c++) {
                                    const size_t at = in_at + (size_t)t * g.C + (size_t)gi * g.Cg + c;
                                    const size_t row = w_at + ((size_t)t * g.Cg + c) * g.D + (size_t)gi * g.Dg;
                                    const float *gzg = gz + (size_t)gi * g.Dg;
                                    float s = 0.0f;
                                    for (int32_t d = 0; d < g.Dg; d++) {
                                        dkernel[row + d] += img[at] * gzg[d];
                                        s += kernel[row + d] * gzg[d];
                                    }
                                    if (dimg) dimg[at] += s;
                                }
                    }
                }
            }
        }
    }
}

const cnn_layer_def cnn_conv2d_def = {
    .type = CNN_LAYER_CONV2D,
    .name = "conv2d",
    .flags = CNN_DEF_FUSES_RELU | CNN_DEF_NEEDS_RANK3,
    .options = OPTIONS,
    .n_options = (int32_t)(sizeof OPTIONS / sizeof *OPTIONS),
    .infer = infer,
    .work_floats = work_floats,
    .forward = forward,
    .backward = backward,
};
