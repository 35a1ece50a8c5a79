/* layer.c — what every layer type shares: reading a spec's options against the type's rules
 * (defaults, ranges, named errors), the sliding-window arithmetic of convolutions and pools,
 * output shapes and parameter tensors. Layer files call these from their infer functions;
 * model.c calls cnn_layer_setup once per layer.
 *
 * Not here: any particular layer type (each is in its own file, listed in registry.c). */
#include "internal.h"

#include <math.h>
#include <string.h>

/* The options every layer takes: its activation and the activation's parameters. */
static const cnn_option_rule COMMON[] = {
    { CNN_OPT_ACTIVATION, "activation", { .i = CNN_ACT_LINEAR }, 0, CNN_ACT_SOFTPLUS, 0, 0 },
    { CNN_OPT_ALPHA, "alpha", { .f = NAN }, 0, 0, -CNN_FLOAT_HUGE, CNN_FLOAT_HUGE },
    { CNN_OPT_BETA, "beta", { .f = NAN }, 0, 0, -CNN_FLOAT_HUGE, CNN_FLOAT_HUGE },
};
#define N_COMMON ((int32_t)(sizeof COMMON / sizeof *COMMON))

static const cnn_option_rule *find_rule(const cnn_layer_def *d, int32_t key) {
    for (int32_t i = 0; i < N_COMMON; i++) if (COMMON[i].key == key) return &COMMON[i];
    for (int32_t i = 0; i < d->n_options; i++) if (d->options[i].key == key) return &d->options[i];
    return NULL;
}

static cnn_status check_value(const cnn_option_rule *r, cnn_value v, int32_t index, const char *tname) {
    if (cnn_option_kind(r->key) == CNN_KIND_FLOAT) {
        if (v.f >= r->fmin && (r->fmax_open ? v.f < r->fmax : v.f <= r->fmax)) return CNN_OK; /* NaN fails */
        if (r->fmin == CNN_FLOAT_TINY && r->fmax == CNN_FLOAT_HUGE)
            return cnn_fail(CNN_STATUS_BAD_LAYER, "layer %d (%s): %s must be a positive number (at least 1e-30), got %g",
                            index, tname, r->name, (double)v.f);
        if (r->fmin == -CNN_FLOAT_HUGE)
            return cnn_fail(CNN_STATUS_BAD_LAYER, "layer %d (%s): %s must be a number from -1e30 to 1e30, got %g",
                            index, tname, r->name, (double)v.f);
        return cnn_fail(CNN_STATUS_BAD_LAYER, r->fmax_open ? "layer %d (%s): %s must be in [%g, %g), got %g"
                                                           : "layer %d (%s): %s must be in [%g, %g], got %g",
                        index, tname, r->name, (double)r->fmin, (double)r->fmax, (double)v.f);
    }
    if (v.i >= r->min && v.i <= r->max) return CNN_OK;
    if (r->key == CNN_OPT_PADDING)
        return cnn_fail(CNN_STATUS_BAD_LAYER, "layer %d (%s): unknown padding mode %d (valid 0, same 1, explicit 2)",
                        index, tname, v.i);
    if (r->min == 0 && r->max == 1)
        return cnn_fail(CNN_STATUS_BAD_LAYER, "layer %d (%s): %s must be 0 or 1 (false or true), got %d",
                        index, tname, r->name, v.i);
    if (v.i > r->max)
        return cnn_fail(r->max >= CNN_MAX_DIM ? CNN_STATUS_TOO_LARGE : CNN_STATUS_BAD_LAYER,
                        "layer %d (%s): %s %d exceeds the limit %d", index, tname, r->name, v.i, r->max);
    if (r->min == 1)
        return cnn_fail(CNN_STATUS_BAD_LAYER, "layer %d (%s): %s must be positive, got %d", index, tname, r->name, v.i);
    return cnn_fail(CNN_STATUS_BAD_LAYER, "layer %d (%s): %s must be >= %d, got %d", index, tname, r->name,
                    r->min, v.i);
}

static cnn_status setup(cnn_layer *L, const cnn_layer_spec *spec, int32_t index);

