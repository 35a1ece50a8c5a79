/* global-pool2d.c — global average and max pooling: (H, W, C) → (C). */
#include "internal.h"

static cnn_status infer(cnn_layer *L, int32_t index) {
    return cnn_set_output(L, index, 1, 1, 1, L->info.in_c);
}

static void forward(const cnn_layer_run *r) {
    const cnn_layer_info *info = &r->L->info;
    const size_t C = (size_t)info->in_c, cells = (size_t)info->in_h * info->in_w;
    const bool is_max = info->type == CNN_LAYER_GLOBALMAXPOOL2D;
    for (int32_t b = 0; b < r->n; b++) {
        const float *img = r->in + (size_t)b * cells * C;
        float *o = r->out + (size_t)b * C;
        for (size_t c = 0; c < C; c++) o[c] = img[c];
        for (size_t i = 1; i < cells; i++) {
            if (is_max) r->k->vmax_acc(o, img + i * C, C);
            else r->k->vadd_acc(o, img + i * C, C);
        }
        if (!is_max) r->k->vscale(o, 1.0f / (float)cells, C);
    }
}

/* Average: dz / cells to every cell; max: dz to the cell that won (the forward's rule). */
CNN_TRAINING_ONLY static void backward(const cnn_layer_run *r) {
    if (!r->din) return;
    const cnn_layer_info *info = &r->L->info;
    const size_t C = (size_t)info->in_c, cells = (size_t)info->in_h * info->in_w;
    const bool is_max = info->type == CNN_LAYER_GLOBALMAXPOOL2D;
    for (int32_t b = 0; b < r->n; b++) {
        const float *img = r->in + (size_t)b * cells * C, *g = r->dz + (size_t)b * C;
        float *dimg = r->din + (size_t)b * cells * C;
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

const cnn_layer_def cnn_globalavgpool2d_def = {
    .type = CNN_LAYER_GLOBALAVGPOOL2D,
    .name = "globalavgpool2d",
    .flags = CNN_DEF_NEEDS_RANK3,
    .infer = infer,
    .forward = forward,
    .backward = CNN_BACKWARD(backward),
};

const cnn_layer_def cnn_globalmaxpool2d_def = {
    .type = CNN_LAYER_GLOBALMAXPOOL2D,
    .name = "globalmaxpool2d",
    .flags = CNN_DEF_NEEDS_RANK3,
    .infer = infer,
    .forward = forward,
    .backward = CNN_BACKWARD(backward),
};
