/* training.c — losses, backpropagation through the whole model, and the optimisers.
 *
 * One step: forward (cnn_model_run keeps the last layer's logits) → loss and dz of the last
 * layer → each layer's backward, last to first, turning ∂L/∂output into ∂L/∂pre-activation
 * with the activation's derivative on the way → weight decay → optimiser update.
 * Everything lives in the model's block (model.c); nothing here allocates.
 *
 * Not here: the layers' own backward arithmetic (each layer type's file, through its
 * cnn_layer_def), and the activations' derivatives (activation.c). */
#include "internal.h"

#include <math.h>
#include <string.h>

cnn_optimizer cnn_optimizer_default(cnn_optimizer_type type, cnn_loss loss) {
    cnn_optimizer o;
    memset(&o, 0, sizeof o);
    o.type = type;
    o.loss = loss;
    o.learning_rate = type == CNN_OPTIMIZER_ADAM ? 1e-3f : 0.01f;
    o.beta1 = 0.9f;
    o.beta2 = 0.999f;
    o.epsilon = 1e-7f;
    o.schedule = CNN_SCHEDULE_CONSTANT;
    o.step_size = 1;
    o.gamma = 1.0f;
    o.decay_steps = 1;
    return o;
}

static bool in_unit(float v) { return v >= 0.0f && v < 1.0f; } /* [0, 1), NaN fails */

/* Checks the loss against the model's output layer; `where` names the caller. */
static cnn_status check_loss(const cnn_model *m, int32_t loss, const char *where) {
    const cnn_layer_info *last = &m->layers[m->n_layers - 1].info;
    if (loss == CNN_LOSS_CROSSENTROPY) {
        if (last->activation != CNN_ACT_SOFTMAX)
            return cnn_fail(CNN_STATUS_INVALID_ARGUMENT,
                            "%s: cross-entropy needs a softmax output, but the last layer (%d, %s) "
                            "has activation %s",
                            where, m->n_layers - 1, cnn_layer_type_name(last->type),
                            cnn_activation_name(last->activation));
        if (last->out_h * last->out_w != 1) /* a map's softmax is per pixel: not one distribution */
            return cnn_fail(CNN_STATUS_INVALID_ARGUMENT,
                            "%s: cross-entropy needs one class distribution per image, but the last layer "
                            "outputs a (%d, %d, %d) map: end with a flatten or global pooling and a dense "
                            "softmax layer, or use mse",
                            where, last->out_h, last->out_w, last->out_c);
        return CNN_OK;
    }
    if (loss == CNN_LOSS_MSE) return CNN_OK;
    return cnn_fail(CNN_STATUS_INVALID_ARGUMENT, "%s: unknown loss %d (crossentropy 1, mse 2)", where, loss);
}

