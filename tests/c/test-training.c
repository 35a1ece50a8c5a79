/* test-training.c — backpropagation checked by finite differences, the optimisers checked
 * against their formulas, and training behaviour: overfitting a batch, determinism, and
 * resuming from a saved optimiser.
 *
 * Gradient checks: central differences of the loss, with the loss recomputed here in double
 * precision from the model's float outputs. The engine is float32, so a difference quotient
 * has an absolute error of roughly (float rounding of the loss) / ε; with ε = 2e-3 the bound
 * used is |analytic − numeric| ≤ 2e-2 · max(|analytic|, |numeric|) + 1e-3. Points near a
 * kink (ReLU at 0, a max-pool tie) are detected — the quotients with ε and ε/2 disagree — and
 * skipped; a test fails if more than a quarter of its points are skipped. */
#include <stdlib.h>

#include "check.h"

#define EPS 2e-3f
#define PI 3.14159265358979323846

/* Mean loss of the first n images, in double, from the model's outputs. */
static double loss_of(cnn_model *m, int loss, const void *labels, int n) {
    cnn_model_forward(m, n);
    cnn_layer_info last;
    cnn_model_layer_info(m, cnn_model_layer_count(m) - 1, &last);
    const int O = last.out_h * last.out_w * last.out_c;
    const float *y = cnn_model_output(m, -1);
    double total = 0;
    for (int b = 0; b < n; b++) {
        if (loss == CNN_LOSS_CROSSENTROPY) {
            total -= log((double)y[b * O + ((const int32_t *)labels)[b]]);
        } else {
            for (int j = 0; j < O; j++) {
                const double d = (double)y[b * O + j] - ((const float *)labels)[b * O + j];
                total += d * d / O;
            }
        }
    }
    return total / n;
}

typedef struct gc_stats { int checked, skipped, bad; double worst; } gc_stats;

/* Checks the analytic gradient `g` of value *p against central differences. */
static void check_point(cnn_model *m, int loss, const void *labels, int n, float *p, float g,
                        gc_stats *st, const char *what, int index) {
    const float saved = *p;
    double fd[2];
    for (int k = 0; k < 2; k++) {
        const float e = k ? EPS / 2 : EPS;
        *p = saved + e;
        const double up = loss_of(m, loss, labels, n);
        *p = saved - e;
        const double down = loss_of(m, loss, labels, n);
        fd[k] = (up - down) / (2.0 * e);
    }
    *p = saved;
    const double scale = fmax(fabs(fd[1]), fabs((double)g));
    if (fabs(fd[0] - fd[1]) > 2e-2 * scale + 1e-3) { st->skipped++; return; } /* a kink nearby */
    st->checked++;
    const double err = fabs((double)g - fd[1]);
    const double rel = err / (scale + 1e-3);
    if (rel > st->worst) st->worst = rel;
    if (err > 2e-2 * scale + 1e-3) {
        st->bad++;
        if (st->bad <= 5)
            fprintf(stderr, "  %s[%d]: analytic %.6g, numeric %.6g\n", what, index, (double)g, fd[1]);
    }
}

/* Builds the model, random weights/input/labels, and checks up to `per_tensor` points of
 * every kernel, bias and the input. */
