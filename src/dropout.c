/* dropout.c — inverted dropout: in training each value is kept with probability 1 − rate and
 * scaled by 1 / (1 − rate), else zeroed; everywhere else (predict, evaluate, gradients,
 * activations) the identity. The mask is a hash of the step's seed (the training seed, the
 * step count and the layer; cnn_layer_run.seed) and the value's index, so training is
 * bit-reproducible and backward regenerates the mask instead of storing it. */
#include "internal.h"

static const cnn_option_rule OPTIONS[] = {
    { CNN_OPT_RATE, "rate", { .f = 0.5f }, 0, 0, 0.0f, 1.0f, true },
};

static cnn_status infer(cnn_layer *L, int32_t index) {
    const cnn_layer_info *i = &L->info;
    return cnn_set_output(L, index, i->in_rank, i->in_h, i->in_w, i->in_c);
}

/* Whether value j is kept: a 24-bit uniform from a hash of (seed, j) against the rate. */
static inline bool kept(uint32_t seed, size_t j, uint32_t threshold) {
    uint32_t h = seed ^ (uint32_t)j * 0x9E3779B1u;
    h ^= h >> 16; h *= 0x7FEB352Du; h ^= h >> 15; h *= 0x846CA68Bu; h ^= h >> 16;
    return (h >> 8) >= threshold;
}

static void forward(const cnn_layer_run *r) {
    const float rate = r->L->opt[CNN_OPT_RATE].f;
    const size_t total = (size_t)r->n * r->L->out_size;
    if (!r->training || rate == 0.0f) { cnn_identity_forward(r); return; }
    const uint32_t threshold = (uint32_t)(rate * 16777216.0f);
    const float scale = 1.0f / (1.0f - rate);
    for (size_t j = 0; j < total; j++) r->out[j] = kept(r->seed, j, threshold) ? r->in[j] * scale : 0.0f;
}

CNN_TRAINING_ONLY static void backward(const cnn_layer_run *r) {
    const float rate = r->L->opt[CNN_OPT_RATE].f;
    if (!r->din) return;
    if (!r->training || rate == 0.0f) { cnn_identity_backward(r); return; }
    const size_t total = (size_t)r->n * r->L->out_size;
    const uint32_t threshold = (uint32_t)(rate * 16777216.0f);
    const float scale = 1.0f / (1.0f - rate);
    for (size_t j = 0; j < total; j++) if (kept(r->seed, j, threshold)) r->din[j] += r->dz[j] * scale;
}

const cnn_layer_def cnn_dropout_def = {
    .type = CNN_LAYER_DROPOUT,
    .name = "dropout",
    .options = OPTIONS,
    .n_options = (int32_t)(sizeof OPTIONS / sizeof *OPTIONS),
    .infer = infer,
    .forward = forward,
    .backward = CNN_BACKWARD(backward),
};
