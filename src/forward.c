/* forward.c — the forward driver: each layer's own forward pass, then its activation (unless
 * fused into the layer's stores), on n images, in definition order (every layer's inputs are
 * earlier layers' outputs, or the model's input). */
#include "internal.h"

#include <string.h>

void cnn_model_run_layer(cnn_model *m, const cnn_kernels *k, int32_t i, int32_t n, bool training) {
    const cnn_layer *L = &m->layers[i];
    const cnn_layer_info *info = &L->info;
    const size_t cap = (size_t)m->capacity;
    const bool last = i == m->n_layers - 1;
    const int32_t act = info->activation;
    /* only what a forward pass reads is set (the struct is large: clearing it all costs a
     * measurable share of a small layer at batch 1) */
    cnn_layer_run r;
    r.k = k;
    r.L = L;
    r.n = n;
    for (int32_t q = 0; q < L->n_inputs; q++) r.ins[q] = cnn_model_act(m, L->inputs[q]);
    r.in = r.ins[0];
    r.out = m->acts + L->out_offset * cap;
    r.work = m->work;
    r.training = training && m->training;   /* training memory exists */
    r.saved = training && m->saved ? m->saved + L->saved_offset : NULL;
    /* randomness of this layer in this step (dropout): the training seed, step and layer */
    r.seed = (m->opt.seed ^ (m->step * 0x9E3779B9u)) + (uint32_t)i * 0x85EBCA6Bu;
    /* A ReLU on a layer that can fuse it is applied in its stores (not on the last layer,
     * whose pre-activation values are kept as the logits). */
    r.fuse_relu = !last && act == CNN_ACT_RELU && (L->def->flags & CNN_DEF_FUSES_RELU);
    for (int32_t t = 0; t < L->info.n_tensors; t++) {
        r.t[t] = m->params + L->tensor_offset[t];
        r.dt[t] = NULL;   /* read (not used) by layers that sort their tensors by role */
    }
    r.dz = NULL;
    r.din = NULL;
    L->def->forward(&r);
    const size_t values = (size_t)n * L->out_size;
    if (last) /* keep the last pre-activation: stable losses need the logits */
        memcpy(m->logits, r.out, values * sizeof(float));
    else if (m->preacts && L->keep_preact) /* backward (train step or gradients) needs x */
        memcpy(m->preacts + L->preact_offset * cap, r.out, values * sizeof(float));
    if (!r.fuse_relu)
        cnn_activation_forward(k, r.out, r.out, act, L->opt[CNN_OPT_ALPHA].f, L->opt[CNN_OPT_BETA].f,
                               (size_t)n * (size_t)info->out_h * (size_t)info->out_w, (size_t)info->out_c);
}

void cnn_model_run(cnn_model *m, int32_t n, bool training) {
    const cnn_kernels *k = cnn_kernels_current();
    for (int32_t i = 0; i < m->n_layers; i++) cnn_model_run_layer(m, k, i, n, training);
}

cnn_status cnn_model_forward_layer(cnn_model *m, int32_t i, int32_t n) {
    if (!m) return cnn_fail(CNN_STATUS_INVALID_ARGUMENT, "forward_layer: model is NULL");
    if (i < 0 || i >= m->n_layers)
        return cnn_fail(CNN_STATUS_INVALID_ARGUMENT, "layer index %d out of range: model has %d layers",
                        i, m->n_layers);
    if (n < 1 || n > m->capacity)
        return cnn_fail(CNN_STATUS_INVALID_ARGUMENT,
                        "forward: batch of %d images, but room is reserved for %d", n, m->capacity);
    cnn_model_run_layer(m, cnn_kernels_current(), i, n, false);
    return CNN_OK;
}

cnn_status cnn_model_forward(cnn_model *m, int32_t n) {
    if (!m) return cnn_fail(CNN_STATUS_INVALID_ARGUMENT, "forward: model is NULL");
    if (n < 1 || n > m->capacity)
        return cnn_fail(CNN_STATUS_INVALID_ARGUMENT,
                        "forward: batch of %d images, but room is reserved for %d", n, m->capacity);
    cnn_model_run(m, n, false);
    return CNN_OK;
}