static void gradcheck(const char *name, int h, int w, int c, const cnn_layer_spec *layers, int n_layers,
                      int loss, int batch, unsigned seed) {
    cnn_model *m = NULL;
    cnn_status s = cnn_model_create(&m, h, w, c, layers, n_layers, seed);
    if (s != CNN_OK) {
        fprintf(stderr, "  %s: %s\n", name, cnn_error_message());
        CHECK(s == CNN_OK);
        return;
    }
    unsigned rs = seed * 7919u + 1;
    for (int i = 0; i < n_layers; i++) {               /* biases away from 0 too */
        float *b = cnn_model_bias(m, i);
        cnn_tensor_info bi;
        if (b && cnn_model_tensor_info(m, i, cnn_model_tensor_index(m, i, "bias"), &bi) == CNN_OK)
            for (int j = 0; j < bi.size; j++) b[j] = 0.2f * test_rand(&rs);
    }
    cnn_model_reserve(m, batch);
    float *x = cnn_model_input(m);
    for (int i = 0; i < batch * h * w * c; i++) x[i] = test_rand(&rs);
    cnn_layer_info last;
    cnn_model_layer_info(m, n_layers - 1, &last);
    const int O = last.out_h * last.out_w * last.out_c;
    int32_t labels_i[8];
    float labels_f[8 * 64];
    for (int b = 0; b < batch; b++) labels_i[b] = (int32_t)((rs = rs * 1103515245u + 12345u) >> 16) % O;
    for (int i = 0; i < batch * O; i++) labels_f[i] = test_rand(&rs);
    const void *labels = loss == CNN_LOSS_CROSSENTROPY ? (const void *)labels_i : (const void *)labels_f;
    float lossv = 0;
    CHECK_STATUS(cnn_model_gradients(m, loss, labels, batch, &lossv), CNN_OK);
    x = cnn_model_input(m); /* setting up training memory moved the block */
    CHECK_NEAR(lossv, loss_of(m, loss, labels, batch), 1e-4 * (1 + fabs(lossv)));
    /* copy the analytic gradients: the finite differences reuse the model */
    gc_stats st = { 0, 0, 0, 0 };
    const int per_tensor = 12;
    for (int i = 0; i < n_layers; i++) {
        cnn_layer_info info;
        cnn_model_layer_info(m, i, &info);
        for (int part = 0; part < info.n_tensors; part++) {   /* every trainable tensor */
            cnn_tensor_info ti;
            cnn_model_tensor_info(m, i, part, &ti);
            const int size = ti.size;
            if (!ti.trainable) { CHECK(cnn_model_tensor_grad(m, i, part) == NULL); continue; }
            float *p = cnn_model_tensor(m, i, part);
            const float *g = cnn_model_tensor_grad(m, i, part);
            float *gcopy = (float *)malloc((size_t)size * sizeof(float));
            memcpy(gcopy, g, (size_t)size * sizeof(float));
            for (int t = 0; t < per_tensor && t < size; t++) {
                const int j = size <= per_tensor ? t : (int)(((unsigned)t * 2654435761u + seed) % (unsigned)size);
                char what[64];
                snprintf(what, sizeof what, "%s layer %d %s", name, i, cnn_model_tensor_name(m, i, part));
                check_point(m, loss, labels, batch, &p[j], gcopy[j], &st, what, j);
            }
            free(gcopy);
        }
    }
    const int in_size = batch * h * w * c;
    float *gin = (float *)malloc((size_t)in_size * sizeof(float));
    memcpy(gin, cnn_model_input_grad(m), (size_t)in_size * sizeof(float));
    for (int t = 0; t < per_tensor; t++) {
        const int j = (int)(((unsigned)t * 2246822519u + seed) % (unsigned)in_size);
        char what[64];
        snprintf(what, sizeof what, "%s input", name);
        check_point(m, loss, labels, batch, &x[j], gin[j], &st, what, j);
    }
    free(gin);
    if (st.bad || st.skipped * 4 > st.checked + st.skipped)
        fprintf(stderr, "  %s: %d checked, %d skipped near kinks, %d bad, worst relative error %.2g\n",
                name, st.checked, st.skipped, st.bad, st.worst);
    CHECK(st.bad == 0);
    CHECK(st.checked > 0 && st.skipped * 4 <= st.checked + st.skipped);
    cnn_model_free(m);
}

static cnn_layer_spec conv(int d, int kh, int kw, int sh, int sw, int padding, int ph, int pw, int act) {
    cnn_layer_spec s = { .type = CNN_LAYER_CONV2D, .options = { { CNN_OPT_UNITS, .i = d }, { CNN_OPT_KERNEL_H, .i = kh }, { CNN_OPT_KERNEL_W, .i = kw }, { CNN_OPT_STRIDE_H, .i = sh }, { CNN_OPT_STRIDE_W, .i = sw }, { CNN_OPT_PADDING, .i = padding }, { CNN_OPT_PAD_TOP, .i = ph }, { CNN_OPT_PAD_BOTTOM, .i = ph }, { CNN_OPT_PAD_LEFT, .i = pw }, { CNN_OPT_PAD_RIGHT, .i = pw }, { CNN_OPT_ACTIVATION, .i = act } } };
    return s;
}
static cnn_layer_spec pool(int type, int k, int s, int padding, int act) {
    cnn_layer_spec p = { .type = type, .options = { { CNN_OPT_KERNEL_H, .i = k }, { CNN_OPT_KERNEL_W, .i = k }, { CNN_OPT_STRIDE_H, .i = s }, { CNN_OPT_STRIDE_W, .i = s }, { CNN_OPT_PADDING, .i = padding }, { CNN_OPT_ACTIVATION, .i = act } } };
    return p;
}
static const cnn_layer_spec FLAT = { .type = CNN_LAYER_FLATTEN };
static cnn_layer_spec dense(int u, int act) {
    cnn_layer_spec d = { .type = CNN_LAYER_DENSE, .options = { { CNN_OPT_UNITS, .i = u }, { CNN_OPT_ACTIVATION, .i = act } } };
    return d;
}

