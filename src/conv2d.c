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

/* The workspace, in floats. Forward: every group's packed panels (first, as they always
 * were), the window tables, and for a padded layer a zero-bordered copy of one input image.
 * Backward: the window tables and the padded image, the tables of the input gradient's pixel
 * order, the zero-bordered input gradient (padded layers), one group's packed ∂L/∂output for
 * up to DZ_PIXELS pixels and every group's packed transposed kernel, by runs (see backward). */
/* Output pixels per packed block of ∂L/∂output in the kernel gradient's GEMM (its sum runs
 * over them; blocks bound the workspace and stay in cache). */
#define DZ_PIXELS 1024

typedef struct layout {
    size_t ind, off, pad, img;     /* window starts (M int32), tap offsets (K int32), padded image */
    size_t sind, srow;             /* backward: window starts and ∂L/∂output rows (M int32 each)
                                      in the input gradient's order                           */
    size_t dpad, dzp, wt;          /* backward: padded ∂L/∂input, packed ∂L/∂output and kernelᵀ */
    size_t run, runs, ppr, tps;    /* taps per run, runs per group, panels per run, floats each */
    size_t total;                  /* floats the pass uses                                   */
} layout;

CNN_SETUP static layout work_layout(const geom *g, bool backward) {
    layout w;
    memset(&w, 0, sizeof w);
    w.img = g->Hp != g->H || g->Wp != g->W ? (size_t)g->Hp * g->Wp * g->C : 0;
    /* a run: taps contiguous in the input, a kernel row's (kx, c) without dilation or groups,
     * else one tap's channels */
    w.run = g->G == 1 && g->DW == 1 ? (size_t)g->KW * g->C : (size_t)g->Cg;
    w.runs = g->K / w.run;
    w.ppr = (w.run + 7) / 8;
    w.tps = CNN_PANEL_FLOATS(g->Dg);
    w.ind = backward ? 0 : (size_t)g->G * g->panels * g->ps;
    w.off = w.ind + g->M;
    w.pad = w.off + g->K;
    w.total = w.pad + w.img;
    if (!backward) return w;
    w.sind = w.total;
    w.srow = w.sind + g->M;
    w.dpad = w.srow + g->M;
    w.dzp = w.dpad + w.img;
    w.wt = w.dzp + g->panels * CNN_PANEL_FLOATS(g->M < DZ_PIXELS ? g->M : DZ_PIXELS);
    w.total = w.wt + (size_t)g->G * w.runs * w.ppr * w.tps;
    return w;
}

static size_t work_floats(const cnn_layer *L) {
    const geom g = geometry(L);
    const size_t f = work_layout(&g, false).total, b = work_layout(&g, true).total;
    return f > b ? f : b;
}

/* Where each output pixel's window starts (the indirection list), and where each tap
 * (ky, kx, c) lies in it: offsets into the (padded) image read, the same for every image. */
CNN_SETUP static void window_tables(const geom *g, int32_t *ind, int32_t *off) {
    const size_t row_stride = (size_t)g->Wp * g->C;
    for (size_t oy = 0, m = 0; oy < (size_t)g->OH; oy++)
        for (size_t ox = 0; ox < (size_t)g->OW; ox++)
            ind[m++] = (int32_t)(oy * g->SH * row_stride + ox * g->SW * (size_t)g->C);
    /* one flat loop through an offset table: faster than a loop per kernel row, whose runs
     * (KW·C taps) are short for small kernels on few channels (5 for LeNet's first layer) */
    for (size_t ky = 0, j = 0; ky < (size_t)g->KH; ky++)
        for (size_t kx = 0; kx < (size_t)g->KW; kx++)
            for (size_t c = 0; c < (size_t)g->Cg; c++)
                off[j++] = (int32_t)(ky * g->DH * row_stride + kx * g->DW * (size_t)g->C + c);
}