cnn_status cnn_layer_setup(cnn_layer *L, const cnn_layer_spec *spec, int32_t index, const cnn_shape *in_shape) {
    L->in_shape = in_shape;
    for (int32_t k = 0; k < L->n_inputs; k++) L->in_size[k] = in_shape[k].h * in_shape[k].w * in_shape[k].c;
    cnn_status s = setup(L, spec, index);
    L->in_shape = NULL;
    return s;
}

static cnn_status setup(cnn_layer *L, const cnn_layer_spec *spec, int32_t index) {
    const cnn_layer_def *d = cnn_layer_def_find(spec->type);
    if (!d) return cnn_fail(CNN_STATUS_BAD_LAYER, "layer %d: unknown layer type %d", index, spec->type);
    L->def = d;
    const char *tname = d->name;
    if ((d->flags & CNN_DEF_MERGE) && L->n_inputs < 2)
        return cnn_fail(CNN_STATUS_BAD_LAYER, "layer %d (%s): needs 2 or more inputs, got %d", index, tname,
                        L->n_inputs);
    if (!(d->flags & CNN_DEF_MERGE) && L->n_inputs != 1)
        return cnn_fail(CNN_STATUS_BAD_LAYER, "layer %d (%s): takes one input, got %d (only add, concat and "
                        "multiply merge several)", index, tname, L->n_inputs);
    /* Defaults, then the spec's options over them. */
    for (int32_t i = 0; i < N_COMMON; i++) L->opt[COMMON[i].key] = COMMON[i].def;
    for (int32_t i = 0; i < d->n_options; i++) L->opt[d->options[i].key] = d->options[i].def;
    bool given[CNN_OPT_COUNT] = { false };
    for (int32_t j = 0; j < CNN_MAX_OPTIONS && spec->options[j].key != CNN_OPT_END; j++) {
        const cnn_option *o = &spec->options[j];
        const cnn_option_rule *r = o->key > 0 && o->key < CNN_OPT_COUNT ? find_rule(d, o->key) : NULL;
        if (!r) {
            if (cnn_option_kind(o->key))
                return cnn_fail(CNN_STATUS_BAD_LAYER, "layer %d (%s): %s does not apply to %s",
                                index, tname, cnn_option_name(o->key), tname);
            return cnn_fail(CNN_STATUS_BAD_LAYER, "layer %d (%s): unknown option key %d", index, tname, o->key);
        }
        if (given[o->key])
            return cnn_fail(CNN_STATUS_BAD_LAYER, "layer %d (%s): %s given twice", index, tname, r->name);
        given[o->key] = true;
        cnn_value v;
        v.i = o->i;
        if (r->key == CNN_OPT_ACTIVATION && (v.i < 0 || v.i > CNN_ACT_SOFTPLUS))
            return cnn_fail(CNN_STATUS_BAD_LAYER, "layer %d (%s): unknown activation %d", index, tname, v.i);
        CNN_TRY(check_value(r, v, index, tname));
        L->opt[o->key] = v;
    }
    /* Required options: int rules whose default is outside their range (filters, kernel). */
    for (int32_t i = 0; i < d->n_options; i++) {
        const cnn_option_rule *r = &d->options[i];
        if (!given[r->key] && cnn_option_kind(r->key) == CNN_KIND_INT && (r->def.i < r->min || r->def.i > r->max))
            return cnn_fail(CNN_STATUS_BAD_LAYER, "layer %d (%s): needs %s (%d to %d)", index, tname,
                            r->name, r->min, r->max);
    }
    /* The activation's parameters: its defaults where not given; only where they mean
     * something (leakyrelu/elu alpha, hardsigmoid alpha and beta). */
    const int32_t act = L->opt[CNN_OPT_ACTIVATION].i;
    float alpha, beta;
    cnn_activation_defaults(act, &alpha, &beta);
    const bool takes_alpha = act == CNN_ACT_LEAKYRELU || act == CNN_ACT_ELU || act == CNN_ACT_HARDSIGMOID;
    if (given[CNN_OPT_ALPHA] && !takes_alpha)
        return cnn_fail(CNN_STATUS_BAD_LAYER, "layer %d (%s): alpha applies to leakyrelu, elu and hardsigmoid, not %s",
                        index, tname, cnn_activation_name(act));
    if (given[CNN_OPT_BETA] && act != CNN_ACT_HARDSIGMOID)
        return cnn_fail(CNN_STATUS_BAD_LAYER, "layer %d (%s): beta applies to hardsigmoid only, not %s",
                        index, tname, cnn_activation_name(act));
    if (given[CNN_OPT_ALPHA] && act != CNN_ACT_HARDSIGMOID && L->opt[CNN_OPT_ALPHA].f < 0)
        return cnn_fail(CNN_STATUS_BAD_LAYER, "layer %d (%s): %s alpha must be >= 0, got %g", index, tname,
                        cnn_activation_name(act), (double)L->opt[CNN_OPT_ALPHA].f);
    if (!given[CNN_OPT_ALPHA]) L->opt[CNN_OPT_ALPHA].f = alpha;
    if (!given[CNN_OPT_BETA]) L->opt[CNN_OPT_BETA].f = beta;

    cnn_layer_info *info = &L->info;
    info->type = d->type;
    info->activation = act;
    const cnn_shape *in = &L->in_shape[0];
    info->in_rank = in->rank; info->in_h = in->h; info->in_w = in->w; info->in_c = in->c;
    info->n_inputs = L->n_inputs;
    if ((d->flags & CNN_DEF_NEEDS_RANK3) && in->rank != 3)
        return cnn_fail(CNN_STATUS_BAD_LAYER,
                        "layer %d (%s): needs an (h, w, c) input, got a vector of %d values", index, tname, in->c);
    CNN_TRY(d->infer(L, index));
    int64_t params = 0, trainable = 0;
    for (int32_t t = 0; t < info->n_tensors; t++) {
        params += L->tensor[t].info.size;
        if (L->tensor[t].info.trainable) trainable += L->tensor[t].info.size;
    }
    if (params > CNN_MAX_ELEMENTS)
        return cnn_fail(CNN_STATUS_TOO_LARGE, "layer %d (%s): %llu parameters, over the limit %llu", index,
                        tname, (unsigned long long)params, (unsigned long long)CNN_MAX_ELEMENTS);
    info->params = (int32_t)params;
    info->trainable = (int32_t)trainable;
    L->out_size = (size_t)info->out_h * info->out_w * info->out_c;
    return CNN_OK;
}