static void test_gradcheck_conv2d(void) {
    /* strides 1–3, every padding mode, odd sizes, channels and filters > 4 (SIMD tails) */
    unsigned seed = 100;
    const int acts[4] = { CNN_ACT_TANH, CNN_ACT_SIGMOID, CNN_ACT_LINEAR, CNN_ACT_RELU };
    for (int t = 0; t < 12; t++) {
        const int kh = 1 + t % 4, kw = 1 + (t * 3) % 4, sh = 1 + t % 3, sw = 1 + (t / 3) % 3;
        const int pmode = t % 3, p = pmode == CNN_PAD_EXPLICIT ? 1 + t % 2 : 0;
        const int c = 1 + (t * 5) % 7, d = 1 + (t * 3) % 7;
        const cnn_layer_spec L[3] = { conv(d, kh, kw, sh, sw, pmode, p, p, acts[t % 4]), FLAT,
                                      dense(3, CNN_ACT_SOFTMAX) };
        char name[64];
        snprintf(name, sizeof name, "conv2d case %d", t);
        gradcheck(name, 5 + t % 3, 7 - t % 2, c, L, 3, CNN_LOSS_CROSSENTROPY, 2, seed + t);
    }
}

static void test_gradcheck_pooling(void) {
    unsigned seed = 200;
    for (int t = 0; t < 8; t++) {
        const int type = t % 2 ? CNN_LAYER_AVGPOOL2D : CNN_LAYER_MAXPOOL2D;
        const int k = 2 + t % 2, s = 1 + (t / 2) % 3, padding = (t / 4) % 2;
        const cnn_layer_spec L[4] = { conv(5, 2, 2, 1, 1, CNN_PAD_SAME, 0, 0, CNN_ACT_TANH),
                                      pool(type, k, s, padding, t % 3 == 0 ? CNN_ACT_SIGMOID : CNN_ACT_LINEAR),
                                      FLAT, dense(4, CNN_ACT_SOFTMAX) };
        char name[64];
        snprintf(name, sizeof name, "%s case %d", type == CNN_LAYER_MAXPOOL2D ? "maxpool" : "avgpool", t);
        gradcheck(name, 7, 6, 3, L, 4, CNN_LOSS_CROSSENTROPY, 2, seed + t);
    }
    for (int t = 0; t < 2; t++) {
        const cnn_layer_spec L[3] = { conv(6, 3, 3, 1, 1, CNN_PAD_VALID, 0, 0, CNN_ACT_TANH),
                                      { .type = t ? CNN_LAYER_GLOBALMAXPOOL2D : CNN_LAYER_GLOBALAVGPOOL2D },
                                      dense(3, CNN_ACT_SOFTMAX) };
        gradcheck(t ? "globalmaxpool" : "globalavgpool", 6, 5, 2, L, 3, CNN_LOSS_CROSSENTROPY, 3, 300 + t);
    }
}

static void test_gradcheck_dense_activations_mse(void) {
    /* every activation, fused and standalone, with MSE on every output activation */
    const int acts[5] = { CNN_ACT_LINEAR, CNN_ACT_RELU, CNN_ACT_SIGMOID, CNN_ACT_TANH, CNN_ACT_SOFTMAX };
    for (int a = 0; a < 5; a++) {
        const cnn_layer_spec L[4] = { FLAT, dense(7, acts[(a + 2) % 5]), dense(5, CNN_ACT_LINEAR),
                                      { .type = CNN_LAYER_ACTIVATION, .options = { { CNN_OPT_ACTIVATION, .i = acts[a] } } } };
        char name[64];
        snprintf(name, sizeof name, "dense+%s (mse)", cnn_activation_name(acts[a]));
        gradcheck(name, 2, 3, 2, L, 4, CNN_LOSS_MSE, 3, 400 + a);
    }
    /* softmax over the channels of a map, then a conv: activation layers on (h, w, c) */
    const cnn_layer_spec M[5] = { conv(5, 3, 3, 1, 1, CNN_PAD_SAME, 0, 0, CNN_ACT_LINEAR),
                                  { .type = CNN_LAYER_ACTIVATION, .options = { { CNN_OPT_ACTIVATION, .i = CNN_ACT_SOFTMAX } } },
                                  conv(2, 2, 2, 2, 2, CNN_PAD_VALID, 0, 0, CNN_ACT_LINEAR),
                                  { .type = CNN_LAYER_FLATTEN, .options = { { CNN_OPT_ACTIVATION, .i = CNN_ACT_TANH } } },
                                  dense(3, CNN_ACT_SIGMOID) };
    gradcheck("softmax over channels (mse)", 5, 4, 3, M, 5, CNN_LOSS_MSE, 2, 500);
}

/* The whole LeNet-5 chain, as LeCun et al. (1998) built it: tanh and average pooling. (With
 * ReLU and max pooling, a first-layer weight moves hundreds of outputs, so nearly every
 * finite difference crosses kinks; those two are checked in the small models above.) */
