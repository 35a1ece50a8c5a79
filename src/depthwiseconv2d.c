/* depthwiseconv2d.c — depthwise convolution (Keras DepthwiseConv2D): each input channel c is
 * convolved with its own depthMultiplier (M) filters, NHWC, kernel [kh][kw][C][M]:
 *   out[n][oy][ox][c·M + m] = bias[c·M + m] + Σ_{ky,kx} in[n][oy·sh − pt + ky·dh][ox·sw − pl + kx·dw][c]
 *                                                    · kernel[ky][kx][c][m]
 * Stride, dilation, zero padding (every form) as conv2d. Parameters kh·kw·C·M (+ C·M biases).
 *
 * How: a padded layer copies each image into a zero-bordered buffer (workspace); then each
 * output pixel is a sum over the kernel's taps of one input pixel's channels times one
 * kernel row, all contiguous. With depthMultiplier 1 (MobileNet's case) the dw_row kernel pair
 * takes a whole output row per call, 4 channels at a time, a 3×3 filter's weights held in
 * registers across the row; other multipliers take plain loops. */
#include "internal.h"

#include <string.h>

static const cnn_option_rule OPTIONS[] = {
    CNN_WINDOW_OPTIONS("kernel", 1),
    CNN_DILATION_OPTIONS,
    { CNN_OPT_DEPTH_MULTIPLIER, "depthMultiplier", { .i = 1 }, 1, CNN_MAX_DIM, 0, 0 },
    { CNN_OPT_USE_BIAS, "useBias", { .i = 1 }, 0, 1, 0, 0 },
};

typedef struct geom { int32_t H, W, C, M, OH, OW, KH, KW, SH, SW, DH, DW, PT, PL, Hp, Wp; } geom;

static geom geometry(const cnn_layer *L) {
    const cnn_layer_info *i = &L->info;
    const cnn_value *o = L->opt;
    geom g = { i->in_h, i->in_w, i->in_c, o[CNN_OPT_DEPTH_MULTIPLIER].i, i->out_h, i->out_w,
               o[CNN_OPT_KERNEL_H].i, o[CNN_OPT_KERNEL_W].i, o[CNN_OPT_STRIDE_H].i, o[CNN_OPT_STRIDE_W].i,
               o[CNN_OPT_DILATION_H].i, o[CNN_OPT_DILATION_W].i, i->pad_top, i->pad_left,
               i->in_h + i->pad_top + i->pad_bottom, i->in_w + i->pad_left + i->pad_right };
    return g;
}

static cnn_status infer(cnn_layer *L, int32_t index) {
    const cnn_value *o = L->opt;
    const int32_t C = L->info.in_c, M = o[CNN_OPT_DEPTH_MULTIPLIER].i;
    const int64_t D = (int64_t)C * M;
    if (D > CNN_MAX_DIM)
        return cnn_fail(CNN_STATUS_TOO_LARGE, "layer %d (depthwiseconv2d): %d channels × depthMultiplier %d exceed the limit %d",
                        index, C, M, CNN_MAX_DIM);
    const int32_t kh = o[CNN_OPT_KERNEL_H].i, kw = o[CNN_OPT_KERNEL_W].i;
    int32_t oh, ow;
    CNN_TRY(cnn_window_2d(L, index, "kernel", kh, kw, o[CNN_OPT_STRIDE_H].i, o[CNN_OPT_STRIDE_W].i,
                          o[CNN_OPT_DILATION_H].i, o[CNN_OPT_DILATION_W].i, false, &oh, &ow));
    CNN_TRY(cnn_set_output(L, index, 3, oh, ow, (int32_t)D));
    const int32_t shape[4] = { kh, kw, C, M }, d = (int32_t)D;
    /* Keras: fan_in = kh·kw·1 (one input channel per filter), fan_out = kh·kw·M */
    CNN_TRY(cnn_add_tensor(L, index, "kernel", 4, shape, true, true, CNN_INIT_FAN, (double)kh * kw,
                           (double)kh * kw * M));
    if (o[CNN_OPT_USE_BIAS].i) CNN_TRY(cnn_add_tensor(L, index, "bias", 1, &d, true, false, CNN_INIT_ZEROS, 0, 0));
    return CNN_OK;
}

/* Workspace: the tap offsets, then for a padded layer a zero-bordered copy of one image. */
static size_t work_floats(const cnn_layer *L) {
    const geom g = geometry(L);
    return (size_t)g.KH * g.KW + (g.Hp != g.H || g.Wp != g.W ? (size_t)g.Hp * g.Wp * g.C : 0);
}