cnn_status cnn_window_axis(int32_t index, const char *tname, const char *what, const char *axis,
                           int32_t in, int32_t k, int32_t s, int32_t d, int32_t padding,
                           int32_t pad_lo, int32_t pad_hi, bool ceil_mode, int32_t *out,
                           int32_t *lo, int32_t *hi) {
    const int64_t extent = ((int64_t)k - 1) * d + 1;   /* the window's span with dilation */
    int64_t o, a, b;
    if (padding == CNN_PAD_SAME) {
        o = ((int64_t)in + s - 1) / s;
        int64_t total = (o - 1) * s + extent - in;
        if (total < 0) total = 0;
        a = total / 2;
        b = total - a;                       /* the odd pixel goes to the bottom/right */
    } else {
        a = padding == CNN_PAD_EXPLICIT ? pad_lo : 0;
        b = padding == CNN_PAD_EXPLICIT ? pad_hi : 0;
        const int64_t padded = (int64_t)in + a + b;
        if (extent > padded)
            return cnn_fail(CNN_STATUS_BAD_LAYER, "layer %d (%s): %s %s %llu larger than padded input %s %llu",
                            index, tname, what, axis, (unsigned long long)extent, axis,
                            (unsigned long long)padded);
        o = (padded - extent) / s + 1;
        if (ceil_mode && (padded - extent) % s) {
            o++;
            /* PyTorch: the last window must start inside the input or its leading padding */
            if ((o - 1) * s >= (int64_t)in + a) o--;
        }
    }
    if (o > CNN_MAX_DIM)
        return cnn_fail(CNN_STATUS_TOO_LARGE, "layer %d (%s): output %s %d exceeds the limit %d",
                        index, tname, axis, (int)o, CNN_MAX_DIM);
    *out = (int32_t)o;
    *lo = (int32_t)a;
    *hi = (int32_t)b;
    return CNN_OK;
}