static void test_gradcheck_lenet(void) {
    const cnn_layer_spec L[8] = {
        conv(6, 5, 5, 1, 1, CNN_PAD_SAME, 0, 0, CNN_ACT_TANH), pool(CNN_LAYER_AVGPOOL2D, 2, 2, 0, 0),
        conv(16, 5, 5, 1, 1, CNN_PAD_VALID, 0, 0, CNN_ACT_TANH), pool(CNN_LAYER_AVGPOOL2D, 2, 2, 0, 0),
        FLAT, dense(120, CNN_ACT_TANH), dense(84, CNN_ACT_TANH), dense(10, CNN_ACT_SOFTMAX),
    };
    gradcheck("lenet", 28, 28, 1, L, 8, CNN_LOSS_CROSSENTROPY, 2, 600);
}

/* ─── Optimisers against their formulas ─────────────────────────────────────────────────── */

/* A 1-input, 2-unit linear dense layer with MSE: the gradient is known in closed form.
 * The optimiser is set before the input is written: setting up training memory re-allocates
 * the block, and activations (the input among them) are not carried over. */
static cnn_model *tiny(const cnn_optimizer *o) {
    const cnn_layer_spec L[2] = { FLAT, dense(2, CNN_ACT_LINEAR) };
    cnn_model *m = NULL;
    cnn_model_create(&m, 1, 1, 1, L, 2, 1);
    cnn_model_reserve(m, 1);
    if (o) CHECK_STATUS(cnn_model_set_optimizer(m, o), CNN_OK);
    cnn_model_kernel(m, 1)[0] = 0.5f; cnn_model_kernel(m, 1)[1] = -1.0f;
    cnn_model_bias(m, 1)[0] = 0.1f; cnn_model_bias(m, 1)[1] = 0.2f;
    cnn_model_input(m)[0] = 2.0f;
    return m;
}

static void test_optimizer_formulas(void) {
    /* y = 2·w + b; target t; L = ((y0 − t0)² + (y1 − t1)²)/2; ∂L/∂w_j = (y_j − t_j)·2, ∂L/∂b_j = y_j − t_j */
    const float t[2] = { 1.0f, 0.0f };
    for (int variant = 0; variant < 4; variant++) {
        cnn_optimizer o = cnn_optimizer_default(variant == 3 ? CNN_OPTIMIZER_ADAM : CNN_OPTIMIZER_SGD, CNN_LOSS_MSE);
        o.learning_rate = 0.1f;
        o.momentum = variant == 0 ? 0.0f : 0.9f;
        o.nesterov = variant == 2;
        o.weight_decay = 0.01f;
        cnn_model *m = tiny(&o);
        double w[2] = { 0.5, -1.0 }, b[2] = { 0.1, 0.2 }, vw[2] = { 0 }, vb[2] = { 0 }, sw[2] = { 0 }, sb[2] = { 0 };
        for (int step = 1; step <= 3; step++) {
            float loss;
            CHECK_STATUS(cnn_model_train_step(m, t, 1, &loss, NULL), CNN_OK);
            for (int j = 0; j < 2; j++) {
                const double y = 2 * w[j] + b[j];
                double gw = (y - t[j]) * 2 + o.weight_decay * w[j], gb = y - t[j];
                if (variant == 3) {
                    vw[j] = 0.9 * vw[j] + 0.1 * gw; sw[j] = 0.999 * sw[j] + 0.001 * gw * gw;
                    vb[j] = 0.9 * vb[j] + 0.1 * gb; sb[j] = 0.999 * sb[j] + 0.001 * gb * gb;
                    const double c1 = 1 - pow(0.9, step), c2 = 1 - pow(0.999, step);
                    w[j] -= 0.1 * (vw[j] / c1) / (sqrt(sw[j] / c2) + 1e-7);
                    b[j] -= 0.1 * (vb[j] / c1) / (sqrt(sb[j] / c2) + 1e-7);
                } else if (variant == 0) {
                    w[j] -= 0.1 * gw; b[j] -= 0.1 * gb;
                } else {
                    vw[j] = 0.9 * vw[j] + gw; vb[j] = 0.9 * vb[j] + gb;
                    w[j] -= 0.1 * (variant == 2 ? gw + 0.9 * vw[j] : vw[j]);
                    b[j] -= 0.1 * (variant == 2 ? gb + 0.9 * vb[j] : vb[j]);
                }
            }
            for (int j = 0; j < 2; j++) {
                CHECK_NEAR(cnn_model_kernel(m, 1)[j], w[j], 1e-5);
                CHECK_NEAR(cnn_model_bias(m, 1)[j], b[j], 1e-5);
            }
        }
        cnn_model_free(m);
    }
}

