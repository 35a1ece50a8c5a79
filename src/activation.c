/* activation.c — linear, relu, sigmoid, tanh and softmax over rows of values.
 *
 * relu runs on the kernel table (it is SIMD); sigmoid, tanh and softmax use libm's expf/tanhf
 * in every build, so their results do not depend on a vector approximation of exp. */
#include "internal.h"

#include <math.h>
#include <string.h>

static float sigmoid(float x) {
    /* Never computes exp of a large positive number: no overflow to inf/inf. */
    if (x >= 0.0f) return 1.0f / (1.0f + expf(-x));
    const float e = expf(x);
    return e / (1.0f + e);
}

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
                            size_t n_rows, size_t width) {
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
    default:
        assert(!"activation validated at build time");
    }
}

/* ∂L/∂x from ∂L/∂y and the activation's output y (every derivative here is a function of y):
 *   relu y > 0 ? dy : 0;  sigmoid dy·y·(1 − y);  tanh dy·(1 − y²);
 *   softmax (per row) y_i·(dy_i − Σ_j dy_j·y_j);  linear dy.   dx == dy is allowed. */
void cnn_activation_backward(float *dx, const float *dy, const float *y, int32_t act,
                             size_t n_rows, size_t width) {
    const size_t total = n_rows * width;
    switch (act) {
    case CNN_ACT_LINEAR:
        if (dx != dy) memmove(dx, dy, total * sizeof(float));
        break;
    case CNN_ACT_RELU:
        for (size_t i = 0; i < total; i++) dx[i] = y[i] > 0.0f ? dy[i] : 0.0f;
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
    default:
        assert(!"activation validated at build time");
    }
}
