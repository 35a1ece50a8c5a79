/* activation.c — the activation functions (applied by the forward driver to every layer's
 * output, or fused into conv2d/dense stores for relu), their derivatives, and the standalone
 * activation layer.
 *
 * relu runs on the kernel table (it is SIMD); the others use libm (expf, tanhf, erff, log1pf)
 * in every build, so their results do not depend on a vector approximation. */
#include "internal.h"

#include <math.h>
#include <string.h>

#define SELU_LAMBDA 1.0507009873554804934193349852946f
#define SELU_ALPHA 1.6732632423543772848170429916717f

void cnn_activation_defaults(int32_t act, float *alpha, float *beta) {
    *alpha = act == CNN_ACT_LEAKYRELU ? 0.3f : act == CNN_ACT_HARDSIGMOID ? 1.0f / 6.0f
           : act == CNN_ACT_ELU ? 1.0f : 0.0f;
    *beta = act == CNN_ACT_HARDSIGMOID ? 0.5f : 0.0f;
}

/* gelu, swish and hardswish: the derivative is not a function of the output alone. */
bool cnn_activation_needs_x(int32_t act) {
    return act == CNN_ACT_GELU || act == CNN_ACT_SWISH || act == CNN_ACT_HARDSWISH;
}

static float sigmoid(float x) {
    /* Never computes exp of a large positive number: no overflow to inf/inf. */
    if (x >= 0.0f) return 1.0f / (1.0f + expf(-x));
    const float e = expf(x);
    return e / (1.0f + e);
}

/* log(1 + eˣ) without overflow: x + log(1 + e⁻ˣ) for x > 0. */
static float softplus(float x) {
    return x > 0.0f ? x + log1pf(expf(-x)) : log1pf(expf(x));
}

static float relu6(float x) { return x < 0.0f ? 0.0f : x > 6.0f ? 6.0f : x; }

/* Numerically stable: subtract the row maximum before exp. */
static void softmax_row(float *y, const float *x, size_t width) {
    float m = x[0];
    for (size_t j = 1; j < width; j++) m = x[j] > m ? x[j] : m;
    float sum = 0.0f;
    for (size_t j = 0; j < width; j++) {
        y[j] = expf(x[j] - m);
        sum += y[j];
    }
    const float inv = 1.0f / sum;
    for (size_t j = 0; j < width; j++) y[j] *= inv;
}

void cnn_activation_forward(const cnn_kernels *k, float *y, const float *x, int32_t act,
                            float alpha, float beta, size_t n_rows, size_t width) {
    const size_t total = n_rows * width;
    switch (act) {
    case CNN_ACT_LINEAR:
        if (y != x) memmove(y, x, total * sizeof(float));
        break;
    case CNN_ACT_RELU:
        k->relu(y, x, total);
        break;
    case CNN_ACT_SIGMOID:
        for (size_t i = 0; i < total; i++) y[i] = sigmoid(x[i]);
        break;
    case CNN_ACT_TANH:
        for (size_t i = 0; i < total; i++) y[i] = tanhf(x[i]);
        break;
    case CNN_ACT_SOFTMAX:
        for (size_t r = 0; r < n_rows; r++) softmax_row(y + r * width, x + r * width, width);
        break;
    case CNN_ACT_LEAKYRELU:
        for (size_t i = 0; i < total; i++) y[i] = x[i] > 0.0f ? x[i] : alpha * x[i];
        break;
    case CNN_ACT_RELU6:
        k->clamp(y, x, 0.0f, 6.0f, total); /* relu6(x), vectorised */
        break;
    case CNN_ACT_ELU:
        for (size_t i = 0; i < total; i++) y[i] = x[i] > 0.0f ? x[i] : alpha * expm1f(x[i]);
        break;
    case CNN_ACT_SELU:
        for (size_t i = 0; i < total; i++)
            y[i] = SELU_LAMBDA * (x[i] > 0.0f ? x[i] : SELU_ALPHA * expm1f(x[i]));
        break;
    case CNN_ACT_GELU:
        for (size_t i = 0; i < total; i++) y[i] = 0.5f * x[i] * (1.0f + erff(x[i] * 0.70710678118654752f));
        break;
    case CNN_ACT_SWISH:
        for (size_t i = 0; i < total; i++) y[i] = x[i] * sigmoid(x[i]);
        break;
    case CNN_ACT_HARDSIGMOID:
        for (size_t i = 0; i < total; i++) {
            const float v = alpha * x[i] + beta;
            y[i] = v < 0.0f ? 0.0f : v > 1.0f ? 1.0f : v;
        }
        break;
    case CNN_ACT_HARDSWISH:
        for (size_t i = 0; i < total; i++) y[i] = x[i] * relu6(x[i] + 3.0f) * (1.0f / 6.0f);
        break;
    case CNN_ACT_SOFTPLUS:
        for (size_t i = 0; i < total; i++) y[i] = softplus(x[i]);
        break;
    default:
        assert(!"activation validated at build time");
    }
}