static void test_schedules(void) {
    cnn_optimizer o = cnn_optimizer_default(CNN_OPTIMIZER_SGD, CNN_LOSS_MSE);
    o.learning_rate = 0.1f;
    o.schedule = CNN_SCHEDULE_STEP; o.step_size = 2; o.gamma = 0.5f;
    cnn_model *m = tiny(&o);
    const float t[2] = { 0, 0 };
    const double want_step[5] = { 0.1, 0.1, 0.05, 0.05, 0.025 };
    for (int s = 0; s < 5; s++) {
        CHECK_NEAR(cnn_model_learning_rate(m), want_step[s], 1e-7);
        cnn_model_train_step(m, t, 1, NULL, NULL);
    }
    o.schedule = CNN_SCHEDULE_COSINE; o.decay_steps = 4; o.min_learning_rate = 0.02f;
    cnn_model_set_optimizer(m, &o);
    /* 0.02 + 0.08 · (1 + cos(π·s/4))/2 for s = 0..4, then 0.02 */
    const double want_cos[6] = { 0.1, 0.02 + 0.04 * (1 + cos(PI / 4)), 0.06, 0.02 + 0.04 * (1 + cos(3 * PI / 4)), 0.02, 0.02 };
    for (int s = 0; s < 6; s++) {
        CHECK_NEAR(cnn_model_learning_rate(m), want_cos[s], 1e-7);
        cnn_model_train_step(m, t, 1, NULL, NULL);
    }
    uint32_t steps;
    cnn_model_get_optimizer(m, NULL, &steps);
    CHECK(steps == 6);
    cnn_model_free(m);
}

static void test_bad_training_calls(void) {
    cnn_model *m = tiny(NULL);
    const float t[2] = { 0, 0 };
    CHECK_STATUS(cnn_model_train_step(m, t, 1, NULL, NULL), CNN_STATUS_INVALID_ARGUMENT);
    CHECK_MESSAGE("no optimizer is set");
    cnn_optimizer o = cnn_optimizer_default(CNN_OPTIMIZER_SGD, CNN_LOSS_CROSSENTROPY);
    CHECK_STATUS(cnn_model_set_optimizer(m, &o), CNN_STATUS_INVALID_ARGUMENT);
    CHECK_MESSAGE("cross-entropy needs a softmax output, but the last layer (1, dense) has activation linear");
    o.loss = CNN_LOSS_MSE; o.learning_rate = -1;
    CHECK_STATUS(cnn_model_set_optimizer(m, &o), CNN_STATUS_INVALID_ARGUMENT);
    CHECK_MESSAGE("learningRate must be a positive number");
    o.learning_rate = 0.1f; o.momentum = 1.0f;
    CHECK_STATUS(cnn_model_set_optimizer(m, &o), CNN_STATUS_INVALID_ARGUMENT);
    CHECK_MESSAGE("momentum must be in [0, 1)");
    o.momentum = 0; o.nesterov = 1;
    CHECK_STATUS(cnn_model_set_optimizer(m, &o), CNN_STATUS_INVALID_ARGUMENT);
    CHECK_MESSAGE("nesterov needs a momentum > 0");
    o.nesterov = 0; o.type = 9;
    CHECK_STATUS(cnn_model_set_optimizer(m, &o), CNN_STATUS_INVALID_ARGUMENT);
    CHECK_MESSAGE("unknown type 9");
    o.type = CNN_OPTIMIZER_SGD;
    CHECK_STATUS(cnn_model_set_optimizer(m, &o), CNN_OK);
    CHECK_STATUS(cnn_model_train_step(m, t, 2, NULL, NULL), CNN_STATUS_INVALID_ARGUMENT);
    CHECK_MESSAGE("batch of 2 images, but room is reserved for 1");
    cnn_model_free(m);
    /* labels out of range */
    const cnn_layer_spec L[2] = { FLAT, dense(3, CNN_ACT_SOFTMAX) };
    cnn_model_create(&m, 1, 1, 2, L, 2, 1);
    cnn_model_reserve(m, 2);
    o = cnn_optimizer_default(CNN_OPTIMIZER_ADAM, CNN_LOSS_CROSSENTROPY);
    cnn_model_set_optimizer(m, &o);
    const int32_t labels[2] = { 1, 3 };
    CHECK_STATUS(cnn_model_train_step(m, labels, 2, NULL, NULL), CNN_STATUS_INVALID_ARGUMENT);
    CHECK_MESSAGE("label 3 of image 1 is out of range 0 to 2");
    cnn_model_free(m);
    /* cross-entropy on a softmax map (per-pixel softmax) has no single distribution */
    const cnn_layer_spec map[1] = { conv(3, 1, 1, 1, 1, CNN_PAD_VALID, 0, 0, CNN_ACT_SOFTMAX) };
    cnn_model_create(&m, 2, 2, 2, map, 1, 1);
    cnn_model_reserve(m, 1);
    CHECK_STATUS(cnn_model_set_optimizer(m, &o), CNN_STATUS_INVALID_ARGUMENT);
    CHECK_MESSAGE("the last layer outputs a (2, 2, 3) map");
    CHECK_STATUS(cnn_model_gradients(m, CNN_LOSS_CROSSENTROPY, labels, 1, NULL), CNN_STATUS_INVALID_ARGUMENT);
    cnn_model_free(m);
}

