/* model.c — sequential models: shape inference, the sizing pass, the model's memory (its
 * description and one block of parameters + activations), deterministic weight initialisation
 * and the forward pass.
 *
 * Not here: the layers' arithmetic (conv2d.c, pool2d.c, dense.c, activation.c) and model
 * files (model-format.c). */
#include "internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *cnn_layer_type_name(int32_t type) {
    switch (type) {
    case CNN_LAYER_CONV2D: return "conv2d";
    case CNN_LAYER_MAXPOOL2D: return "maxpool2d";
    case CNN_LAYER_AVGPOOL2D: return "avgpool2d";
    case CNN_LAYER_GLOBALAVGPOOL2D: return "globalavgpool2d";
    case CNN_LAYER_GLOBALMAXPOOL2D: return "globalmaxpool2d";
    case CNN_LAYER_DENSE: return "dense";
    case CNN_LAYER_FLATTEN: return "flatten";
    case CNN_LAYER_ACTIVATION: return "activation";
    }
    return "unknown";
}

const char *cnn_activation_name(int32_t activation) {
    switch (activation) {
    case CNN_ACT_LINEAR: return "linear";
    case CNN_ACT_RELU: return "relu";
    case CNN_ACT_SIGMOID: return "sigmoid";
    case CNN_ACT_TANH: return "tanh";
    case CNN_ACT_SOFTMAX: return "softmax";
    }
    return "unknown";
}

/* ─── Shape inference ───────────────────────────────────────────────────────────────────── */

/* Output size and leading padding along one axis, or a failure naming the axis. */
static cnn_status infer_axis(int32_t index, const char *tname, const char *axis, int32_t in,
                             int32_t k, int32_t s, int32_t padding, int32_t pad,
                             int32_t *out, int32_t *pad_lo, int32_t *pad_hi) {
    int64_t o, lo, hi;
    if (padding == CNN_PAD_SAME) {
        o = ((int64_t)in + s - 1) / s;
        int64_t total = (o - 1) * s + k - in;
        if (total < 0) total = 0;
        lo = total / 2;
        hi = total - lo;                     /* the odd pixel goes to the bottom/right */
    } else {
        lo = hi = padding == CNN_PAD_EXPLICIT ? pad : 0;
        const int64_t padded = (int64_t)in + lo + hi;
        if (k > padded)
            return cnn_fail(CNN_STATUS_BAD_LAYER,
                            "layer %d (%s): kernel %s %d larger than padded input %s %d",
                            index, tname, axis, k, axis, (int)padded);
        o = (padded - k) / s + 1;
    }
    if (o < 1)
        return cnn_fail(CNN_STATUS_BAD_LAYER, "layer %d (%s): zero-size output %s", index, tname,
                        axis);
    if (o > CNN_MAX_DIM)
        return cnn_fail(CNN_STATUS_TOO_LARGE, "layer %d (%s): output %s %d exceeds the limit %d",
                        index, tname, axis, (int)o, CNN_MAX_DIM);
    *out = (int32_t)o;
    *pad_lo = (int32_t)lo;
    *pad_hi = (int32_t)hi;
    return CNN_OK;
}

static cnn_status check_positive(int32_t index, const char *tname, const char *what, int32_t v) {
    if (v < 1)
        return cnn_fail(CNN_STATUS_BAD_LAYER, "layer %d (%s): %s must be positive, got %d",
                        index, tname, what, v);
    if (v > CNN_MAX_DIM)
        return cnn_fail(CNN_STATUS_TOO_LARGE, "layer %d (%s): %s %d exceeds the limit %d", index,
                        tname, what, v, CNN_MAX_DIM);
    return CNN_OK;
}

static cnn_status check_zero(int32_t index, const char *tname, const char *what, int32_t v) {
    if (v != 0)
        return cnn_fail(CNN_STATUS_BAD_LAYER, "layer %d (%s): %s does not apply, must be 0, got %d",
                        index, tname, what, v);
    return CNN_OK;
}

#define TRY(expr) do { cnn_status s_ = (expr); if (s_ != CNN_OK) return s_; } while (0)