cnn_status cnn_model_set_optimizer(cnn_model *m, const cnn_optimizer *o) {
    cnn_clear_error();
    if (!m || !o) return cnn_fail(CNN_STATUS_INVALID_ARGUMENT, "set_optimizer: NULL argument");
    const char *w = "optimizer";
    if (o->type != CNN_OPTIMIZER_SGD && o->type != CNN_OPTIMIZER_ADAM)
        return cnn_fail(CNN_STATUS_INVALID_ARGUMENT, "optimizer: unknown type %d (sgd 1, adam 2)", o->type);
    cnn_status s = check_loss(m, o->loss, w);
    if (s != CNN_OK) return s;
    /* Messages print floats ×1e6 as integers: the formatter has no %f. */
#define BAD(cond, what) \
    if (cond) return cnn_fail(CNN_STATUS_INVALID_ARGUMENT, "optimizer: %s", what)
    BAD(!(o->learning_rate > 0.0f) || isinf(o->learning_rate), "learningRate must be a positive number");
    BAD(!in_unit(o->momentum), "momentum must be in [0, 1)");
    BAD(o->nesterov != 0 && o->nesterov != 1, "nesterov must be 0 or 1");
    BAD(o->nesterov && o->momentum == 0.0f, "nesterov needs a momentum > 0");
    BAD(!in_unit(o->beta1) || !in_unit(o->beta2), "beta1 and beta2 must be in [0, 1)");
    BAD(!(o->epsilon > 0.0f) || isinf(o->epsilon), "epsilon must be a positive number");
    BAD(!(o->weight_decay >= 0.0f) || isinf(o->weight_decay), "weightDecay must be >= 0");
    BAD(o->schedule < CNN_SCHEDULE_CONSTANT || o->schedule > CNN_SCHEDULE_COSINE,
        "unknown schedule (constant 0, step 1, cosine 2)");
    BAD(o->schedule == CNN_SCHEDULE_STEP && o->step_size < 1, "step schedule: stepSize must be >= 1");
    BAD(o->schedule == CNN_SCHEDULE_STEP && !(o->gamma > 0.0f && o->gamma <= 1.0f),
        "step schedule: gamma must be in (0, 1]");
    BAD(o->schedule == CNN_SCHEDULE_COSINE && o->decay_steps < 1, "cosine schedule: decaySteps must be >= 1");
    BAD(o->schedule == CNN_SCHEDULE_COSINE &&
            !(o->min_learning_rate >= 0.0f && o->min_learning_rate <= o->learning_rate),
        "cosine schedule: minLearningRate must be in [0, learningRate]");
    BAD(o->reserved, "reserved fields must be 0");
#undef BAD
    if (!m->training) {
        s = cnn_model_resize_block(m, m->capacity, true);
        if (s != CNN_OK) return s;
    }
    m->opt = *o;
    m->has_optimizer = true;
    m->step = 0;
    memset(m->opt_m, 0, m->params_floats * sizeof(float));
    memset(m->opt_v, 0, m->params_floats * sizeof(float));
    return CNN_OK;
}

cnn_status cnn_model_restore_optimizer(cnn_model *m, const cnn_optimizer *opt, uint32_t step,
                                       const uint8_t *state_m, const uint8_t *state_v) {
    CNN_TRY(cnn_model_set_optimizer(m, opt));
    m->step = step;
    cnn_read_floats(m->opt_m, state_m, m->n_trainable);
    cnn_read_floats(m->opt_v, state_v, m->n_trainable);
    return CNN_OK;
}

cnn_status cnn_model_get_optimizer(const cnn_model *m, cnn_optimizer *o, uint32_t *steps) {
    if (!m) return cnn_fail(CNN_STATUS_INVALID_ARGUMENT, "get_optimizer: model is NULL");
    if (!m->has_optimizer) return cnn_fail(CNN_STATUS_INVALID_ARGUMENT, "no optimizer is set");
    if (o) *o = m->opt;
    if (steps) *steps = m->step;
    return CNN_OK;
}

float cnn_model_learning_rate(const cnn_model *m) {
    if (!m || !m->has_optimizer) return 0.0f;
    const cnn_optimizer *o = &m->opt;
    switch (o->schedule) {
    case CNN_SCHEDULE_STEP:
        return o->learning_rate * powf(o->gamma, (float)(m->step / (uint32_t)o->step_size));
    case CNN_SCHEDULE_COSINE: {
        const double t = m->step < (uint32_t)o->decay_steps ? (double)m->step / o->decay_steps : 1.0;
        return o->min_learning_rate +
               (o->learning_rate - o->min_learning_rate) * 0.5f * (1.0f + cosf(3.14159265f * (float)t));
    }
    default:
        return o->learning_rate;
    }
}

/* ─── Loss ──────────────────────────────────────────────────────────────────────────────── */

/* Mean loss over n images and the number classified right; if dz is not NULL, writes
 * ∂(mean loss)/∂(last layer's pre-activation output) there (n × outputs). */
