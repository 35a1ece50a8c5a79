/* batchnorm.c — batch normalisation over the last axis (the channels of an (h, w, c) map, or
 * a vector's units), as Keras/TF.js BatchNormalization:
 *   y = gamma · (x − mean) / sqrt(var + epsilon) + beta
 * Inference uses the moving statistics. Training uses the batch's (over images and pixels,
 * the biased variance), updates the moving ones
 *   moving ← moving · momentum + batch · (1 − momentum)
 * and back-propagates through the batch statistics exactly. Tensors: gamma (with `scale`),
 * beta (with `center`) trainable; movingMean, movingVariance state. */
#include "internal.h"

#include <math.h>
#include <string.h>

static const cnn_option_rule OPTIONS[] = {
    { CNN_OPT_EPSILON, "epsilon", { .f = 0.001f }, 0, 0, CNN_FLOAT_TINY, CNN_FLOAT_HUGE },
    { CNN_OPT_MOMENTUM, "momentum", { .f = 0.99f }, 0, 0, 0.0f, 1.0f },
    { CNN_OPT_CENTER, "center", { .i = 1 }, 0, 1, 0, 0 },
    { CNN_OPT_SCALE, "scale", { .i = 1 }, 0, 1, 0, 0 },
};

static cnn_status infer(cnn_layer *L, int32_t index) {
    const cnn_layer_info *i = &L->info;
    CNN_TRY(cnn_set_output(L, index, i->in_rank, i->in_h, i->in_w, i->in_c));
    const int32_t C = i->in_c;
    if (L->opt[CNN_OPT_SCALE].i) CNN_TRY(cnn_add_tensor(L, index, "gamma", 1, &C, true, false, CNN_INIT_ONES, 0, 0));
    if (L->opt[CNN_OPT_CENTER].i) CNN_TRY(cnn_add_tensor(L, index, "beta", 1, &C, true, false, CNN_INIT_ZEROS, 0, 0));
    CNN_TRY(cnn_add_tensor(L, index, "movingMean", 1, &C, false, false, CNN_INIT_ZEROS, 0, 0));
    CNN_TRY(cnn_add_tensor(L, index, "movingVariance", 1, &C, false, false, CNN_INIT_ONES, 0, 0));
    return CNN_OK;
}

/* Training keeps the batch mean and 1/sqrt(var + eps) per channel for backward. */
static size_t saved_floats(const cnn_layer *L, int32_t capacity) {
    (void)capacity;
    return 2 * (size_t)L->info.in_c;
}

/* The tensors by role (gamma and beta may be absent). */
typedef struct bn { const float *gamma, *beta; float *mean, *var; float *dgamma, *dbeta; } bn;

static bn tensors(const cnn_layer_run *r) {
    bn t = { 0 };
    int32_t k = 0;
    if (r->L->opt[CNN_OPT_SCALE].i) { t.gamma = r->t[k]; t.dgamma = r->dt[k]; k++; }
    if (r->L->opt[CNN_OPT_CENTER].i) { t.beta = r->t[k]; t.dbeta = r->dt[k]; k++; }
    t.mean = r->t[k];
    t.var = r->t[k + 1];
    return t;
}