cnn_status cnn_layer_infer(cnn_layer_info *info, int32_t index, int32_t in_rank, int32_t in_h,
                           int32_t in_w, int32_t in_c) {
    const cnn_layer_spec *sp = &info->spec;
    const int32_t t = sp->type;
    const char *tname = cnn_layer_type_name(t);
    if (strcmp(tname, "unknown") == 0)
        return cnn_fail(CNN_STATUS_BAD_LAYER, "layer %d: unknown layer type %d", index, t);
    if (strcmp(cnn_activation_name(sp->activation), "unknown") == 0)
        return cnn_fail(CNN_STATUS_BAD_LAYER, "layer %d (%s): unknown activation %d", index, tname,
                        sp->activation);
    TRY(check_zero(index, tname, "reserved[0]", sp->reserved[0]));
    TRY(check_zero(index, tname, "reserved[1]", sp->reserved[1]));

    info->in_rank = in_rank; info->in_h = in_h; info->in_w = in_w; info->in_c = in_c;
    info->pad_top = info->pad_bottom = info->pad_left = info->pad_right = 0;
    info->kernel_size = info->bias_size = info->params = info->reserved = 0;
    int32_t oh = in_h, ow = in_w, oc = in_c, orank = in_rank;

    const bool spatial = t == CNN_LAYER_CONV2D || t == CNN_LAYER_MAXPOOL2D ||
                         t == CNN_LAYER_AVGPOOL2D || t == CNN_LAYER_GLOBALAVGPOOL2D ||
                         t == CNN_LAYER_GLOBALMAXPOOL2D;
    if (spatial && in_rank != 3)
        return cnn_fail(CNN_STATUS_BAD_LAYER,
                        "layer %d (%s): needs an (h, w, c) input, got a vector of %d values",
                        index, tname, in_c);

    if (t == CNN_LAYER_CONV2D || t == CNN_LAYER_MAXPOOL2D || t == CNN_LAYER_AVGPOOL2D) {
        const bool conv = t == CNN_LAYER_CONV2D;
        if (conv) TRY(check_positive(index, tname, "filters", sp->units));
        else TRY(check_zero(index, tname, "units", sp->units));
        TRY(check_positive(index, tname, "kernel height", sp->kernel_h));
        TRY(check_positive(index, tname, "kernel width", sp->kernel_w));
        TRY(check_positive(index, tname, "stride height", sp->stride_h));
        TRY(check_positive(index, tname, "stride width", sp->stride_w));
        if (sp->padding != CNN_PAD_VALID && sp->padding != CNN_PAD_SAME &&
            !(conv && sp->padding == CNN_PAD_EXPLICIT))
            return cnn_fail(CNN_STATUS_BAD_LAYER,
                            conv ? "layer %d (%s): unknown padding mode %d (valid 0, same 1, explicit 2)"
                                 : "layer %d (%s): padding mode %d not supported (valid 0, same 1)",
                            index, tname, sp->padding);
        if (sp->padding == CNN_PAD_EXPLICIT) {
            if (sp->pad_h < 0 || sp->pad_w < 0)
                return cnn_fail(CNN_STATUS_BAD_LAYER, "layer %d (%s): padding must be >= 0, got %d x %d",
                                index, tname, sp->pad_h, sp->pad_w);
            if (sp->pad_h > CNN_MAX_DIM || sp->pad_w > CNN_MAX_DIM)
                return cnn_fail(CNN_STATUS_TOO_LARGE, "layer %d (%s): padding %d x %d exceeds the limit %d",
                                index, tname, sp->pad_h, sp->pad_w, CNN_MAX_DIM);
        } else {
            TRY(check_zero(index, tname, "pad_h", sp->pad_h));
            TRY(check_zero(index, tname, "pad_w", sp->pad_w));
        }
        /* Report the whole 2-D mismatch first, as users think of it ("7x7 larger than 5x5"). */
        if (sp->padding != CNN_PAD_SAME) {
            const int64_t ph = in_h + 2 * (int64_t)(sp->padding == CNN_PAD_EXPLICIT ? sp->pad_h : 0);
            const int64_t pw = in_w + 2 * (int64_t)(sp->padding == CNN_PAD_EXPLICIT ? sp->pad_w : 0);
            if (sp->kernel_h > ph || sp->kernel_w > pw)
                return cnn_fail(CNN_STATUS_BAD_LAYER,
                                "layer %d (%s): kernel %dx%d larger than padded input %dx%d",
                                index, tname, sp->kernel_h, sp->kernel_w, (int)ph, (int)pw);
        }
        TRY(infer_axis(index, tname, "height", in_h, sp->kernel_h, sp->stride_h, sp->padding,
                       sp->pad_h, &oh, &info->pad_top, &info->pad_bottom));
        TRY(infer_axis(index, tname, "width", in_w, sp->kernel_w, sp->stride_w, sp->padding,
                       sp->pad_w, &ow, &info->pad_left, &info->pad_right));
        if (conv) {
            oc = sp->units;
            const uint64_t ks = (uint64_t)sp->kernel_h * sp->kernel_w * in_c * sp->units;
            if (ks > CNN_MAX_ELEMENTS)
                return cnn_fail(CNN_STATUS_TOO_LARGE,
                                "layer %d (%s): kernel %dx%dx%dx%d has %llu weights, over the limit %llu",
                                index, tname, sp->kernel_h, sp->kernel_w, in_c, sp->units,
                                (unsigned long long)ks, (unsigned long long)CNN_MAX_ELEMENTS);
            info->kernel_size = (int32_t)ks;
            info->bias_size = sp->units;
        }
    } else {
        TRY(check_zero(index, tname, "kernel height", sp->kernel_h));
        TRY(check_zero(index, tname, "kernel width", sp->kernel_w));
        TRY(check_zero(index, tname, "stride height", sp->stride_h));
        TRY(check_zero(index, tname, "stride width", sp->stride_w));
        TRY(check_zero(index, tname, "padding", sp->padding));
        TRY(check_zero(index, tname, "pad_h", sp->pad_h));
        TRY(check_zero(index, tname, "pad_w", sp->pad_w));
        if (t != CNN_LAYER_DENSE) TRY(check_zero(index, tname, "units", sp->units));
        switch (t) {
        case CNN_LAYER_GLOBALAVGPOOL2D:
        case CNN_LAYER_GLOBALMAXPOOL2D:
            orank = 1; oh = ow = 1; oc = in_c;
            break;
        case CNN_LAYER_FLATTEN: {
            const uint64_t n = (uint64_t)in_h * in_w * in_c;
            if (n > CNN_MAX_ELEMENTS)
                return cnn_fail(CNN_STATUS_TOO_LARGE, "layer %d (flatten): %llu values exceed the limit",
                                index, (unsigned long long)n);
            orank = 1; oh = ow = 1; oc = (int32_t)n;
            break;
        }
        case CNN_LAYER_DENSE: {
            if (in_rank != 1)
                return cnn_fail(CNN_STATUS_BAD_LAYER,
                                "layer %d (dense): input is (%d, %d, %d), not a vector: add a flatten "
                                "or global pooling layer before it", index, in_h, in_w, in_c);
            TRY(check_positive(index, tname, "units", sp->units));
            const uint64_t ks = (uint64_t)in_c * sp->units;
            if (ks > CNN_MAX_ELEMENTS)
                return cnn_fail(CNN_STATUS_TOO_LARGE,
                                "layer %d (dense): kernel %dx%d has %llu weights, over the limit %llu",
                                index, in_c, sp->units, (unsigned long long)ks,
                                (unsigned long long)CNN_MAX_ELEMENTS);
            info->kernel_size = (int32_t)ks;
            info->bias_size = sp->units;
            orank = 1; oh = ow = 1; oc = sp->units;
            break;
        }
        case CNN_LAYER_ACTIVATION:
            break;
        }
    }
    const uint64_t out_values = (uint64_t)oh * ow * oc;
    if (out_values > CNN_MAX_ELEMENTS)
        return cnn_fail(CNN_STATUS_TOO_LARGE,
                        "layer %d (%s): output (%d, %d, %d) has %llu values, over the limit %llu",
                        index, tname, oh, ow, oc, (unsigned long long)out_values,
                        (unsigned long long)CNN_MAX_ELEMENTS);
    info->out_rank = orank; info->out_h = oh; info->out_w = ow; info->out_c = oc;
    info->params = info->kernel_size + info->bias_size;
    return CNN_OK;
}

