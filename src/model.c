/* model.c — sequential models: the sizing pass over the layers, the model's memory (its
 * description and one block of parameters + activations + training state), and queries.
 *
 * Not here: any layer type's rules or arithmetic (their own files, through registry.c), weight
 * initialisation (init.c), the forward driver (forward.c), training (training.c) and model
 * files (model-format.c). */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

/* ─── Building: the sizing pass and the allocations ─────────────────────────────────────── */

static size_t round_up4(size_t n) { return (n + 3) & ~(size_t)3; }

typedef struct sizes {
    uint64_t n_params, n_trainable, act, preact, work;
} sizes;

/* Layer `index`'s inputs from its spec: the previous layer by default, else the listed
 * earlier layers (or the model's input), each checked. */
static cnn_status resolve_inputs(cnn_layer *L, const cnn_layer_spec *spec, int32_t index) {
    const char *tname = cnn_layer_type_name(spec->type);
    if (spec->n_inputs == 0) {
        L->n_inputs = 1;
        L->inputs[0] = index - 1;            /* -1 for layer 0: CNN_INPUT */
        return CNN_OK;
    }
    if (spec->n_inputs < 0 || spec->n_inputs > CNN_MAX_INPUTS)
        return cnn_fail(CNN_STATUS_BAD_LAYER, "layer %d (%s): %d inputs; a layer takes 1 to %d", index, tname,
                        spec->n_inputs, CNN_MAX_INPUTS);
    L->n_inputs = spec->n_inputs;
    for (int32_t k = 0; k < spec->n_inputs; k++) {
        const int32_t j = spec->inputs[k];
        if (j == index)
            return cnn_fail(CNN_STATUS_BAD_LAYER, "layer %d (%s): input %d is the layer itself", index, tname, k);
        if (j < CNN_INPUT || j > index)
            return cnn_fail(CNN_STATUS_BAD_LAYER,
                            "layer %d (%s): input %d is layer %d, which does not come before it (inputs are "
                            "earlier layers, or -1 for the model's input)", index, tname, k, j);
        L->inputs[k] = j;
    }
    return CNN_OK;
}

/* Sets up every layer (inputs, options, shapes, tensors), then lays out the parameters
 * (trainable tensors of every layer first, then state tensors) and the activations (per
 * image, in floats, 16-byte aligned). Writes the layers into `dst`; `shapes` holds every
 * layer's output shape (n_layers) for the inputs of later layers. All sums are bounded
 * (≤ CNN_MAX_LAYERS × 2^28 values each) and held in uint64_t. */