/* ─── Training behaviour ────────────────────────────────────────────────────────────────── */

static const cnn_layer_spec SMALL[5] = {
    { .type = CNN_LAYER_CONV2D, .options = { { CNN_OPT_UNITS, .i = 8 }, { CNN_OPT_KERNEL_H, .i = 3 }, { CNN_OPT_KERNEL_W, .i = 3 }, { CNN_OPT_STRIDE_H, .i = 1 }, { CNN_OPT_STRIDE_W, .i = 1 }, { CNN_OPT_PADDING, .i = CNN_PAD_SAME }, { CNN_OPT_ACTIVATION, .i = CNN_ACT_RELU } } },
    { .type = CNN_LAYER_MAXPOOL2D, .options = { { CNN_OPT_KERNEL_H, .i = 2 }, { CNN_OPT_KERNEL_W, .i = 2 }, { CNN_OPT_STRIDE_H, .i = 2 }, { CNN_OPT_STRIDE_W, .i = 2 } } },
    { .type = CNN_LAYER_FLATTEN },
    { .type = CNN_LAYER_DENSE, .options = { { CNN_OPT_UNITS, .i = 32 }, { CNN_OPT_ACTIVATION, .i = CNN_ACT_RELU } } },
    { .type = CNN_LAYER_DENSE, .options = { { CNN_OPT_UNITS, .i = 10 }, { CNN_OPT_ACTIVATION, .i = CNN_ACT_SOFTMAX } } },
};

static cnn_model *small_with_data(int32_t *labels, unsigned seed, const cnn_optimizer *o) {
    cnn_model *m = NULL;
    cnn_model_create(&m, 8, 8, 1, SMALL, 5, 3);
    cnn_model_reserve(m, 32);
    cnn_model_set_optimizer(m, o);
    float *x = cnn_model_input(m);
    for (int i = 0; i < 32 * 64; i++) x[i] = (test_rand(&seed) + 1) / 2;
    for (int b = 0; b < 32; b++) labels[b] = (int32_t)((seed = seed * 1103515245u + 12345u) >> 16) % 10;
    return m;
}

static void test_overfits_random_batch(void) {
    /* 32 random 8×8 images with random labels: memorised (≥ 99%, i.e. all 32) within 300 steps */
    int32_t labels[32];
    cnn_optimizer o = cnn_optimizer_default(CNN_OPTIMIZER_ADAM, CNN_LOSS_CROSSENTROPY);
    o.learning_rate = 0.01f;
    cnn_model *m = small_with_data(labels, 17, &o);
    float first = 0, loss = 0;
    int32_t correct = 0;
    int steps = 0;
    for (; steps < 300 && correct < 32; steps++) {
        cnn_model_train_step(m, labels, 32, &loss, NULL);
        if (!steps) first = loss;
        cnn_model_evaluate(m, CNN_LOSS_CROSSENTROPY, labels, 32, &loss, &correct);
    }
    if (correct < 32) fprintf(stderr, "  overfit: %d/32 after %d steps, loss %g → %g\n", correct, steps, first, loss);
    CHECK(correct == 32);
    CHECK(loss < first / 4);
    cnn_model_free(m);
}

static void test_deterministic_and_resumable(void) {
    /* same start, same data: bit-identical weights; and 5 steps + save/load + 5 steps equals
     * 10 steps in one go (the optimiser state and step count travel in the file) */
    int32_t labels[32];
    cnn_optimizer o = cnn_optimizer_default(CNN_OPTIMIZER_ADAM, CNN_LOSS_CROSSENTROPY);
    o.schedule = CNN_SCHEDULE_COSINE; o.decay_steps = 8; o.weight_decay = 1e-3f;
    cnn_model *a = small_with_data(labels, 5, &o), *b = small_with_data(labels, 5, &o);
    for (int s = 0; s < 5; s++) {
        cnn_model_train_step(a, labels, 32, NULL, NULL);
        cnn_model_train_step(b, labels, 32, NULL, NULL);
    }
    CHECK(memcmp(cnn_model_kernel(a, 0), cnn_model_kernel(b, 0), cnn_model_param_count(a) * 4) == 0);
    const size_t size = cnn_model_save_size(b, CNN_SAVE_OPTIMIZER);
    CHECK(size > cnn_model_save_size(b, 0) + 2 * 4 * cnn_model_param_count(b));
    uint8_t *file = (uint8_t *)malloc(size);
    CHECK_STATUS(cnn_model_save(b, file, size, CNN_SAVE_OPTIMIZER, NULL), CNN_OK);
    cnn_model *c = NULL;
    CHECK_STATUS(cnn_model_load(&c, file, size), CNN_OK);
    if (!c) { free(file); return; }
    uint32_t steps = 0;
    cnn_optimizer got;
    CHECK_STATUS(cnn_model_get_optimizer(c, &got, &steps), CNN_OK);
    CHECK(steps == 5 && memcmp(&got, &o, sizeof o) == 0);
    cnn_model_reserve(c, 32);
    memcpy(cnn_model_input(c), cnn_model_input(a), 32 * 64 * sizeof(float));
    for (int s = 0; s < 5; s++) {
        cnn_model_train_step(a, labels, 32, NULL, NULL);
        cnn_model_train_step(c, labels, 32, NULL, NULL);
    }
    CHECK(memcmp(cnn_model_kernel(a, 0), cnn_model_kernel(c, 0), cnn_model_param_count(a) * 4) == 0);
    free(file);
    cnn_model_free(a); cnn_model_free(b); cnn_model_free(c);
}

