/* flatten.c — (H, W, C) → (H·W·C) in HWC order, which on NHWC memory changes nothing: a
 * linear flatten shares its input's memory (CNN_DEF_SHARES_INPUT); a vector stays as it is. */
#include "internal.h"

#include <string.h>

static cnn_status infer(cnn_layer *L, int32_t index) {
    const cnn_layer_info *i = &L->info;
    const uint64_t n = (uint64_t)i->in_h * i->in_w * i->in_c;
    if (n > CNN_MAX_ELEMENTS)
        return cnn_fail(CNN_STATUS_TOO_LARGE, "layer %d (flatten): %llu values exceed the limit", index,
                        (unsigned long long)n);
    return cnn_set_output(L, index, 1, 1, 1, (int32_t)n);
}

/* Also the forward pass of every layer whose output is its input before its activation. */
void cnn_identity_forward(const cnn_layer_run *r) {
    if (r->out != r->in) memcpy(r->out, r->in, (size_t)r->n * r->L->out_size * sizeof(float));
}

/* din += dz (nothing to do when they are the same memory: a linear flatten). */
void cnn_identity_backward(const cnn_layer_run *r) {
    if (r->din && r->din != r->dz) r->k->vadd_acc(r->din, r->dz, (size_t)r->n * r->L->out_size);
}

const cnn_layer_def cnn_flatten_def = {
    .type = CNN_LAYER_FLATTEN,
    .name = "flatten",
    .flags = CNN_DEF_SHARES_INPUT,
    .infer = infer,
    .forward = cnn_identity_forward,
    .backward = CNN_BACKWARD(cnn_identity_backward),
};