static cnn_status size_layers(cnn_layer *dst, cnn_shape *shapes, int32_t in_h, int32_t in_w, int32_t in_c,
                              const cnn_layer_spec *layers, int32_t n_layers, sizes *z) {
    memset(z, 0, sizeof *z);
    z->act = round_up4((size_t)in_h * in_w * in_c);
    const cnn_shape input = { 3, in_h, in_w, in_c };
    for (int32_t i = 0; i < n_layers; i++) {
        cnn_layer *L = &dst[i];
        memset(L, 0, sizeof *L);
        CNN_TRY(resolve_inputs(L, &layers[i], i));
        cnn_shape in_shape[CNN_MAX_INPUTS];
        for (int32_t k = 0; k < L->n_inputs; k++) {
            const int32_t j = L->inputs[k];
            in_shape[k] = j == CNN_INPUT ? input : shapes[j];
            if (j != CNN_INPUT) dst[j].consumers++;
        }
        CNN_TRY(cnn_layer_setup(L, &layers[i], i, in_shape));
        shapes[i] = (cnn_shape){ L->info.out_rank, L->info.out_h, L->info.out_w, L->info.out_c };
        z->n_trainable += (uint64_t)L->info.trainable;
        z->n_params += (uint64_t)L->info.params;
        if (z->n_params > CNN_MAX_ELEMENTS)
            return cnn_fail(CNN_STATUS_TOO_LARGE, "model: %llu parameters after layer %d, over the limit %llu",
                            (unsigned long long)z->n_params, i, (unsigned long long)CNN_MAX_ELEMENTS);
        /* work ≤ a few copies of 2^28-value tensors per layer: fits in uint64, and the block's
         * size check (cnn_model_resize_block) rejects what does not fit in memory */
        const uint64_t need = L->def->work_floats ? L->def->work_floats(L) : 0;
        if (need > z->work) z->work = need;
        const int32_t act = L->info.activation;
        if ((L->def->flags & CNN_DEF_SHARES_INPUT) && act == CNN_ACT_LINEAR) {
            /* same values, same order: share the input's memory */
            L->out_offset = L->inputs[0] == CNN_INPUT ? 0 : dst[L->inputs[0]].out_offset;
        } else {
            L->out_offset = (size_t)z->act;
            z->act += round_up4(L->out_size);
        }
        L->keep_preact = cnn_activation_needs_x(act) && i < n_layers - 1; /* the last: logits */
        L->preact_offset = L->keep_preact ? (size_t)z->preact : 0;
        if (L->keep_preact) z->preact += round_up4(L->out_size);
    }
    /* every layer's output is read by a later layer, except the last: the model's output */
    for (int32_t i = 0; i < n_layers - 1; i++)
        if (!dst[i].consumers)
            return cnn_fail(CNN_STATUS_BAD_LAYER,
                            "layer %d (%s): no layer reads its output (only the last layer, the model's "
                            "output, may be unread)", i, dst[i].def->name);
    /* tensor offsets: trainable ones first, in layer order, then the state */
    size_t at = 0;
    for (int pass = 0; pass < 2; pass++)
        for (int32_t i = 0; i < n_layers; i++)
            for (int32_t t = 0; t < dst[i].info.n_tensors; t++)
                if (dst[i].tensor[t].info.trainable == (pass == 0)) {
                    dst[i].tensor_offset[t] = at;
                    at += (size_t)dst[i].tensor[t].info.size;
                }
    z->work = round_up4((size_t)z->work);
    return CNN_OK;
}

cnn_status cnn_model_build(cnn_model **out, int32_t in_h, int32_t in_w, int32_t in_c,
                           const cnn_layer_spec *layers, int32_t n_layers) {
    cnn_clear_error();
    if (!out) return cnn_fail(CNN_STATUS_INVALID_ARGUMENT, "model: output pointer is NULL");
    *out = NULL;
    if (in_h < 1 || in_w < 1 || in_c < 1)
        return cnn_fail(CNN_STATUS_BAD_LAYER, "input shape (%d, %d, %d): every size must be positive",
                        in_h, in_w, in_c);
    if (in_h > CNN_MAX_DIM || in_w > CNN_MAX_DIM || in_c > CNN_MAX_DIM)
        return cnn_fail(CNN_STATUS_TOO_LARGE, "input shape (%d, %d, %d): a size exceeds the limit %d",
                        in_h, in_w, in_c, CNN_MAX_DIM);
    const uint64_t in_size = (uint64_t)in_h * in_w * in_c;
    if (in_size > CNN_MAX_ELEMENTS)
        return cnn_fail(CNN_STATUS_TOO_LARGE, "input shape (%d, %d, %d): %llu values exceed the limit",
                        in_h, in_w, in_c, (unsigned long long)in_size);
    if (n_layers < 1 || n_layers > CNN_MAX_LAYERS)
        return cnn_fail(CNN_STATUS_BAD_LAYER, "model: %d layers; need 1 to %d", n_layers,
                        CNN_MAX_LAYERS);
    if (!layers) return cnn_fail(CNN_STATUS_INVALID_ARGUMENT, "model: layer array is NULL");

    /* The model object: its fixed description (this struct and the layers), sized by the
     * sizing pass, which runs in it (on failure it is freed) */
    const size_t head = (sizeof(cnn_model) + 15) & ~(size_t)15;
    cnn_model *m = (cnn_model *)calloc(1, head + sizeof(cnn_layer) * (size_t)n_layers);
    cnn_shape *shapes = (cnn_shape *)calloc((size_t)n_layers, sizeof(cnn_shape));
    if (!m || !shapes) {
        free(m);
        free(shapes);
        return cnn_fail(CNN_STATUS_OUT_OF_MEMORY, "model: cannot allocate its description");
    }
    m->layers = (cnn_layer *)((uint8_t *)m + head);
    sizes z;
    cnn_status st = size_layers(m->layers, shapes, in_h, in_w, in_c, layers, n_layers, &z);
    free(shapes);
    if (st != CNN_OK) {
        free(m);
        return st;
    }
    /* The block: parameters now, activations from the first cnn_model_reserve. */
    m->params_floats = round_up4((size_t)z.n_params) + 4; /* + 4: never a malloc(0) */
    m->block = (float *)calloc(m->params_floats, sizeof(float));
    if (!m->block) {
        free(m);
        return cnn_fail(CNN_STATUS_OUT_OF_MEMORY, "model: cannot allocate %llu bytes for parameters",
                        (unsigned long long)z.n_params * 4);
    }
    m->in_h = in_h; m->in_w = in_w; m->in_c = in_c;
    m->n_layers = n_layers;
    m->params = m->block;
    m->n_params = (size_t)z.n_params;
    m->n_trainable = (size_t)z.n_trainable;
    m->in_size = (size_t)in_size;
    m->act_per_image = (size_t)z.act;
    m->preact_per_image = (size_t)z.preact;
    m->work_floats = (size_t)z.work;
    *out = m;
    return CNN_OK;
}