/* The registry's layers and options: grouped and dilated convolution without bias, depthwise
 * with a multiplier, zero padding, pools with ceilMode, dilation and countIncludePad,
 * batchnorm (moving statistics: cnn_model_gradients differentiates the model as it predicts;
 * its training-mode backward is checked against tfjs-layers in tests/js/layers-tfjs.test.js)
 * and every activation added with it. */
static void test_gradcheck_registry_layers(void) {
    unsigned seed = 700;
    for (int t = 0; t < 6; t++) {
        cnn_layer_spec L[6] = { { .type = CNN_LAYER_ZEROPAD2D }, { .type = CNN_LAYER_CONV2D },
                                { .type = CNN_LAYER_DEPTHWISECONV2D }, { .type = CNN_LAYER_BATCHNORM },
                                { .type = t % 2 ? CNN_LAYER_MAXPOOL2D : CNN_LAYER_AVGPOOL2D }, FLAT };
        SET(L[0], PAD_TOP, t % 2); SET(L[0], PAD_RIGHT, 1 + t % 3);
        SET(L[1], UNITS, 4); SET(L[1], KERNEL_H, 2 + t % 2); SET(L[1], KERNEL_W, 2);
        SET(L[1], GROUPS, t % 3 == 0 ? 1 : 2); SET(L[1], DILATION_H, 1 + t % 2); SET(L[1], USE_BIAS, t % 2);
        SET(L[1], PADDING, CNN_PAD_EXPLICIT); SET(L[1], PAD_TOP, 1); SET(L[1], PAD_LEFT, t % 3);
        SET(L[1], ACTIVATION, CNN_ACT_TANH);
        SET(L[2], KERNEL_H, 3); SET(L[2], KERNEL_W, 2); SET(L[2], DEPTH_MULTIPLIER, 1 + t % 2);
        SET(L[2], STRIDE_H, 1 + t / 3); SET(L[2], DILATION_W, 1 + t % 2); SET(L[2], PADDING, CNN_PAD_SAME);
        SET(L[2], ACTIVATION, t % 3 == 0 ? CNN_ACT_ELU : t % 3 == 1 ? CNN_ACT_SWISH : CNN_ACT_GELU);
        SETF(L[3], EPSILON, 0.01f);
        SET(L[3], ACTIVATION, t % 2 ? CNN_ACT_SOFTPLUS : CNN_ACT_SELU);
        SET(L[4], KERNEL_H, 2); SET(L[4], KERNEL_W, 2); SET(L[4], CEIL_MODE, 1);
        if (t % 2) { SET(L[4], DILATION_W, 2); SET(L[4], STRIDE_W, 1); }
        else { SET(L[4], PADDING, CNN_PAD_EXPLICIT); SET(L[4], PAD_TOP, 1); SET(L[4], PAD_LEFT, 1); SET(L[4], COUNT_INCLUDE_PAD, 1); }
        const cnn_layer_spec all[8] = { L[0], L[1], L[2], L[3], L[4], L[5], dense(3, CNN_ACT_SOFTMAX) };
        char name[64];
        snprintf(name, sizeof name, "registry layers case %d", t);
        gradcheck(name, 6, 5, 2, all, 7, CNN_LOSS_CROSSENTROPY, 2, seed + t);
    }
    /* every activation with a parameter or a derivative of x, through dense layers (mse) */
    const int acts[9] = { CNN_ACT_LEAKYRELU, CNN_ACT_RELU6, CNN_ACT_ELU, CNN_ACT_SELU, CNN_ACT_GELU,
                          CNN_ACT_SWISH, CNN_ACT_HARDSIGMOID, CNN_ACT_HARDSWISH, CNN_ACT_SOFTPLUS };
    for (int a = 0; a < 9; a++) {
        cnn_layer_spec act = { .type = CNN_LAYER_ACTIVATION };
        SET(act, ACTIVATION, acts[a]);
        if (acts[a] == CNN_ACT_LEAKYRELU || acts[a] == CNN_ACT_ELU) SETF(act, ALPHA, 0.7f);
        const cnn_layer_spec L[5] = { FLAT, dense(7, acts[(a + 4) % 9]), act, dense(4, acts[a]), { .type = CNN_LAYER_DROPOUT } };
        char name[64];
        snprintf(name, sizeof name, "dense+%s (mse)", cnn_activation_name(acts[a]));
        gradcheck(name, 2, 3, 2, L, 5, CNN_LOSS_MSE, 3, 800 + a);
    }
}