cnn_status cnn_window_2d(cnn_layer *L, int32_t index, const char *what, int32_t kh, int32_t kw,
                         int32_t sh, int32_t sw, int32_t dh, int32_t dw, bool ceil_mode,
                         int32_t *oh, int32_t *ow) {
    const cnn_value *o = L->opt;
    const char *tname = L->def->name;
    const int32_t padding = o[CNN_OPT_PADDING].i;
    const int32_t pt = o[CNN_OPT_PAD_TOP].i, pb = o[CNN_OPT_PAD_BOTTOM].i;
    const int32_t pl = o[CNN_OPT_PAD_LEFT].i, pr = o[CNN_OPT_PAD_RIGHT].i;
    if (padding != CNN_PAD_EXPLICIT && (pt || pb || pl || pr))
        return cnn_fail(CNN_STATUS_BAD_LAYER,
                        "layer %d (%s): padding amounts (%d, %d, %d, %d) need explicit padding (mode 2), not %s",
                        index, tname, pt, pb, pl, pr, padding == CNN_PAD_SAME ? "same" : "valid");
    if (padding == CNN_PAD_SAME && ceil_mode)
        return cnn_fail(CNN_STATUS_BAD_LAYER, "layer %d (%s): ceilMode does not apply to 'same' padding",
                        index, tname);
    const int32_t H = L->info.in_h, W = L->info.in_w;
    /* Report the whole 2-D mismatch first, as users think of it ("7x7 larger than 5x5"). */
    if (padding != CNN_PAD_SAME) {
        const int64_t ph = (int64_t)H + pt + pb, pw = (int64_t)W + pl + pr;
        const int64_t eh = ((int64_t)kh - 1) * dh + 1, ew = ((int64_t)kw - 1) * dw + 1;
        if (eh > ph || ew > pw)
            return cnn_fail(CNN_STATUS_BAD_LAYER, "layer %d (%s): %s %llux%llu%s larger than padded input %llux%llu",
                            index, tname, what, (unsigned long long)eh, (unsigned long long)ew,
                            dh > 1 || dw > 1 ? " (dilated)" : "", (unsigned long long)ph,
                            (unsigned long long)pw);
    }
    CNN_TRY(cnn_window_axis(index, tname, what, "height", H, kh, sh, dh, padding, pt, pb, ceil_mode, oh,
                            &L->info.pad_top, &L->info.pad_bottom));
    CNN_TRY(cnn_window_axis(index, tname, what, "width", W, kw, sw, dw, padding, pl, pr, ceil_mode, ow,
                            &L->info.pad_left, &L->info.pad_right));
    return CNN_OK;
}

cnn_status cnn_set_output(cnn_layer *L, int32_t index, int32_t rank, int32_t h, int32_t w, int32_t c) {
    const uint64_t values = (uint64_t)h * w * c;
    if (values > CNN_MAX_ELEMENTS)
        return cnn_fail(CNN_STATUS_TOO_LARGE,
                        "layer %d (%s): output (%d, %d, %d) has %llu values, over the limit %llu",
                        index, L->def->name, h, w, c, (unsigned long long)values,
                        (unsigned long long)CNN_MAX_ELEMENTS);
    L->info.out_rank = rank; L->info.out_h = h; L->info.out_w = w; L->info.out_c = c;
    return CNN_OK;
}