cnn_status cnn_model_create(cnn_model **out, int32_t in_h, int32_t in_w, int32_t in_c,
                            const cnn_layer_spec *layers, int32_t n_layers, uint32_t seed) {
    CNN_TRY(cnn_model_build(out, in_h, in_w, in_c, layers, n_layers));
    cnn_model_init_weights(*out, seed);
    return CNN_OK;
}

void cnn_model_free(cnn_model *m) {
    if (!m) return;
    free(m->block);   /* parameters, activations, training state */
    free(m->meta);
    free(m);          /* the description */
}

/* ─── Queries ───────────────────────────────────────────────────────────────────────────── */

int32_t cnn_model_layer_count(const cnn_model *m) { return m ? m->n_layers : 0; }

cnn_status cnn_model_layer_info(const cnn_model *m, int32_t i, cnn_layer_info *info) {
    if (!m || !info) return cnn_fail(CNN_STATUS_INVALID_ARGUMENT, "layer_info: NULL argument");
    if (i < 0 || i >= m->n_layers)
        return cnn_fail(CNN_STATUS_INVALID_ARGUMENT, "layer index %d out of range: model has %d layers",
                        i, m->n_layers);
    *info = m->layers[i].info;
    return CNN_OK;
}

void cnn_model_input_shape(const cnn_model *m, int32_t *h, int32_t *w, int32_t *c) {
    if (h) *h = m->in_h;
    if (w) *w = m->in_w;
    if (c) *c = m->in_c;
}

size_t cnn_model_param_count(const cnn_model *m) { return m ? m->n_params : 0; }
size_t cnn_model_trainable_count(const cnn_model *m) { return m ? m->n_trainable : 0; }

static const cnn_layer *layer_at(const cnn_model *m, int32_t i) {
    return m && i >= 0 && i < m->n_layers ? &m->layers[i] : NULL;
}

int32_t cnn_model_option(const cnn_model *m, int32_t i, int32_t key) {
    const cnn_layer *L = layer_at(m, i);
    return L && key > 0 && key < CNN_OPT_COUNT ? L->opt[key].i : 0;
}

float cnn_model_option_float(const cnn_model *m, int32_t i, int32_t key) {
    const cnn_layer *L = layer_at(m, i);
    return L && key > 0 && key < CNN_OPT_COUNT ? L->opt[key].f : 0.0f;
}

cnn_status cnn_model_tensor_info(const cnn_model *m, int32_t i, int32_t t, cnn_tensor_info *info) {
    const cnn_layer *L = layer_at(m, i);
    if (!L || !info) return cnn_fail(CNN_STATUS_INVALID_ARGUMENT, "tensor_info: no layer %d", i);
    if (t < 0 || t >= L->info.n_tensors)
        return cnn_fail(CNN_STATUS_INVALID_ARGUMENT, "layer %d (%s) has no tensor %d (it has %d)", i,
                        L->def->name, t, L->info.n_tensors);
    *info = L->tensor[t].info;
    return CNN_OK;
}