static void forward(const cnn_layer_run *r) {
    const geom g = geometry(r->L);
    const float *kernel = r->t[0], *bias = r->L->info.n_tensors > 1 ? r->t[1] : NULL;
    const size_t D = (size_t)g.C * g.M, in_image = (size_t)g.H * g.W * g.C;
    const bool padded = g.Hp != g.H || g.Wp != g.W;
    int32_t *off = (int32_t *)r->work;            /* where tap (ky, kx) lies from the window start */
    float *pad = r->work + (size_t)g.KH * g.KW;
    const size_t taps = (size_t)g.KH * g.KW;
    for (int32_t ky = 0, t = 0; ky < g.KH; ky++)
        for (int32_t kx = 0; kx < g.KW; kx++, t++)
            off[t] = (int32_t)(((size_t)ky * g.DH * g.Wp + (size_t)kx * g.DW) * g.C);
    if (padded) memset(pad, 0, (size_t)g.Hp * g.Wp * g.C * sizeof(float));
    for (int32_t b = 0; b < r->n; b++) {
        const float *src = r->in + (size_t)b * in_image;
        if (padded) {
            cnn_copy_into_border(pad, src, g.H, g.W, g.C, g.Wp, g.PT, g.PL);
            src = pad;
        }
        float *o = r->out + (size_t)b * g.OH * g.OW * D;
        if (g.M == 1) {   /* the common case: a row of pixels per call, channels in vectors */
            for (int32_t oy = 0; oy < g.OH; oy++, o += (size_t)g.OW * D) {
                r->k->dw_row(o, src + (size_t)oy * g.SH * g.Wp * g.C, off, kernel, bias, taps, D, (size_t)g.OW,
                             (size_t)g.SW * g.C);
                if (r->fuse_relu) r->k->relu(o, o, (size_t)g.OW * D);
            }
            continue;
        }
        for (int32_t oy = 0; oy < g.OH; oy++)
            for (int32_t ox = 0; ox < g.OW; ox++, o += D) {
                if (bias) memcpy(o, bias, D * sizeof(float));
                else memset(o, 0, D * sizeof(float));
                for (int32_t ky = 0; ky < g.KH; ky++) {
                    const float *row = src + ((size_t)(oy * g.SH + ky * g.DH) * g.Wp + (size_t)ox * g.SW) * g.C;
                    for (int32_t kx = 0; kx < g.KW; kx++) {
                        const float *x = row + (size_t)kx * g.DW * g.C;
                        const float *w = kernel + ((size_t)ky * g.KW + kx) * D;
                        for (size_t c = 0; c < (size_t)g.C; c++)
                            for (size_t m = 0; m < (size_t)g.M; m++) o[c * g.M + m] += x[c] * w[c * g.M + m];
                    }
                }
                if (r->fuse_relu)
                    for (size_t j = 0; j < D; j++) o[j] = o[j] > 0.0f ? o[j] : 0.0f;
            }
    }
}

/* Backward: for every output pixel and tap inside the input,
 *   dkernel[ky][kx][c][m] += x[c]·dz[c·M + m];  din[c] += Σ_m kernel[ky][kx][c][m]·dz[c·M + m];
 *   dbias += dz. */
CNN_TRAINING_ONLY static void backward(const cnn_layer_run *r) {
    const geom g = geometry(r->L);
    const float *kernel = r->t[0];
    float *dkernel = r->dt[0], *dbias = r->L->info.n_tensors > 1 ? r->dt[1] : NULL;
    const size_t D = (size_t)g.C * g.M, in_image = (size_t)g.H * g.W * g.C;
    for (int32_t b = 0; b < r->n; b++) {
        const float *img = r->in + (size_t)b * in_image;
        float *dimg = r->din ? r->din + (size_t)b * in_image : NULL;
        const float *gz = r->dz + (size_t)b * g.OH * g.OW * D;
        for (int32_t oy = 0; oy < g.OH; oy++)
            for (int32_t ox = 0; ox < g.OW; ox++, gz += D) {
                if (dbias) r->k->vadd_acc(dbias, gz, D);
                for (int32_t ky = 0; ky < g.KH; ky++) {
                    const int32_t y = oy * g.SH - g.PT + ky * g.DH;
                    if (y < 0 || y >= g.H) continue;
                    for (int32_t kx = 0; kx < g.KW; kx++) {
                        const int32_t x = ox * g.SW - g.PL + kx * g.DW;
                        if (x < 0 || x >= g.W) continue;
                        const size_t at = ((size_t)y * g.W + (size_t)x) * g.C;
                        const size_t w_at = ((size_t)ky * g.KW + kx) * D;
                        for (size_t c = 0; c < (size_t)g.C; c++) {
                            float s = 0.0f;
                            for (size_t m = 0; m < (size_t)g.M; m++) {
                                dkernel[w_at + c * g.M + m] += img[at + c] * gz[c * g.M + m];
                                s += kernel[w_at + c * g.M + m] * gz[c * g.M + m];
                            }
                            if (dimg) dimg[at + c] += s;
                        }
                    }
                }
            }
    }
}

const cnn_layer_def cnn_depthwiseconv2d_def = {
    .type = CNN_LAYER_DEPTHWISECONV2D,
    .name = "depthwiseconv2d",
    .flags = CNN_DEF_FUSES_RELU | CNN_DEF_NEEDS_RANK3,
    .options = OPTIONS,
    .n_options = (int32_t)(sizeof OPTIONS / sizeof *OPTIONS),
    .infer = infer,
    .work_floats = work_floats,
    .forward = forward,
    .backward = CNN_BACKWARD(backward),
};