static void forward(const cnn_layer_run *r) {
    const size_t C = (size_t)r->L->info.in_c, rows = (size_t)r->n * r->L->out_size / C;
    const float eps = r->L->opt[CNN_OPT_EPSILON].f;
    bn t = tensors(r);
    float *mean = r->saved, *inv = r->saved ? r->saved + C : NULL;
    if (r->training) {
        /* batch statistics, in double: a large batch of similar values loses no digits */
        const float mom = r->L->opt[CNN_OPT_MOMENTUM].f;
        for (size_t c = 0; c < C; c++) {
            double s = 0.0, s2 = 0.0;
            for (size_t j = 0; j < rows; j++) s += r->in[j * C + c];
            const double mu = s / (double)rows;
            for (size_t j = 0; j < rows; j++) { const double d = r->in[j * C + c] - mu; s2 += d * d; }
            const double var = s2 / (double)rows;
            mean[c] = (float)mu;
            inv[c] = (float)(1.0 / sqrt(var + (double)eps));
            t.mean[c] = t.mean[c] * mom + (float)mu * (1.0f - mom);
            t.var[c] = t.var[c] * mom + (float)var * (1.0f - mom);
        }
    }
    /* y = x·a + b per channel: the factors first, then the rows in memory order (NHWC: the
     * channels of a pixel are contiguous, so the inner loop is a vector loop) */
    float *a = r->work, *b = r->work + C;
    for (size_t c = 0; c < C; c++) {
        const float mu = r->training ? mean[c] : t.mean[c];
        const float is = r->training ? inv[c] : 1.0f / sqrtf(t.var[c] + eps);
        a[c] = (t.gamma ? t.gamma[c] : 1.0f) * is;
        b[c] = (t.beta ? t.beta[c] : 0.0f) - mu * a[c];
    }
    for (size_t j = 0; j < rows; j++) {
        const float *x = r->in + j * C;
        float *y = r->out + j * C;
        for (size_t c = 0; c < C; c++) y[c] = x[c] * a[c] + b[c];
    }
}

/* Workspace: the per-channel factors of y = x·a + b. */
static size_t work_floats(const cnn_layer *L) { return 2 * (size_t)L->info.in_c; }

/* Backward. x̂ = (x − mean)·inv, y = gamma·x̂ + beta:
 *   dbeta = Σ dz;  dgamma = Σ dz·x̂;
 *   training (batch statistics, N values per channel):
 *     dx = gamma·inv/N · (N·dz − Σ dz − x̂·Σ dz·x̂)
 *   inference (moving statistics): dx = gamma·inv·dz */
CNN_TRAINING_ONLY static void backward(const cnn_layer_run *r) {
    const size_t C = (size_t)r->L->info.in_c, rows = (size_t)r->n * r->L->out_size / C;
    const float eps = r->L->opt[CNN_OPT_EPSILON].f;
    bn t = tensors(r);
    for (size_t c = 0; c < C; c++) {
        const float mu = r->training ? r->saved[c] : t.mean[c];
        const float is = r->training ? r->saved[C + c] : 1.0f / sqrtf(t.var[c] + eps);
        double sdz = 0.0, sdzx = 0.0;
        for (size_t j = 0; j < rows; j++) {
            const double dz = r->dz[j * C + c];
            sdz += dz;
            sdzx += dz * (double)((r->in[j * C + c] - mu) * is);
        }
        if (t.dbeta) t.dbeta[c] += (float)sdz;
        if (t.dgamma) t.dgamma[c] += (float)sdzx;
        if (!r->din) continue;
        const float g = t.gamma ? t.gamma[c] : 1.0f;
        if (!r->training) {
            for (size_t j = 0; j < rows; j++) r->din[j * C + c] += g * is * r->dz[j * C + c];
            continue;
        }
        const float k = g * is / (float)rows, mdz = (float)sdz, mdzx = (float)sdzx;
        for (size_t j = 0; j < rows; j++) {
            const float xh = (r->in[j * C + c] - mu) * is;
            r->din[j * C + c] += k * ((float)rows * r->dz[j * C + c] - mdz - xh * mdzx);
        }
    }
}

const cnn_layer_def cnn_batchnorm_def = {
    .type = CNN_LAYER_BATCHNORM,
    .name = "batchnorm",
    .options = OPTIONS,
    .n_options = (int32_t)(sizeof OPTIONS / sizeof *OPTIONS),
    .infer = infer,
    .work_floats = work_floats,
    .saved_floats = saved_floats,
    .forward = forward,
    .backward = CNN_BACKWARD(backward),
};