static cnn_status loss_and_grad(cnn_model *m, int32_t loss_type, const void *labels, int32_t n,
                                float *dz, float *loss_out, int32_t *correct_out) {
    const cnn_layer *L = &m->layers[m->n_layers - 1];
    const size_t O = L->out_size;
    const float *y = m->acts + L->out_offset * (size_t)m->capacity; /* after the activation */
    const float *z = m->logits;                                      /* before it           */
    double total = 0.0;
    int32_t correct = 0;
    for (int32_t b = 0; b < n; b++) {
        const float *yb = y + (size_t)b * O, *zb = z + (size_t)b * O;
        size_t best = 0;
        for (size_t j = 1; j < O; j++) if (yb[j] > yb[best]) best = j;
        if (loss_type == CNN_LOSS_CROSSENTROPY) {
            const int32_t label = ((const int32_t *)labels)[b];
            if (label < 0 || (size_t)label >= O)
                return cnn_fail(CNN_STATUS_INVALID_ARGUMENT, "label %d of image %d is out of range 0 to %d",
                                label, b, (int)O - 1);
            /* −log softmax(z)[label] = logsumexp(z) − z[label], shifted by max(z) */
            float zmax = zb[0];
            for (size_t j = 1; j < O; j++) zmax = zb[j] > zmax ? zb[j] : zmax;
            float sum = 0.0f;
            for (size_t j = 0; j < O; j++) sum += expf(zb[j] - zmax);
            total += (double)logf(sum) + zmax - zb[label];
            correct += best == (size_t)label;
            if (dz) /* softmax and cross-entropy together: (y − onehot) / n */
                for (size_t j = 0; j < O; j++)
                    dz[(size_t)b * O + j] = (yb[j] - (j == (size_t)label ? 1.0f : 0.0f)) / (float)n;
        } else {
            const float *t = (const float *)labels + (size_t)b * O;
            size_t tbest = 0;
            for (size_t j = 0; j < O; j++) {
                const double d = (double)yb[j] - t[j];
                total += d * d / (double)O;
                if (t[j] > t[tbest]) tbest = j;
                if (dz) dz[(size_t)b * O + j] = 2.0f * (yb[j] - t[j]) / (float)(O * (size_t)n);
            }
            correct += best == tbest;
        }
    }
    if (dz && loss_type == CNN_LOSS_MSE) /* through the output activation (x: the logits) */
        cnn_activation_backward(cnn_kernels_current(), dz, dz, y, z, L->info.activation, L->opt[CNN_OPT_ALPHA].f,
                                L->opt[CNN_OPT_BETA].f,
                                (size_t)n * (size_t)L->info.out_h * (size_t)L->info.out_w,
                                (size_t)L->info.out_c);
    if (loss_out) *loss_out = (float)(total / n);
    if (correct_out) *correct_out = correct;
    return CNN_OK;
}

/* ─── Backpropagation ───────────────────────────────────────────────────────────────────── */

/* Backpropagation in reverse definition order. Before it, every dacts is zero but the last
 * layer's, which holds ∂L/∂(its pre-activation) (loss_and_grad). Each layer first turns the
 * ∂L/∂output its readers accumulated into ∂L/∂pre-activation (its activation's derivative),
 * then its backward adds its inputs' shares: a layer read by several (a residual branch)
 * gets the sum. Fills grads (zeroed here); the input's gradient only if want_input.
 * `training`: as the forward pass ran (batch statistics, dropout masks). */