/* ─── Building: the sizing pass and the allocations ─────────────────────────────────────── */

static size_t round_up4(size_t n) { return (n + 3) & ~(size_t)3; }

/* Shapes, parameter offsets and activation offsets (per image, in floats, 16-byte aligned) of
 * every layer. Writes the layers into `dst` when it is not NULL. All sums are bounded
 * (≤ 256 layers × 2^28 values each < 2^37) and held in uint64_t. */
static cnn_status size_layers(cnn_layer *dst, int32_t in_h, int32_t in_w, int32_t in_c,
                              const cnn_layer_spec *layers, int32_t n_layers,
                              uint64_t *n_params_out, uint64_t *act_out, uint64_t *work_out) {
    uint64_t n_params = 0, act = round_up4((size_t)in_h * in_w * in_c), work = 0;
    int32_t rank = 3, h = in_h, w = in_w, c = in_c;
    size_t prev_offset = 0;
    for (int32_t i = 0; i < n_layers; i++) {
        cnn_layer one, *L = dst ? &dst[i] : &one;
        memset(L, 0, sizeof *L);
        L->info.spec = layers[i];
        TRY(cnn_layer_infer(&L->info, i, rank, h, w, c));
        L->kernel_offset = (size_t)n_params;
        n_params += (uint64_t)L->info.kernel_size;
        L->bias_offset = (size_t)n_params;
        n_params += (uint64_t)L->info.bias_size;
        if (n_params > CNN_MAX_ELEMENTS)
            return cnn_fail(CNN_STATUS_TOO_LARGE, "model: %llu parameters after layer %d, over the limit %llu",
                            (unsigned long long)n_params, i, (unsigned long long)CNN_MAX_ELEMENTS);
        L->out_size = (size_t)L->info.out_h * L->info.out_w * L->info.out_c;
        /* ≤ 9 · 2^28 + (2^16 + 2^17)^2 · 2^16: fits in uint64, and the block's size check
         * (cnn_model_resize_block) rejects what does not fit in memory */
        const uint64_t need = cnn_layer_work_floats(&L->info);
        if (need > work) work = need;
        if (layers[i].type == CNN_LAYER_FLATTEN && layers[i].activation == CNN_ACT_LINEAR) {
            L->out_offset = prev_offset;     /* same values, same order: share the memory */
        } else {
            L->out_offset = (size_t)act;
            act += round_up4(L->out_size);
        }
        prev_offset = L->out_offset;
        rank = L->info.out_rank; h = L->info.out_h; w = L->info.out_w; c = L->info.out_c;
    }
    *n_params_out = n_params;
    *act_out = act;
    *work_out = round_up4((size_t)work);
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

    /* Sizing pass, run twice: once to learn the sizes, once to fill the allocated layers. */
    uint64_t n_params = 0, act = 0, work = 0;
    TRY(size_layers(NULL, in_h, in_w, in_c, layers, n_layers, &n_params, &act, &work));

    /* The model object: its fixed description (this struct and the layers). */
    const size_t head = (sizeof(cnn_model) + 15) & ~(size_t)15;
    cnn_model *m = (cnn_model *)calloc(1, head + sizeof(cnn_layer) * (size_t)n_layers);
    if (!m) return cnn_fail(CNN_STATUS_OUT_OF_MEMORY, "model: cannot allocate its description");
    /* The block: parameters now, activations from the first cnn_model_reserve. */
    m->params_floats = round_up4((size_t)n_params) + 4; /* + 4: never a malloc(0) */
    m->block = (float *)calloc(m->params_floats, sizeof(float));
    if (!m->block) {
        free(m);
        return cnn_fail(CNN_STATUS_OUT_OF_MEMORY, "model: cannot allocate %llu bytes for parameters",
                        (unsigned long long)n_params * 4);
    }
    m->in_h = in_h; m->in_w = in_w; m->in_c = in_c;
    m->n_layers = n_layers;
    m->layers = (cnn_layer *)((uint8_t *)m + head);
    m->params = m->block;
    m->n_params = (size_t)n_params;
    m->in_size = (size_t)in_size;
    m->act_per_image = (size_t)act;
    m->work_floats = (size_t)work;
    cnn_status st = size_layers(m->layers, in_h, in_w, in_c, layers, n_layers, &n_params, &act, &work);
    assert(st == CNN_OK && n_params == m->n_params && act == m->act_per_image && work == m->work_floats);
    (void)st;
    *out = m;
    return CNN_OK;
}

