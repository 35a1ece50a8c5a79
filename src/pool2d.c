/* pool2d.c — max and average pooling over kh×kw windows, NHWC: stride, padding (valid, same,
 * explicit per side), ceilMode, dilation (max), countIncludePad (average).
 *
 * Padded cells never win a max. An average divides by the number of window cells inside the
 * input (TensorFlow's rule and the default), or with countIncludePad by the window's cells
 * inside the padded input (PyTorch/ONNX count_include_pad). The per-image work is the pool2d
 * kernel pair (kernels-*.c): each output pixel reduces its window with whole-channel vectors
 * (C values are contiguous in NHWC). */
#include "internal.h"

/* stride 0: the window size */
#define COMMON_OPTIONS CNN_WINDOW_OPTIONS("window", 0), \
    { CNN_OPT_CEIL_MODE, "ceilMode", { .i = 0 }, 0, 1, 0, 0 }

static const cnn_option_rule MAX_OPTIONS[] = {
    COMMON_OPTIONS,
    CNN_DILATION_OPTIONS,
};

static const cnn_option_rule AVG_OPTIONS[] = {
    COMMON_OPTIONS,
    { CNN_OPT_COUNT_INCLUDE_PAD, "countIncludePad", { .i = 0 }, 0, 1, 0, 0 },
};

static cnn_pool_geom geometry(const cnn_layer *L) {
    const cnn_layer_info *i = &L->info;
    const cnn_value *o = L->opt;
    const bool is_max = i->type == CNN_LAYER_MAXPOOL2D;
    cnn_pool_geom g;
    g.H = i->in_h; g.W = i->in_w; g.C = i->in_c; g.OH = i->out_h; g.OW = i->out_w;
    g.KH = o[CNN_OPT_KERNEL_H].i; g.KW = o[CNN_OPT_KERNEL_W].i;
    g.SH = o[CNN_OPT_STRIDE_H].i ? o[CNN_OPT_STRIDE_H].i : g.KH;
    g.SW = o[CNN_OPT_STRIDE_W].i ? o[CNN_OPT_STRIDE_W].i : g.KW;
    g.DH = is_max ? o[CNN_OPT_DILATION_H].i : 1;
    g.DW = is_max ? o[CNN_OPT_DILATION_W].i : 1;
    g.PT = i->pad_top; g.PB = i->pad_bottom; g.PL = i->pad_left; g.PR = i->pad_right;
    g.is_max = is_max;
    g.count_include_pad = !is_max && o[CNN_OPT_COUNT_INCLUDE_PAD].i;
    return g;
}

/* Every window must hold an input cell: with large explicit pads or dilation one could lie
 * wholly in the padding, and its max or average would mean nothing. */
static cnn_status check_windows(int32_t index, const char *tname, const char *axis, int32_t out,
                                int32_t s, int32_t pad, int32_t k, int32_t d, int32_t size) {
    for (int32_t o = 0; o < out; o++) {
        int32_t first, end, count;
        cnn_window_cells(o * s - pad, k, d, size, &first, &end, &count);
        if (!count)
            return cnn_fail(CNN_STATUS_BAD_LAYER,
                            "layer %d (%s): window %d along the %s lies wholly in the padding (pad %d, window %d)",
                            index, tname, o, axis, pad, k);
    }
    return CNN_OK;
}

static cnn_status infer(cnn_layer *L, int32_t index) {
    cnn_pool_geom g = geometry(L);
    int32_t oh, ow;
    CNN_TRY(cnn_window_2d(L, index, "window", g.KH, g.KW, g.SH, g.SW, g.DH, g.DW,
                          L->opt[CNN_OPT_CEIL_MODE].i != 0, &oh, &ow));
    CNN_TRY(cnn_set_output(L, index, 3, oh, ow, L->info.in_c));
    g = geometry(L);
    CNN_TRY(check_windows(index, L->def->name, "height", oh, g.SH, g.PT, g.KH, g.DH, g.H));
    CNN_TRY(check_windows(index, L->def->name, "width", ow, g.SW, g.PL, g.KW, g.DW, g.W));
    return CNN_OK;
}

static void forward(const cnn_layer_run *r) {
    const cnn_pool_geom g = geometry(r->L);
    const size_t in_image = (size_t)g.H * g.W * g.C, out_image = (size_t)g.OH * g.OW * g.C;
    for (int32_t b = 0; b < r->n; b++)
        r->k->pool2d(r->out + (size_t)b * out_image, r->in + (size_t)b * in_image, &g);
}

/* Backward: din (n, H, W, C) += the share of dz each input cell had (the kernel's rule:
 * max to the forward's winner, found again, so a fused activation does not matter; average
 * spread over the window). */
CNN_TRAINING_ONLY static void backward(const cnn_layer_run *r) {
    if (!r->din) return;
    const cnn_pool_geom g = geometry(r->L);
    const size_t in_image = (size_t)g.H * g.W * g.C, out_image = (size_t)g.OH * g.OW * g.C;
    for (int32_t b = 0; b < r->n; b++)
        r->k->pool2d_backward(r->din + (size_t)b * in_image, r->in + (size_t)b * in_image, r->dz + (size_t)b * out_image, &g);
}

const cnn_layer_def cnn_maxpool2d_def = {
    .type = CNN_LAYER_MAXPOOL2D,
    .name = "maxpool2d",
    .flags = CNN_DEF_NEEDS_RANK3,
    .options = MAX_OPTIONS,
    .n_options = (int32_t)(sizeof MAX_OPTIONS / sizeof *MAX_OPTIONS),
    .infer = infer,
    .forward = forward,
    .backward = CNN_BACKWARD(backward),
};

const cnn_layer_def cnn_avgpool2d_def = {
    .type = CNN_LAYER_AVGPOOL2D,
    .name = "avgpool2d",
    .flags = CNN_DEF_NEEDS_RANK3,
    .options = AVG_OPTIONS,
    .n_options = (int32_t)(sizeof AVG_OPTIONS / sizeof *AVG_OPTIONS),
    .infer = infer,
    .forward = forward,
    .backward = CNN_BACKWARD(backward),
};