static void backward(cnn_model *m, int32_t n, bool want_input, bool training) {
    const cnn_kernels *k = cnn_kernels_current();
    const size_t cap = (size_t)m->capacity;
    k->zero(m->grads, m->n_params);
    for (int32_t i = m->n_layers - 1; i >= 0; i--) {
        const cnn_layer *L = &m->layers[i];
        const cnn_layer_info *info = &L->info;
        cnn_layer_run r;
        memset(&r, 0, sizeof r);
        r.k = k;
        r.L = L;
        r.n = n;
        r.out = m->acts + L->out_offset * cap;
        r.work = m->work;
        r.training = training;
        r.saved = m->saved + L->saved_offset;
        r.seed = (m->opt.seed ^ (m->step * 0x9E3779B9u)) + (uint32_t)i * 0x85EBCA6Bu; /* as forward */
        float *dz = m->dacts + L->out_offset * cap;
        r.dz = dz;
        if (i < m->n_layers - 1) /* ∂L/∂output → ∂L/∂pre-activation, in place (the last: done) */
            cnn_activation_backward(k, dz, dz, r.out, L->keep_preact ? m->preacts + L->preact_offset * cap : NULL,
                                    info->activation, L->opt[CNN_OPT_ALPHA].f, L->opt[CNN_OPT_BETA].f,
                                    (size_t)n * (size_t)info->out_h * (size_t)info->out_w, (size_t)info->out_c);
        for (int32_t q = 0; q < L->n_inputs; q++) {
            const int32_t j = L->inputs[q];
            r.ins[q] = cnn_model_act(m, j);
            r.dins[q] = j != CNN_INPUT || want_input ? cnn_model_dact(m, j) : NULL;
        }
        r.in = r.ins[0];
        r.din = r.dins[0];
        for (int32_t t = 0; t < info->n_tensors; t++) {
            r.t[t] = m->params + L->tensor_offset[t];
            r.dt[t] = L->tensor[t].info.trainable ? m->grads + L->tensor_offset[t] : NULL;
        }
        L->def->backward(&r);
    }
}

/* ─── Steps ─────────────────────────────────────────────────────────────────────────────── */

static cnn_status check_batch(const cnn_model *m, const void *labels, int32_t n, const char *where) {
    if (!m) return cnn_fail(CNN_STATUS_INVALID_ARGUMENT, "%s: model is NULL", where);
    if (!labels) return cnn_fail(CNN_STATUS_INVALID_ARGUMENT, "%s: labels are NULL", where);
    if (n < 1 || n > m->capacity)
        return cnn_fail(CNN_STATUS_INVALID_ARGUMENT, "%s: batch of %d images, but room is reserved for %d",
                        where, n, m->capacity);
    return CNN_OK;
}

static void optimizer_update(cnn_model *m) {
    const cnn_optimizer *o = &m->opt;
    const float lr = cnn_model_learning_rate(m);
    /* L2 weight decay on kernels (the tensors that declare it): g += wd · w */
    if (o->weight_decay > 0.0f)
        for (int32_t i = 0; i < m->n_layers; i++) {
            const cnn_layer *L = &m->layers[i];
            for (int32_t t = 0; t < L->info.n_tensors; t++) {
                if (!L->tensor[t].decay) continue;
                float *g = m->grads + L->tensor_offset[t];
                const float *w = m->params + L->tensor_offset[t];
                for (int32_t j = 0; j < L->tensor[t].info.size; j++) g[j] += o->weight_decay * w[j];
            }
        }
    /* the trainable tensors only: the state (moving statistics) lies after them */
    float *w = m->params, *g = m->grads, *v = m->opt_m, *s = m->opt_v;
    const size_t P = m->n_trainable;
    if (o->type == CNN_OPTIMIZER_SGD) {
        const float mu = o->momentum;
        if (mu == 0.0f) {
            for (size_t i = 0; i < P; i++) w[i] -= lr * g[i];
        } else if (!o->nesterov) {
            for (size_t i = 0; i < P; i++) { v[i] = mu * v[i] + g[i]; w[i] -= lr * v[i]; }
        } else {
            for (size_t i = 0; i < P; i++) { v[i] = mu * v[i] + g[i]; w[i] -= lr * (g[i] + mu * v[i]); }
        }
    } else {
        const float t = (float)m->step + 1.0f;
        const float b1 = o->beta1, b2 = o->beta2;
        /* bias correction folded into the step size (Kingma & Ba, section 2) */
        const float c1 = 1.0f - powf(b1, t), c2 = sqrtf(1.0f - powf(b2, t));
        const float step = lr * c2 / c1, eps = o->epsilon * c2;
        for (size_t i = 0; i < P; i++) {
            v[i] = b1 * v[i] + (1.0f - b1) * g[i];
            s[i] = b2 * s[i] + (1.0f - b2) * g[i] * g[i];
            w[i] -= step * v[i] / (sqrtf(s[i]) + eps);
        }
    }
    m->step++;
}