/* ∂L/∂x from ∂L/∂y, the output y and (gelu, swish, hardswish) the input x:
 *   relu y > 0 ? dy : 0;  sigmoid dy·y·(1 − y);  tanh dy·(1 − y²);
 *   softmax (per row) y_i·(dy_i − Σ_j dy_j·y_j);  linear dy;  leakyrelu y > 0 ? dy : α·dy;
 *   relu6 0 < y < 6 ? dy : 0;  elu y > 0 ? dy : dy·(y + α);  selu y > 0 ? λ·dy : dy·(y + λα);
 *   gelu dy·(Φ(x) + x·φ(x));  swish dy·(s + x·s·(1 − s)), s = sigmoid(x);
 *   hardsigmoid 0 < y < 1 ? α·dy : 0;  hardswish dy·(x < −3 ? 0 : x > 3 ? 1 : (2x + 3)/6);
 *   softplus dy·(1 − e^(−y)) (= sigmoid(x)).   dx == dy is allowed. */
void cnn_activation_backward(const cnn_kernels *k, float *dx, const float *dy, const float *y, const float *x,
                             int32_t act, float alpha, float beta, size_t n_rows, size_t width) {
    (void)beta;
    const size_t total = n_rows * width;
    switch (act) {
    case CNN_ACT_LINEAR:
        if (dx != dy) memmove(dx, dy, total * sizeof(float));
        break;
    case CNN_ACT_RELU:
        if (dx != dy) memmove(dx, dy, total * sizeof(float));
        k->relu_backward(dx, y, total);
        break;
    case CNN_ACT_SIGMOID:
        for (size_t i = 0; i < total; i++) dx[i] = dy[i] * y[i] * (1.0f - y[i]);
        break;
    case CNN_ACT_TANH:
        for (size_t i = 0; i < total; i++) dx[i] = dy[i] * (1.0f - y[i] * y[i]);
        break;
    case CNN_ACT_SOFTMAX:
        for (size_t r = 0; r < n_rows; r++) {
            const float *yr = y + r * width, *gr = dy + r * width;
            float *dr = dx + r * width;
            double dot = 0.0;
            for (size_t j = 0; j < width; j++) dot += (double)gr[j] * yr[j];
            for (size_t j = 0; j < width; j++) dr[j] = yr[j] * (gr[j] - (float)dot);
        }
        break;
    case CNN_ACT_LEAKYRELU:
        for (size_t i = 0; i < total; i++) dx[i] = y[i] > 0.0f ? dy[i] : alpha * dy[i];
        break;
    case CNN_ACT_RELU6:
        for (size_t i = 0; i < total; i++) dx[i] = y[i] > 0.0f && y[i] < 6.0f ? dy[i] : 0.0f;
        break;
    case CNN_ACT_ELU:
        for (size_t i = 0; i < total; i++) dx[i] = y[i] > 0.0f ? dy[i] : dy[i] * (y[i] + alpha);
        break;
    case CNN_ACT_SELU:
        for (size_t i = 0; i < total; i++)
            dx[i] = y[i] > 0.0f ? SELU_LAMBDA * dy[i] : dy[i] * (y[i] + SELU_LAMBDA * SELU_ALPHA);
        break;
    case CNN_ACT_GELU:
        for (size_t i = 0; i < total; i++) {
            const float cdf = 0.5f * (1.0f + erff(x[i] * 0.70710678118654752f));
            const float pdf = 0.39894228040143268f * expf(-0.5f * x[i] * x[i]);
            dx[i] = dy[i] * (cdf + x[i] * pdf);
        }
        break;
    case CNN_ACT_SWISH:
        for (size_t i = 0; i < total; i++) {
            const float s = sigmoid(x[i]);
            dx[i] = dy[i] * (s + x[i] * s * (1.0f - s));
        }
        break;
    case CNN_ACT_HARDSIGMOID:
        for (size_t i = 0; i < total; i++) dx[i] = y[i] > 0.0f && y[i] < 1.0f ? alpha * dy[i] : 0.0f;
        break;
    case CNN_ACT_HARDSWISH:
        for (size_t i = 0; i < total; i++)
            dx[i] = dy[i] * (x[i] < -3.0f ? 0.0f : x[i] > 3.0f ? 1.0f : (2.0f * x[i] + 3.0f) * (1.0f / 6.0f));
        break;
    case CNN_ACT_SOFTPLUS:
        for (size_t i = 0; i < total; i++) dx[i] = dy[i] * -expm1f(-y[i]);
        break;
    default:
        assert(!"activation validated at build time");
    }
}

/* ─── The standalone activation layer: the identity, then its activation ─────────────────── */

static cnn_status infer(cnn_layer *L, int32_t index) {
    const cnn_layer_info *i = &L->info;
    return cnn_set_output(L, index, i->in_rank, i->in_h, i->in_w, i->in_c);
}

const cnn_layer_def cnn_activation_def = {
    .type = CNN_LAYER_ACTIVATION,
    .name = "activation",
    .infer = infer,
    .forward = cnn_identity_forward,
    .backward = CNN_BACKWARD(cnn_identity_backward),
};