/* Graph models: gradients through branches that merge (add, concat, multiply with a vector
 * scaling a map) and through a layer whose output three layers read (its gradient is the sum
 * of their contributions), against finite differences. */
static void test_gradcheck_graphs(void) {
    /* 0 conv 3×3 tanh (input) · 1 conv 1×1 tanh (0) · 2 conv 3×3 same linear (0) · 3 add(1, 2, 0)
     * · 4 concat(3, 0) · 5 global avg (4) · 6 dense sigmoid (5) · 7 multiply(4, 6) · 8 flatten
     * · 9 dense softmax */
    cnn_layer_spec L[10] = {
        conv(4, 3, 3, 1, 1, CNN_PAD_SAME, 0, 0, CNN_ACT_TANH), conv(4, 1, 1, 1, 1, CNN_PAD_VALID, 0, 0, CNN_ACT_TANH),
        conv(4, 3, 3, 1, 1, CNN_PAD_SAME, 0, 0, CNN_ACT_LINEAR),
        { .type = CNN_LAYER_ADD, .n_inputs = 3, .inputs = { 1, 2, 0 } },
        { .type = CNN_LAYER_CONCAT, .n_inputs = 2, .inputs = { 3, 0 } },
        { .type = CNN_LAYER_GLOBALAVGPOOL2D },
        dense(8, CNN_ACT_SIGMOID),
        { .type = CNN_LAYER_MULTIPLY, .n_inputs = 2, .inputs = { 4, 6 } },
        FLAT, dense(3, CNN_ACT_SOFTMAX),
    };
    L[1].n_inputs = 1; L[1].inputs[0] = 0;
    L[2].n_inputs = 1; L[2].inputs[0] = 0;
    SET(L[3], ACTIVATION, CNN_ACT_TANH);
    gradcheck("residual + concat + squeeze-excitation graph", 5, 4, 2, L, 10, CNN_LOSS_CROSSENTROPY, 2, 900);
    /* vectors: add and multiply of dense branches, mse */
    cnn_layer_spec V[6] = {
        FLAT, dense(5, CNN_ACT_TANH), dense(5, CNN_ACT_TANH),
        { .type = CNN_LAYER_MULTIPLY, .n_inputs = 3, .inputs = { 1, 2, 1 } },
        { .type = CNN_LAYER_ADD, .n_inputs = 2, .inputs = { 3, 0 } }, dense(2, CNN_ACT_LINEAR),
    };
    V[2].n_inputs = 1; V[2].inputs[0] = 0;
    V[4] = (cnn_layer_spec){ .type = CNN_LAYER_CONCAT, .n_inputs = 2, .inputs = { 3, 0 } };
    gradcheck("vector branches (multiply ×3, concat), mse", 1, 1, 4, V, 6, CNN_LOSS_MSE, 3, 901);
}

TEST_TABLE(training_tests) = {
    { "gradcheck: graphs (residual add, concat, multiply, a layer read thrice)", test_gradcheck_graphs },
    { "gradcheck: registry layers (groups, dilation, depthwise, zeropad, batchnorm, pool options, new activations)", test_gradcheck_registry_layers },
    { "gradcheck: conv2d, strides 1–3, every padding, channels > 4", test_gradcheck_conv2d },
    { "gradcheck: max/avg/global pooling", test_gradcheck_pooling },
    { "gradcheck: dense and every activation, fused and standalone, mse", test_gradcheck_dense_activations_mse },
    { "gradcheck: LeNet-5 (tanh, average pooling) with cross-entropy", test_gradcheck_lenet },
    { "optimizers: sgd, momentum, nesterov, adam, weight decay match their formulas", test_optimizer_formulas },
    { "optimizers: step and cosine schedules", test_schedules },
    { "training: bad calls fail with messages", test_bad_training_calls },
    { "training: overfits 32 random images", test_overfits_random_batch },
    { "training: deterministic; resumes bit-exactly from a saved optimizer", test_deterministic_and_resumable },
    TEST_END,
};
