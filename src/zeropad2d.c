/* zeropad2d.c — zero rows and columns around each image: (H, W, C) →
 * (pad_top + H + pad_bottom, pad_left + W + pad_right, C). */
#include "internal.h"

#include <string.h>

static const cnn_option_rule OPTIONS[] = {
    { CNN_OPT_PAD_TOP, "padding top", { .i = 0 }, 0, CNN_MAX_DIM, 0, 0 },
    { CNN_OPT_PAD_BOTTOM, "padding bottom", { .i = 0 }, 0, CNN_MAX_DIM, 0, 0 },
    { CNN_OPT_PAD_LEFT, "padding left", { .i = 0 }, 0, CNN_MAX_DIM, 0, 0 },
    { CNN_OPT_PAD_RIGHT, "padding right", { .i = 0 }, 0, CNN_MAX_DIM, 0, 0 },
};

static cnn_status infer(cnn_layer *L, int32_t index) {
    cnn_layer_info *i = &L->info;
    const cnn_value *o = L->opt;
    i->pad_top = o[CNN_OPT_PAD_TOP].i; i->pad_bottom = o[CNN_OPT_PAD_BOTTOM].i;
    i->pad_left = o[CNN_OPT_PAD_LEFT].i; i->pad_right = o[CNN_OPT_PAD_RIGHT].i;
    const int64_t h = (int64_t)i->in_h + i->pad_top + i->pad_bottom;
    const int64_t w = (int64_t)i->in_w + i->pad_left + i->pad_right;
    if (h > CNN_MAX_DIM || w > CNN_MAX_DIM)
        return cnn_fail(CNN_STATUS_TOO_LARGE, "layer %d (zeropad2d): output %llux%llu exceeds the limit %d",
                        index, (unsigned long long)h, (unsigned long long)w, CNN_MAX_DIM);
    return cnn_set_output(L, index, 3, (int32_t)h, (int32_t)w, i->in_c);
}

static void forward(const cnn_layer_run *r) {
    const cnn_layer_info *i = &r->L->info;
    const size_t row = (size_t)i->in_w * i->in_c, in_image = row * i->in_h;
    memset(r->out, 0, (size_t)r->n * r->L->out_size * sizeof(float));
    for (int32_t b = 0; b < r->n; b++) {
        float *o = r->out + (size_t)b * r->L->out_size;
        for (int32_t y = 0; y < i->in_h; y++)
            memcpy(o + ((size_t)(y + i->pad_top) * i->out_w + i->pad_left) * i->in_c,
                   r->in + (size_t)b * in_image + (size_t)y * row, row * sizeof(float));
    }
}

CNN_TRAINING_ONLY static void backward(const cnn_layer_run *r) {
    if (!r->din) return;
    const cnn_layer_info *i = &r->L->info;
    const size_t row = (size_t)i->in_w * i->in_c, in_image = row * i->in_h;
    for (int32_t b = 0; b < r->n; b++)
        for (int32_t y = 0; y < i->in_h; y++)
            r->k->vadd_acc(r->din + (size_t)b * in_image + (size_t)y * row,
                           r->dz + (size_t)b * r->L->out_size +
                               ((size_t)(y + i->pad_top) * i->out_w + i->pad_left) * i->in_c, row);
}

const cnn_layer_def cnn_zeropad2d_def = {
    .type = CNN_LAYER_ZEROPAD2D,
    .name = "zeropad2d",
    .flags = CNN_DEF_NEEDS_RANK3,
    .options = OPTIONS,
    .n_options = (int32_t)(sizeof OPTIONS / sizeof *OPTIONS),
    .infer = infer,
    .forward = forward,
    .backward = CNN_BACKWARD(backward),
};