/* ─── Deterministic initialisation ──────────────────────────────────────────────────────── */

/* PCG32 (O'Neill 2014): small, fast, and the same numbers on every platform. */
typedef struct { uint64_t state, inc; } pcg32;

static uint32_t pcg32_next(pcg32 *r) {
    uint64_t old = r->state;
    r->state = old * 6364136223846793005ULL + r->inc;
    uint32_t xorshifted = (uint32_t)(((old >> 18) ^ old) >> 27);
    uint32_t rot = (uint32_t)(old >> 59);
    return (xorshifted >> rot) | (xorshifted << ((32 - rot) & 31));
}

static void pcg32_seed(pcg32 *r, uint64_t seed, uint64_t stream) {
    r->state = 0;
    r->inc = (stream << 1) | 1;
    pcg32_next(r);
    r->state += seed;
    pcg32_next(r);
}

/* Uniform in [-limit, limit): 24 random bits, exact in float. */
static float uniform(pcg32 *r, float limit) {
    const float u = (float)(pcg32_next(r) >> 8) * (1.0f / 16777216.0f);
    return (2.0f * u - 1.0f) * limit;
}

static void init_weights(cnn_model *m, uint32_t seed) {
    for (int32_t i = 0; i < m->n_layers; i++) {
        const cnn_layer *L = &m->layers[i];
        if (!L->info.kernel_size) continue;
        /* fan_in = weights feeding one output; fan_out = weights one input feeds. */
        const double receptive = L->info.spec.type == CNN_LAYER_CONV2D
                                     ? (double)L->info.spec.kernel_h * L->info.spec.kernel_w : 1.0;
        const double fan_in = receptive * L->info.in_c, fan_out = receptive * L->info.out_c;
        /* He-uniform before relu (Kaiming 2015), Glorot-uniform otherwise (Glorot 2010). */
        const double limit = L->info.spec.activation == CNN_ACT_RELU ? sqrt(6.0 / fan_in)
                                                                     : sqrt(6.0 / (fan_in + fan_out));
        pcg32 rng;
        pcg32_seed(&rng, seed, (uint64_t)i + 1);   /* one stream per layer */
        float *k = m->params + L->kernel_offset;
        for (int32_t j = 0; j < L->info.kernel_size; j++) k[j] = uniform(&rng, (float)limit);
        /* biases stay 0 (calloc) */
    }
}