const char *cnn_model_tensor_name(const cnn_model *m, int32_t i, int32_t t) {
    const cnn_layer *L = layer_at(m, i);
    return L && t >= 0 && t < L->info.n_tensors ? L->tensor[t].name : NULL;
}

int32_t cnn_model_tensor_index(const cnn_model *m, int32_t i, const char *name) {
    const cnn_layer *L = layer_at(m, i);
    if (!L || !name) return -1;
    for (int32_t t = 0; t < L->info.n_tensors; t++)
        if (strcmp(L->tensor[t].name, name) == 0) return t;
    return -1;
}

float *cnn_model_tensor(cnn_model *m, int32_t i, int32_t t) {
    const cnn_layer *L = layer_at(m, i);
    return L && t >= 0 && t < L->info.n_tensors ? m->params + L->tensor_offset[t] : NULL;
}

float *cnn_model_kernel(cnn_model *m, int32_t i) {
    return cnn_model_tensor(m, i, cnn_model_tensor_index(m, i, "kernel"));
}

float *cnn_model_bias(cnn_model *m, int32_t i) {
    return cnn_model_tensor(m, i, cnn_model_tensor_index(m, i, "bias"));
}

/* ─── The block: parameters, training state, activations ───────────────────────────────── */

/* The block's layout, in floats, every part 16-byte aligned:
 *   params | grads | opt_m | opt_v | work | acts | logits | targets | dacts | preacts | saved
 * grads, opt_m, opt_v, dacts, preacts and saved exist only once training memory is set up
 * (cnn_model_set_optimizer, cnn_model_gradients); work, acts, logits and targets once a batch
 * is reserved. params, grads, opt_m, opt_v: P = params_floats each. work: one layer's
 * workspace at a time (work_floats, the largest layer's). acts, dacts: A = act_per_image per
 * image (the input and every layer's output). logits (the last layer's output before its
 * activation) and targets (room for labels): O = the last layer's outputs, rounded up to 4,
 * per image. preacts: the outputs before their activation of layers whose activation's
 * derivative needs them. saved: what each layer's forward keeps for its backward. */
static uint64_t saved_floats(const cnn_model *m, int32_t capacity) {
    uint64_t s = 0;
    for (int32_t i = 0; i < m->n_layers; i++) {
        const cnn_layer *L = &m->layers[i];
        if (L->def->saved_floats) s += round_up4(L->def->saved_floats(L, capacity));
    }
    return s;
}

static uint64_t fixed_floats(const cnn_model *m, int32_t capacity, bool training) {
    return (uint64_t)m->params_floats * (training ? 4 : 1) + (capacity ? (uint64_t)m->work_floats : 0);
}

static uint64_t block_floats(const cnn_model *m, int32_t capacity, bool training) {
    const uint64_t A = m->act_per_image, O = round_up4(m->layers[m->n_layers - 1].out_size);
    uint64_t per_image = A + 2 * O;
    if (training) per_image += A + m->preact_per_image;
    return fixed_floats(m, capacity, training) + per_image * (uint64_t)capacity +
           (training && capacity ? saved_floats(m, capacity) : 0);
}