cnn_status cnn_add_tensor(cnn_layer *L, int32_t index, const char *name, int32_t rank,
                          const int32_t *shape, bool trainable, bool decay, int32_t init,
                          double fan_in, double fan_out) {
    assert(L->info.n_tensors < CNN_MAX_TENSORS && rank >= 1 && rank <= 4);
    uint64_t size = 1;
    for (int32_t r = 0; r < rank; r++) size *= (uint64_t)shape[r];   /* each ≤ 2^16: no overflow */
    if (size > CNN_MAX_ELEMENTS) {
        char dims[64];
        cnn_format(dims, sizeof dims, rank == 4 ? "%dx%dx%dx%d" : rank == 3 ? "%dx%dx%d" : rank == 2 ? "%dx%d" : "%d",
                   shape[0], rank > 1 ? shape[1] : 0, rank > 2 ? shape[2] : 0, rank > 3 ? shape[3] : 0);
        return cnn_fail(CNN_STATUS_TOO_LARGE, "layer %d (%s): %s %s has %llu values, over the limit %llu",
                        index, L->def->name, name, dims, (unsigned long long)size,
                        (unsigned long long)CNN_MAX_ELEMENTS);
    }
    cnn_tensor_def *t = &L->tensor[L->info.n_tensors++];
    memset(t, 0, sizeof *t);
    t->name = name;
    t->info.size = (int32_t)size;
    t->info.rank = rank;
    for (int32_t r = 0; r < rank; r++) t->info.shape[r] = shape[r];
    t->info.trainable = trainable;
    t->decay = decay;
    t->init = init;
    t->fan_in = fan_in;
    t->fan_out = fan_out;
    return CNN_OK;
}

int32_t cnn_layer_spec_of(const cnn_layer *L, cnn_layer_spec *spec) {
    memset(spec, 0, sizeof *spec);
    spec->type = L->info.type;
    const cnn_layer_def *d = L->def;
    float alpha, beta;
    cnn_activation_defaults(L->opt[CNN_OPT_ACTIVATION].i, &alpha, &beta);
    int32_t n = 0;
    for (int32_t key = 1; key < CNN_OPT_COUNT; key++) {
        const cnn_option_rule *r = find_rule(d, key);
        if (!r) continue;
        cnn_value def = r->def;
        if (key == CNN_OPT_ALPHA) def.f = alpha;
        if (key == CNN_OPT_BETA) def.f = beta;
        if (L->opt[key].i == def.i) continue;      /* the same bits: the default */
        /* a stride whose default 0 means "the window" (pools), equal to the window */
        if ((key == CNN_OPT_STRIDE_H || key == CNN_OPT_STRIDE_W) && def.i == 0 &&
            L->opt[key].i == L->opt[key == CNN_OPT_STRIDE_H ? CNN_OPT_KERNEL_H : CNN_OPT_KERNEL_W].i)
            continue;
        assert(n < CNN_MAX_OPTIONS);               /* every layer type takes fewer options */
        spec->options[n].key = key;
        spec->options[n].i = L->opt[key].i;
        n++;
    }
    return n;
}

cnn_status cnn_spec_set(cnn_layer_spec *spec, int32_t key, int32_t value) {
    if (!spec) return cnn_fail(CNN_STATUS_INVALID_ARGUMENT, "spec_set: spec is NULL");
    if (!cnn_option_kind(key)) return cnn_fail(CNN_STATUS_INVALID_ARGUMENT, "spec_set: unknown option key %d", key);
    int32_t j = 0;
    while (j < CNN_MAX_OPTIONS && spec->options[j].key != CNN_OPT_END && spec->options[j].key != key) j++;
    if (j == CNN_MAX_OPTIONS)
        return cnn_fail(CNN_STATUS_INVALID_ARGUMENT, "spec_set: the spec already holds %d options", CNN_MAX_OPTIONS);
    spec->options[j].key = key;
    spec->options[j].i = value;
    return CNN_OK;
}

cnn_status cnn_spec_set_float(cnn_layer_spec *spec, int32_t key, float value) {
    cnn_value v;
    v.f = value;
    return cnn_spec_set(spec, key, v.i);
}

void cnn_copy_into_border(float *dst, const float *src, int32_t H, int32_t W, int32_t C, int32_t Wp,
                          int32_t top, int32_t left) {
    for (int32_t y = 0; y < H; y++)
        memcpy(dst + ((size_t)(y + top) * Wp + left) * C, src + (size_t)y * W * C, (size_t)W * C * sizeof(float));
}