cnn_status cnn_model_create(cnn_model **out, int32_t in_h, int32_t in_w, int32_t in_c,
                            const cnn_layer_spec *layers, int32_t n_layers, uint32_t seed) {
    TRY(cnn_model_build(out, in_h, in_w, in_c, layers, n_layers));
    init_weights(*out, seed);
    return CNN_OK;
}

void cnn_model_free(cnn_model *m) {
    if (!m) return;
    free(m->block);   /* parameters and activations */
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

float *cnn_model_kernel(cnn_model *m, int32_t i) {
    if (!m || i < 0 || i >= m->n_layers || !m->layers[i].info.kernel_size) return NULL;
    return m->params + m->layers[i].kernel_offset;
}

float *cnn_model_bias(cnn_model *m, int32_t i) {
    if (!m || i < 0 || i >= m->n_layers || !m->layers[i].info.bias_size) return NULL;
    return m->params + m->layers[i].bias_offset;
}

/* ─── The block: parameters, training state, activations ───────────────────────────────── */

/* The block's layout, in floats, every part 16-byte aligned:
 *   params | grads | opt_m | opt_v | work | acts | logits | targets | dacts
 * grads, opt_m, opt_v and dacts exist only once training memory is set up
 * (cnn_model_set_optimizer, cnn_model_gradients); work, acts, logits and targets once a batch
 * is reserved. params, grads, opt_m, opt_v: P = params_floats each. work: the packed weights of
 * one layer at a time (work_floats, the largest layer's). acts, dacts: A = act_per_image per
 * image (the input and every layer's output). logits (the last layer's output before its
 * activation) and targets (room for labels): O = the last layer's outputs, rounded up to 4,
 * per image. */
static uint64_t fixed_floats(const cnn_model *m, int32_t capacity, bool training) {
    return (uint64_t)m->params_floats * (training ? 4 : 1) + (capacity ? (uint64_t)m->work_floats : 0);
}

static uint64_t block_floats(const cnn_model *m, int32_t capacity, bool training) {
    const uint64_t A = m->act_per_image, O = round_up4(m->layers[m->n_layers - 1].out_size);
    return fixed_floats(m, capacity, training) + (A * (training ? 2 : 1) + 2 * O) * (uint64_t)capacity;
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
    m->block = block;
    m->params = block;
    m->grads = training ? block + P : NULL;
    m->opt_m = training ? block + 2 * P : NULL;
    m->opt_v = training ? block + 3 * P : NULL;
    m->work = capacity ? block + P * (training ? 4 : 1) : NULL;
    m->acts = capacity ? rest : NULL;
    m->logits = capacity ? rest + A : NULL;
    m->targets = capacity ? rest + A + O : NULL;
    m->dacts = capacity && training ? rest + A + 2 * O : NULL;
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

/* Layer i on n images: its input is layer i − 1's output (the input batch for layer 0). */
static void run_layer(cnn_model *m, const cnn_kernels *k, int32_t i, int32_t n) {
    const cnn_layer *L = &m->layers[i];
    const cnn_layer_info *info = &L->info;
    const size_t cap = (size_t)m->capacity;
    const float *in = m->acts + (i ? m->layers[i - 1].out_offset : 0) * cap;
    float *out = m->acts + L->out_offset * cap;
    const float *kernel = m->params + L->kernel_offset, *bias = m->params + L->bias_offset;
    const bool last = i == m->n_layers - 1;
    /* A ReLU on conv2d or dense is fused into their stores (not on the last layer, whose
     * pre-activation values are kept as the logits). */
    const bool fuse = !last && info->spec.activation == CNN_ACT_RELU &&
                      (info->spec.type == CNN_LAYER_CONV2D || info->spec.type == CNN_LAYER_DENSE);
    switch (info->spec.type) {
    case CNN_LAYER_CONV2D: cnn_conv2d_forward(k, out, in, kernel, bias, info, n, m->work, fuse); break;
    case CNN_LAYER_MAXPOOL2D:
    case CNN_LAYER_AVGPOOL2D: cnn_pool2d_forward(k, out, in, info, n); break;
    case CNN_LAYER_GLOBALAVGPOOL2D:
    case CNN_LAYER_GLOBALMAXPOOL2D: cnn_global_pool2d_forward(k, out, in, info, n); break;
    case CNN_LAYER_DENSE: cnn_dense_forward(k, out, in, kernel, bias, info, n, m->work, fuse); break;
    case CNN_LAYER_FLATTEN:
    case CNN_LAYER_ACTIVATION:
        /* Identity before the activation. A linear flatten shares its input's memory. */
        if (out != in) memcpy(out, in, (size_t)n * L->out_size * sizeof(float));
        break;
    default: assert(!"layer type validated at build time");
    }
    const size_t rows = (size_t)n * (size_t)info->out_h * (size_t)info->out_w;
    if (last) /* keep the last pre-activation: stable losses need the logits */
        memcpy(m->logits, out, (size_t)n * L->out_size * sizeof(float));
    if (!fuse) cnn_activation_forward(k, out, out, info->spec.activation, rows, (size_t)info->out_c);
}

void cnn_model_run(cnn_model *m, int32_t n) {
    const cnn_kernels *k = cnn_kernels_current();
    for (int32_t i = 0; i < m->n_layers; i++) run_layer(m, k, i, n);
}

cnn_status cnn_model_forward_layer(cnn_model *m, int32_t i, int32_t n) {
    if (!m) return cnn_fail(CNN_STATUS_INVALID_ARGUMENT, "forward_layer: model is NULL");
    if (i < 0 || i >= m->n_layers)
        return cnn_fail(CNN_STATUS_INVALID_ARGUMENT, "layer index %d out of range: model has %d layers",
                        i, m->n_layers);
    if (n < 1 || n > m->capacity)
        return cnn_fail(CNN_STATUS_INVALID_ARGUMENT,
                        "forward: batch of %d images, but room is reserved for %d", n, m->capacity);
    run_layer(m, cnn_kernels_current(), i, n);
    return CNN_OK;
}

cnn_status cnn_model_forward(cnn_model *m, int32_t n) {
    if (!m) return cnn_fail(CNN_STATUS_INVALID_ARGUMENT, "forward: model is NULL");
    if (n < 1 || n > m->capacity)
        return cnn_fail(CNN_STATUS_INVALID_ARGUMENT,
                        "forward: batch of %d images, but room is reserved for %d", n, m->capacity);
    cnn_model_run(m, n);
    return CNN_OK;
}
