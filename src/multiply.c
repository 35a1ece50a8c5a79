/* multiply.c — the element-wise product of 2 or more inputs (gating): every input has the
 * output's shape, or is a (C) vector multiplying every pixel of a (h, w, C) map
 * (squeeze-and-excitation's scale). out = Π_k in_k; backward: ∂L/∂in_k = dz · Π_{j≠k} in_j,
 * summed over the pixels for a broadcast vector. */
#include "internal.h"

static cnn_status infer(cnn_layer *L, int32_t index) {
    /* the output: the first rank-3 input's shape (or the first input's, if all are vectors) */
    const cnn_shape *o = &L->in_shape[0];
    for (int32_t k = 0; k < L->n_inputs; k++)
        if (L->in_shape[k].rank == 3) { o = &L->in_shape[k]; break; }
    for (int32_t k = 0; k < L->n_inputs; k++) {
        const cnn_shape *b = &L->in_shape[k];
        const bool same = b->rank == o->rank && b->h == o->h && b->w == o->w && b->c == o->c;
        const bool scale = o->rank == 3 && b->rank == 1 && b->c == o->c;
        if (same || scale) continue;
        if (o->rank == 3 && b->rank == 1)
            return cnn_fail(CNN_STATUS_BAD_LAYER,
                            "layer %d (multiply): input %d (layer %d) is a vector of %d values, but the maps have %d "
                            "channels: a vector scales a map only with one value per channel", index, k, L->inputs[k],
                            b->c, o->c);
        if (o->rank == 3)
            return cnn_fail(CNN_STATUS_BAD_LAYER,
                            "layer %d (multiply): input %d (layer %d) is (%d, %d, %d) but the product is (%d, %d, %d): "
                            "inputs must have one shape, or be a (%d) vector", index, k, L->inputs[k], b->h, b->w, b->c,
                            o->h, o->w, o->c, o->c);
        return cnn_fail(CNN_STATUS_BAD_LAYER,
                        "layer %d (multiply): input %d (layer %d) has %d values but input 0 has %d: inputs must have one "
                        "shape", index, k, L->inputs[k], b->c, o->c);
    }
    return cnn_set_output(L, index, o->rank, o->h, o->w, o->c);
}

/* Input k's value for output element (image b, pixel-channel i, channel c). */
static inline size_t at(const cnn_layer *L, int32_t k, size_t b, size_t i, size_t c) {
    return (size_t)L->in_size[k] == L->out_size ? b * L->out_size + i : b * (size_t)L->in_size[k] + c;
}

static void forward(const cnn_layer_run *r) {
    const cnn_layer *L = r->L;
    const size_t O = L->out_size, C = (size_t)L->info.out_c;
    for (size_t b = 0; b < (size_t)r->n; b++)
        for (size_t i = 0; i < O; i++) {
            float v = r->ins[0][at(L, 0, b, i, i % C)];
            for (int32_t k = 1; k < L->n_inputs; k++) v *= r->ins[k][at(L, k, b, i, i % C)];
            r->out[b * O + i] = v;
        }
}

CNN_TRAINING_ONLY static void backward(const cnn_layer_run *r) {
    const cnn_layer *L = r->L;
    const size_t O = L->out_size, C = (size_t)L->info.out_c;
    for (size_t b = 0; b < (size_t)r->n; b++)
        for (size_t i = 0; i < O; i++) {
            const float g = r->dz[b * O + i];
            for (int32_t k = 0; k < L->n_inputs; k++) {
                if (!r->dins[k]) continue;
                float others = 1.0f;      /* Π_{j≠k} in_j, in input order */
                for (int32_t j = 0; j < L->n_inputs; j++)
                    if (j != k) others *= r->ins[j][at(L, j, b, i, i % C)];
                r->dins[k][at(L, k, b, i, i % C)] += g * others;
            }
        }
}

const cnn_layer_def cnn_multiply_def = {
    .type = CNN_LAYER_MULTIPLY,
    .name = "multiply",
    .flags = CNN_DEF_MERGE,
    .infer = infer,
    .forward = forward,
    .backward = CNN_BACKWARD(backward),
};
