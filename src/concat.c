/* concat.c — 2 or more inputs side by side along the channel axis (Inception-style branches):
 * (h, w, c₀) ‖ (h, w, c₁) ‖ … → (h, w, Σ c_k), each pixel's channels input by input; vectors
 * (c_k) → (Σ c_k). Backward: each input's gradient gets its slice of dz. */
#include "internal.h"

#include <string.h>

static cnn_status infer(cnn_layer *L, int32_t index) {
    const cnn_shape *a = &L->in_shape[0];
    int64_t c = 0;
    for (int32_t k = 0; k < L->n_inputs; k++) {
        const cnn_shape *b = &L->in_shape[k];
        if (b->rank != a->rank || b->h != a->h || b->w != a->w) {
            if (a->rank == 3 && b->rank == 3)
                return cnn_fail(CNN_STATUS_BAD_LAYER,
                                "layer %d (concat): input 0 (layer %d) is %dx%d but input %d (layer %d) is %dx%d: "
                                "concatenated maps must differ only in channels", index, L->inputs[0], a->h, a->w, k,
                                L->inputs[k], b->h, b->w);
            return cnn_fail(CNN_STATUS_BAD_LAYER,
                            "layer %d (concat): inputs 0 (layer %d) and %d (layer %d) mix a map and a vector: "
                            "concatenate maps with maps, vectors with vectors", index, L->inputs[0], k, L->inputs[k]);
        }
        c += b->c;
    }
    if (c > CNN_MAX_DIM)
        return cnn_fail(CNN_STATUS_TOO_LARGE, "layer %d (concat): %llu channels exceed the limit %d", index,
                        (unsigned long long)c, CNN_MAX_DIM);
    return cnn_set_output(L, index, a->rank, a->h, a->w, (int32_t)c);
}

static void forward(const cnn_layer_run *r) {
    const cnn_layer_info *info = &r->L->info;
    const size_t pixels = (size_t)r->n * info->out_h * info->out_w, C = (size_t)info->out_c;
    size_t at = 0;
    for (int32_t k = 0; k < r->L->n_inputs; k++) {
        const size_t ck = (size_t)r->L->in_size[k] / (pixels / (size_t)r->n);
        const float *x = r->ins[k];
        for (size_t p = 0; p < pixels; p++) memcpy(r->out + p * C + at, x + p * ck, ck * sizeof(float));
        at += ck;
    }
}

CNN_TRAINING_ONLY static void backward(const cnn_layer_run *r) {
    const cnn_layer_info *info = &r->L->info;
    const size_t pixels = (size_t)r->n * info->out_h * info->out_w, C = (size_t)info->out_c;
    size_t at = 0;
    for (int32_t k = 0; k < r->L->n_inputs; k++) {
        const size_t ck = (size_t)r->L->in_size[k] / (pixels / (size_t)r->n);
        if (r->dins[k])
            for (size_t p = 0; p < pixels; p++) r->k->vadd_acc(r->dins[k] + p * ck, r->dz + p * C + at, ck);
        at += ck;
    }
}

const cnn_layer_def cnn_concat_def = {
    .type = CNN_LAYER_CONCAT,
    .name = "concat",
    .flags = CNN_DEF_MERGE,
    .infer = infer,
    .forward = forward,
    .backward = CNN_BACKWARD(backward),
};
