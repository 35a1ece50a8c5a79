/* kernels-scalar.c — the reference kernels: plain loops that read like the textbook.
 * Every SIMD kernel must agree with these (tests/c/test-kernels.c). Kept forever. */
#include "internal.h"

static void gemv_acc_scalar(float *y, const float *x, const float *w, size_t k, size_t n) {
    for (size_t r = 0; r < k; r++) {
        const float xr = x[r];
        const float *row = w + r * n;
        for (size_t j = 0; j < n; j++) y[j] += xr * row[j];
    }
}

static void ger_acc_scalar(float *w, const float *x, const float *dy, size_t k, size_t n) {
    for (size_t r = 0; r < k; r++) {
        const float xr = x[r];
        float *row = w + r * n;
        for (size_t j = 0; j < n; j++) row[j] += xr * dy[j];
    }
}

static void gemv_t_acc_scalar(float *dx, const float *w, const float *dy, size_t k, size_t n) {
    for (size_t r = 0; r < k; r++) {
        const float *row = w + r * n;
        float s = 0.0f;
        for (size_t j = 0; j < n; j++) s += row[j] * dy[j];
        dx[r] += s;
    }
}

static void vmax_acc_scalar(float *m, const float *x, size_t n) {
    for (size_t j = 0; j < n; j++) m[j] = x[j] > m[j] ? x[j] : m[j];
}

static void vadd_acc_scalar(float *s, const float *x, size_t n) {
    for (size_t j = 0; j < n; j++) s[j] += x[j];
}

static void vscale_scalar(float *y, float a, size_t n) {
    for (size_t j = 0; j < n; j++) y[j] *= a;
}

static void relu_scalar(float *y, const float *x, size_t n) {
    for (size_t j = 0; j < n; j++) y[j] = x[j] > 0.0f ? x[j] : 0.0f;
}

const cnn_kernels cnn_kernels_scalar = {
    .name = "scalar",
    .gemv_acc = gemv_acc_scalar,
    .ger_acc = ger_acc_scalar,
    .gemv_t_acc = gemv_t_acc_scalar,
    .vmax_acc = vmax_acc_scalar,
    .vadd_acc = vadd_acc_scalar,
    .vscale = vscale_scalar,
    .relu = relu_scalar,
};