static void forward(const cnn_layer_run *r) {
    const geom g = geometry(r->L);
    const layout w = work_layout(&g, false);
    const float *kernel = r->t[0], *bias = r->L->info.n_tensors > 1 ? r->t[1] : NULL;
    const size_t in_image = (size_t)g.H * g.W * g.C, out_image = g.M * g.D;
    float *work = r->work, *packed = work;
    for (int32_t gi = 0; gi < g.G; gi++)
        cnn_pack_panels(packed + (size_t)gi * g.panels * g.ps, kernel + (size_t)gi * g.Dg, (size_t)g.D,
                        bias ? bias + (size_t)gi * g.Dg : NULL, g.K, (size_t)g.Dg);

    /* With padding, each image is first copied into a zero-bordered buffer, so that every
     * output pixel's window lies inside what is read and all pixels take the same fast path. */
    int32_t *ind = (int32_t *)(work + w.ind), *off = (int32_t *)(work + w.off);
    float *pad = work + w.pad;
    window_tables(&g, ind, off);
    if (w.img) memset(pad, 0, w.img * sizeof(float));

    for (int32_t b = 0; b < r->n; b++) {
        const float *src = r->in + (size_t)b * in_image;
        if (w.img) {
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

/* s[j] += Σ_m rows[8·m + j] for j < nr: a bias gradient from a packed panel of ∂L/∂output,
 * summed pixel by pixel in order. */
__attribute__((noinline)) static void column_sums(float *s, const float *rows, size_t M, size_t nr) {
    float acc[8];
    for (size_t j = 0; j < 8; j++) acc[j] = j < nr ? s[j] : 0.0f;
    for (size_t m = 0; m < M; m++, rows += 8)
        for (size_t j = 0; j < 8; j++) acc[j] += rows[j];
    for (size_t j = 0; j < nr; j++) s[j] = acc[j];
}

/* The first tap of panel p of a run, and how many of its columns the panel before covered:
 * with runs of 8 or more taps every panel is 8 wide, the last one overlapping the one before
 * (its overlapping columns packed as zeros), so that every store is whole vectors. */
static size_t panel_start(const layout *w, size_t p, size_t *skip) {
    const size_t start = w->run < 8 ? 0 : (8 * p < w->run - 8 ? 8 * p : w->run - 8);
    *skip = 8 * p - start;
    return start;
}

/* Backward, given dz = ∂L/∂(pre-activation output) (n, OH, OW, D), per group:
 *   dbias[d]                 += Σ_{n,oy,ox} dz[n][oy][ox][d]
 *   dkernel[ky][kx][c][d]    += Σ_{n,oy,ox} in[…tap…][c] · dz[n][oy][ox][d]
 *   din[…tap…][c]            += Σ_d kernel[ky][kx][c][d] · dz[n][oy][ox][d]      (if din)
 * Both as GEMMs, per image, through the forward pass's window tables (taps outside the input
 * read the zero border of the padded copy):
 *  - kernel gradient (taps × filters) += Xᵀ (taps × pixels) · dZ (pixels × filters):
 *    gemm_4x8_acc, its tile rows taps, its sum over the image's pixels (DZ_PIXELS at a time),
 *    dZ packed into panels of 8 filters (the bias gradient: the panels' column sums);
 *  - input gradient: for each run of taps contiguous in the input (a kernel row's, or one
 *    tap's channels), gemm_4x8_scatter multiplies the rows of dZ by the run's packed
 *    transposed kernel (up to 8 taps per panel, packed once per call) and adds each pixel's
 *    row where its window's run starts. A padded layer adds into a zero-bordered buffer,
 *    then its interior into din. */
CNN_SETUP CNN_TRAINING_ONLY static void backward(const cnn_layer_run *r) {
    const geom g = geometry(r->L);
    const layout w = work_layout(&g, true);
    const cnn_kernels *k = r->k;
    const float *kernel = r->t[0];
    float *dkernel = r->dt[0], *dbias = r->L->info.n_tensors > 1 ? r->dt[1] : NULL, *din = r->din;
    const size_t in_image = (size_t)g.H * g.W * g.C, out_image = g.M * g.D;
    float *work = r->work;
    int32_t *ind = (int32_t *)(work + w.ind), *off = (int32_t *)(work + w.off);
    float *pad = work + w.pad, *dpad = work + w.dpad, *dzp = work + w.dzp, *wt = work + w.wt;
    const size_t nrun = w.run < 8 ? w.run : 8;
    window_tables(&g, ind, off);
    if (w.img) memset(pad, 0, w.img * sizeof(float));
    /* The input gradient's pixel order: a row's sums are added where the row before stored
     * its own, and a load that partly overlaps a store still in flight waits for it (no
     * store-to-load forwarding), so pixels whose panels overlap (less than nrun floats apart
     * in a row: neighbours when SW·C < 8) are spread: by residue classes of ox. */
    int32_t *sind = (int32_t *)(work + w.sind), *srow = (int32_t *)(work + w.srow);
    const size_t step = (size_t)g.SW * g.C, classes = step < nrun ? (nrun + step - 1) / step : 1;
    for (size_t cls = 0, m = 0; din && cls < classes; cls++)
        for (size_t oy = 0; oy < (size_t)g.OH; oy++)
            for (size_t ox = cls; ox < (size_t)g.OW; ox += classes, m++) {
                sind[m] = ind[oy * g.OW + ox];
                srow[m] = (int32_t)((oy * g.OW + ox) * g.D);
            }
    if (din) /* the transposed kernel: group gi, run q, panel p: 8 taps × Dg filters */
        for (size_t gq = 0; gq < (size_t)g.G * w.runs; gq++)
            for (size_t p = 0; p < w.ppr; p++) {
                const size_t gi = gq / w.runs, tap = (gq % w.runs) * w.run;
                size_t skip;
                const size_t start = panel_start(&w, p, &skip);
                float *panel = wt + (gq * w.ppr + p) * w.tps;
                cnn_pack_panels_t(panel, kernel + (tap + start) * g.D + gi * g.Dg, (size_t)g.D, (size_t)g.Dg, nrun);
                for (size_t d = 0; d < (size_t)g.Dg; d++)
                    for (size_t j = 0; j < skip; j++) panel[8 + 8 * d + j] = 0.0f;
            }

    for (int32_t b = 0; b < r->n; b++) {
        const float *src = r->in + (size_t)b * in_image;
        if (w.img) {
            cnn_copy_into_border(pad, src, g.H, g.W, g.C, g.Wp, g.PT, g.PL);
            src = pad;
        }
        const float *gz = r->dz + (size_t)b * out_image;
        for (int32_t gi = 0; gi < g.G; gi++)
            for (size_t m0 = 0; m0 < g.M; m0 += DZ_PIXELS) {
                const size_t mc = g.M - m0 < DZ_PIXELS ? g.M - m0 : DZ_PIXELS, dzps = CNN_PANEL_FLOATS(mc);
                cnn_pack_panels(dzp, gz + m0 * g.D + (size_t)gi * g.Dg, (size_t)g.D, NULL, mc, (size_t)g.Dg);
                for (size_t q = 0; q < g.panels; q++) {
                    const float *panel = dzp + q * dzps + 8;
                    const size_t col = (size_t)gi * g.Dg + 8 * q;
                    const size_t nr = (size_t)g.Dg - 8 * q < 8 ? (size_t)g.Dg - 8 * q : 8;
                    if (dbias) column_sums(dbias + col, panel, mc, nr);
                    k->gemm_4x8_acc(dkernel + col, (size_t)g.D, src + (size_t)gi * g.Cg, off, g.K, ind + m0, mc,
                                    panel, nr);
                }
            }
        if (!din) continue;
        float *dimg = din + (size_t)b * in_image, *dst = w.img ? dpad : dimg;
        if (w.img) memset(dpad, 0, w.img * sizeof(float));
        for (size_t gq = 0; gq < (size_t)g.G * w.runs; gq++)
            for (size_t p = 0; p < w.ppr; p++) {
                const size_t gi = gq / w.runs, tap = (gq % w.runs) * w.run;
                size_t skip;
                const size_t start = panel_start(&w, p, &skip);
                k->gemm_4x8_scatter(dst + gi * g.Cg + off[tap] + start, sind, gz + gi * g.Dg, srow, g.M,
                                    (size_t)g.Dg, wt + (gq * w.ppr + p) * w.tps + 8, nrun);
            }
        if (w.img)
            for (int32_t y = 0; y < g.H; y++)
                k->vadd_acc(dimg + (size_t)y * g.W * g.C, dpad + ((size_t)(y + g.PT) * g.Wp + (size_t)g.PL) * g.C,
                            (size_t)g.W * g.C);
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
    .backward = CNN_BACKWARD(backward),
};