cnn_status cnn_model_resize_block(cnn_model *m, int32_t capacity, bool training) {
    const uint64_t floats = block_floats(m, capacity, training);
    const uint64_t fixed = fixed_floats(m, capacity, training);
    const uint64_t act_bytes = (floats - fixed) * sizeof(float);
    if (act_bytes > ((uint64_t)1 << 31))
        return cnn_fail(CNN_STATUS_TOO_LARGE,
                        "batch of %d images needs %llu bytes of activations%s, over the 2 GiB limit",
                        capacity, (unsigned long long)act_bytes, training ? " and gradients" : "");
    if (floats * sizeof(float) > SIZE_MAX / 2)
        return cnn_fail(CNN_STATUS_TOO_LARGE, "batch of %d images: %llu bytes do not fit in memory",
                        capacity, (unsigned long long)(floats * sizeof(float)));
    /* A new block; the parameters (and training state, if kept) move over, the rest starts at
     * zero. On failure the old block stays as it was. */
    float *block = (float *)calloc((size_t)floats, sizeof(float));
    if (!block)
        return cnn_fail(CNN_STATUS_OUT_OF_MEMORY, "cannot allocate %llu bytes for a batch of %d%s",
                        (unsigned long long)(floats * sizeof(float)), capacity,
                        training ? " with training state" : "");
    const size_t P = m->params_floats;
    memcpy(block, m->block, P * sizeof(float) * (m->training && training ? 4 : 1));
    float *rest = block + (size_t)fixed;
    /* The input images the caller wrote stay (capacity never shrinks); layer outputs are
     * recomputed by the next forward pass anyway. */
    if (m->acts && capacity) memcpy(rest, m->acts, m->in_size * (size_t)m->capacity * sizeof(float));
    free(m->block);
    const size_t A = m->act_per_image * (size_t)capacity;
    const size_t O = round_up4(m->layers[m->n_layers - 1].out_size) * (size_t)capacity;
    const size_t PA = m->preact_per_image * (size_t)capacity;
    const bool train_acts = capacity && training;
    m->block = block;
    m->params = block;
    m->grads = training ? block + P : NULL;
    m->opt_m = training ? block + 2 * P : NULL;
    m->opt_v = training ? block + 3 * P : NULL;
    m->work = capacity ? block + P * (training ? 4 : 1) : NULL;
    m->acts = capacity ? rest : NULL;
    m->logits = capacity ? rest + A : NULL;
    m->targets = capacity ? rest + A + O : NULL;
    m->dacts = train_acts ? rest + A + 2 * O : NULL;
    m->preacts = train_acts ? rest + 2 * A + 2 * O : NULL;
    m->saved = train_acts ? rest + 2 * A + 2 * O + PA : NULL;
    size_t at = 0;
    for (int32_t i = 0; i < m->n_layers; i++) {
        cnn_layer *L = &m->layers[i];
        L->saved_floats = train_acts && L->def->saved_floats ? L->def->saved_floats(L, capacity) : 0;
        L->saved_offset = at;
        at += round_up4(L->saved_floats);
    }
    m->capacity = capacity;
    m->training = training;
    return CNN_OK;
}

cnn_status cnn_model_reserve(cnn_model *m, int32_t capacity) {
    if (!m) return cnn_fail(CNN_STATUS_INVALID_ARGUMENT, "reserve: model is NULL");
    if (capacity < 1)
        return cnn_fail(CNN_STATUS_INVALID_ARGUMENT, "batch size must be positive, got %d", capacity);
    if (capacity <= m->capacity) return CNN_OK;
    return cnn_model_resize_block(m, capacity, m->training);
}

int32_t cnn_model_capacity(const cnn_model *m) { return m ? m->capacity : 0; }

float *cnn_model_input(cnn_model *m) { return m ? m->acts : NULL; }

float *cnn_model_output(cnn_model *m, int32_t i) {
    if (!m || !m->acts) return NULL;
    if (i == -1) i = m->n_layers - 1;
    if (i < 0 || i >= m->n_layers) return NULL;
    return m->acts + m->layers[i].out_offset * (size_t)m->capacity;
}

float *cnn_model_act(cnn_model *m, int32_t j) {
    return m->acts + (j == CNN_INPUT ? 0 : m->layers[j].out_offset) * (size_t)m->capacity;
}

float *cnn_model_dact(cnn_model *m, int32_t j) {
    return m->dacts + (j == CNN_INPUT ? 0 : m->layers[j].out_offset) * (size_t)m->capacity;
}

int32_t cnn_model_layer_inputs(const cnn_model *m, int32_t i, int32_t *inputs, int32_t cap) {
    const cnn_layer *L = layer_at(m, i);
    if (!L) return 0;
    for (int32_t k = 0; k < L->n_inputs && k < cap && inputs; k++) inputs[k] = L->inputs[k];
    return L->n_inputs;
}
