/* add.c — the element-wise sum of 2 or more inputs of one shape (residual connections):
 * out = Σ_k in_k. Backward: every input's gradient gets dz. */
#include "internal.h"

#include <string.h>

/* "(h, w, c)" or "(c)", for messages. */
static void shape_text(char *buf, size_t cap, const cnn_shape *s) {
    if (s->rank == 3) cnn_format(buf, cap, "(%d, %d, %d)", s->h, s->w, s->c);
    else cnn_format(buf, cap, "(%d)", s->c);
}

static cnn_status infer(cnn_layer *L, int32_t index) {
    const cnn_shape *a = &L->in_shape[0];
    for (int32_t k = 1; k < L->n_inputs; k++) {
        const cnn_shape *b = &L->in_shape[k];
        if (b->rank != a->rank || b->h != a->h || b->w != a->w || b->c != a->c) {
            char sa[48], sb[48];
            shape_text(sa, sizeof sa, a);
            shape_text(sb, sizeof sb, b);
            return cnn_fail(CNN_STATUS_BAD_LAYER,
                            "layer %d (add): input 0 (layer %d) is %s but input %d (layer %d) is %s: added "
                            "inputs must have one shape", index, L->inputs[0], sa, k, L->inputs[k], sb);
        }
    }
    return cnn_set_output(L, index, a->rank, a->h, a->w, a->c);
}

static void forward(const cnn_layer_run *r) {
    const size_t total = (size_t)r->n * r->L->out_size;
    memcpy(r->out, r->ins[0], total * sizeof(float));
    for (int32_t k = 1; k < r->L->n_inputs; k++) r->k->vadd_acc(r->out, r->ins[k], total);
}

CNN_TRAINING_ONLY static void backward(const cnn_layer_run *r) {
    const size_t total = (size_t)r->n * r->L->out_size;
    for (int32_t k = 0; k < r->L->n_inputs; k++)
        if (r->dins[k]) r->k->vadd_acc(r->dins[k], r->dz, total);
}

const cnn_layer_def cnn_add_def = {
    .type = CNN_LAYER_ADD,
    .name = "add",
    .flags = CNN_DEF_MERGE,
    .infer = infer,
    .forward = forward,
    .backward = CNN_BACKWARD(backward),
};