cnn_status cnn_model_train_step(cnn_model *m, const void *labels, int32_t n, float *loss,
                                int32_t *correct) {
    cnn_status s = check_batch(m, labels, n, "train_step");
    if (s != CNN_OK) return s;
    if (!m->has_optimizer)
        return cnn_fail(CNN_STATUS_INVALID_ARGUMENT, "train_step: no optimizer is set");
    cnn_model_run(m, n, true);
    const cnn_layer *L = &m->layers[m->n_layers - 1];
    cnn_kernels_current()->zero(m->dacts, m->act_per_image * (size_t)m->capacity);
    s = loss_and_grad(m, m->opt.loss, labels, n, m->dacts + L->out_offset * (size_t)m->capacity,
                      loss, correct);
    if (s != CNN_OK) return s;
    backward(m, n, false, true);
    optimizer_update(m);
    return CNN_OK;
}

cnn_status cnn_model_apply_gradients(cnn_model *m) {
    if (!m) return cnn_fail(CNN_STATUS_INVALID_ARGUMENT, "apply_gradients: model is NULL");
    if (!m->has_optimizer)
        return cnn_fail(CNN_STATUS_INVALID_ARGUMENT, "apply_gradients: no optimizer is set");
    optimizer_update(m);
    return CNN_OK;
}

cnn_status cnn_model_evaluate(cnn_model *m, int32_t loss_type, const void *labels, int32_t n,
                              float *loss, int32_t *correct) {
    cnn_status s = check_batch(m, labels, n, "evaluate");
    if (s == CNN_OK) s = check_loss(m, loss_type, "evaluate");
    if (s != CNN_OK) return s;
    cnn_model_run(m, n, false);
    return loss_and_grad(m, loss_type, labels, n, NULL, loss, correct);
}

cnn_status cnn_model_gradients(cnn_model *m, int32_t loss_type, const void *labels, int32_t n,
                               float *loss) {
    cnn_status s = check_batch(m, labels, n, "gradients");
    if (s == CNN_OK) s = check_loss(m, loss_type, "gradients");
    if (s != CNN_OK) return s;
    if (!m->training) {
        s = cnn_model_resize_block(m, m->capacity, true);
        if (s != CNN_OK) return s;
    }
    /* the model as it predicts: moving statistics, no dropout (saliency, gradient checks) */
    cnn_model_run(m, n, false);
    const cnn_layer *L = &m->layers[m->n_layers - 1];
    cnn_kernels_current()->zero(m->dacts, m->act_per_image * (size_t)m->capacity);
    s = loss_and_grad(m, loss_type, labels, n, m->dacts + L->out_offset * (size_t)m->capacity, loss, NULL);
    if (s != CNN_OK) return s;
    backward(m, n, true, false);
    return CNN_OK;
}

float *cnn_model_tensor_grad(cnn_model *m, int32_t i, int32_t t) {
    if (!m || !m->training || i < 0 || i >= m->n_layers) return NULL;
    const cnn_layer *L = &m->layers[i];
    if (t < 0 || t >= L->info.n_tensors || !L->tensor[t].info.trainable) return NULL;
    return m->grads + L->tensor_offset[t];
}

float *cnn_model_kernel_grad(cnn_model *m, int32_t i) {
    return cnn_model_tensor_grad(m, i, cnn_model_tensor_index(m, i, "kernel"));
}

float *cnn_model_bias_grad(cnn_model *m, int32_t i) {
    return cnn_model_tensor_grad(m, i, cnn_model_tensor_index(m, i, "bias"));
}

float *cnn_model_input_grad(cnn_model *m) { return m && m->dacts ? m->dacts : NULL; }

float *cnn_model_params(cnn_model *m) { return m ? m->params : NULL; }

float *cnn_model_param_grads(cnn_model *m) { return m && m->training ? m->grads : NULL; }

void *cnn_model_targets(cnn_model *m) { return m ? (void *)m->targets : NULL; }
