/* kernels-scalar.c — the reference kernels: plain loops that read like the textbook.
 * Every SIMD kernel must agree with these (tests/c/test-kernels.c). Kept forever. */
#include "internal.h"

static void gemm_4x8_scalar(float *c, size_t ldc, const float *base, const int32_t *ind, size_t mstride,
                            size_t M, const int32_t *off, size_t K,
                            const float *bias8, const float *b, size_t nr, int relu) {
    for (size_t m = 0; m < M; m++) {
        const float *a = base + (ind ? (size_t)ind[m] : m * mstride);
        for (size_t j = 0; j < nr; j++) {
            float acc = bias8[j];
            for (size_t k = 0; k < K; k++) acc += a[off ? (size_t)off[k] : k] * b[8 * k + j];
            c[m * ldc + j] = relu ? (acc > 0.0f ? acc : 0.0f) : acc;
        }
    }
}

/* The accumulating GEMM and the scatter: per row, the products of each k added to the row's
 * 8 sums (the same order per element as summing k by k; the 8-wide inner loop is what a
 * native compiler vectorises, which matters to the native trainer). */
CNN_TRAINING_ONLY
static void gemm_4x8_acc_scalar(float *c, size_t ldc, const float *base, const int32_t *ind, size_t M,
                                const int32_t *off, size_t K, const float *b, size_t nr) {
    for (size_t m = 0; m < M; m++) {
        const float *a = base + ind[m];
        float acc[8] = { 0 };
        for (size_t j = 0; j < nr; j++) acc[j] = c[m * ldc + j];
        for (size_t k = 0; k < K; k++) {
            const float x = a[off[k]];
            for (size_t j = 0; j < 8; j++) acc[j] += x * b[8 * k + j];
        }
        for (size_t j = 0; j < nr; j++) c[m * ldc + j] = acc[j];
    }
}

CNN_TRAINING_ONLY
static void gemm_4x8_scatter_scalar(float *c, const int32_t *cind, const float *a, const int32_t *aind, size_t M,
                                    size_t K, const float *b, size_t nr) {
    for (size_t m = 0; m < M; m++) {
        const float *am = a + aind[m];
        float acc[8] = { 0 };
        for (size_t k = 0; k < K; k++)
            for (size_t j = 0; j < 8; j++) acc[j] += am[k] * b[8 * k + j];
        for (size_t j = 0; j < nr; j++) c[(size_t)cind[m] + j] += acc[j];
    }
}

/* Max: the first cell of the window, then any strictly greater one (a NaN never wins).
 * Average: the sum over the cells inside the input, times 1 / the divisor. */
static void pool2d_scalar(float *out, const float *in, const cnn_pool_geom *g) {
    const int32_t W = g->W, C = g->C;
    for (int32_t oy = 0; oy < g->OH; oy++) {
        int32_t ya, yb, ny;
        cnn_window_cells(oy * g->SH - g->PT, g->KH, g->DH, g->H, &ya, &yb, &ny);
        for (int32_t ox = 0; ox < g->OW; ox++, out += C) {
            int32_t xa, xb, nx;
            cnn_window_cells(ox * g->SW - g->PL, g->KW, g->DW, g->W, &xa, &xb, &nx);
            for (int32_t c = 0; c < C; c++) {
                float v = in[((size_t)ya * W + xa) * C + c];
                for (int32_t y = ya; y < yb; y += g->DH)
                    for (int32_t x = (y == ya ? xa + g->DW : xa); x < xb; x += g->DW) {
                        const float u = in[((size_t)y * W + x) * C + c];
                        v = g->is_max ? (u > v ? u : v) : v + u;
                    }
                out[c] = g->is_max ? v : v * (1.0f / (float)cnn_pool_divisor(g, oy, ox, ny * nx));
            }
        }
    }
}

static void gemv_acc_scalar(float *y, const float *x, const float *w, size_t k, size_t n) {
    for (size_t r = 0; r < k; r++) {
        const float xr = x[r];
        const float *row = w + r * n;
        for (size_t j = 0; j < n; j++) y[j] += xr * row[j];
    }
}

CNN_TRAINING_ONLY
static void ger_acc_scalar(float *w, const float *x, const float *dy, size_t k, size_t n) {
    for (size_t r = 0; r < k; r++) {
        const float xr = x[r];
        float *row = w + r * n;
        for (size_t j = 0; j < n; j++) row[j] += xr * dy[j];
    }
}

CNN_TRAINING_ONLY
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

CNN_TRAINING_ONLY static void relu_backward_scalar(float *d, const float *y, size_t n) {
    for (size_t j = 0; j < n; j++) d[j] = y[j] > 0.0f ? d[j] : 0.0f;
}

CNN_TRAINING_ONLY static void zero_scalar(float *x, size_t n) {
    for (size_t j = 0; j < n; j++) x[j] = 0.0f;
}

static void relu_scalar(float *y, const float *x, size_t n) {
    for (size_t j = 0; j < n; j++) y[j] = x[j] > 0.0f ? x[j] : 0.0f;
}

static void clamp_scalar(float *y, const float *x, float lo, float hi, size_t n) {
    for (size_t j = 0; j < n; j++) y[j] = x[j] < lo ? lo : x[j] > hi ? hi : x[j];
}

CNN_TRAINING_ONLY static void pool2d_backward_scalar(float *din, const float *in, const float *dz, const cnn_pool_geom *g) {
    const int32_t W = g->W, C = g->C;
    for (int32_t oy = 0; oy < g->OH; oy++) {
        int32_t ya, yb, ny;
        cnn_window_cells(oy * g->SH - g->PT, g->KH, g->DH, g->H, &ya, &yb, &ny);
        for (int32_t ox = 0; ox < g->OW; ox++, dz += C) {
            int32_t xa, xb, nx;
            cnn_window_cells(ox * g->SW - g->PL, g->KW, g->DW, g->W, &xa, &xb, &nx);
            if (!g->is_max) {
                const float share = 1.0f / (float)cnn_pool_divisor(g, oy, ox, ny * nx);
                for (int32_t y = ya; y < yb; y++)
                    for (int32_t x = xa; x < xb; x++) {
                        float *d = din + ((size_t)y * W + x) * C;
                        for (int32_t c = 0; c < C; c++) d[c] += dz[c] * share;
                    }
                continue;
            }
            for (int32_t c = 0; c < C; c++) {
                size_t at = ((size_t)ya * W + xa) * C + c;
                for (int32_t y = ya; y < yb; y += g->DH)
                    for (int32_t x = xa; x < xb; x += g->DW) {
                        const size_t i = ((size_t)y * W + x) * C + c;
                        if (in[i] > in[at]) at = i;
                    }
                din[at] += dz[c];
            }
        }
    }
}

static void dw_row_scalar(float *y, const float *x, const int32_t *off, const float *w, const float *b,
                          size_t taps, size_t n, size_t npix, size_t xstep) {
    for (size_t p = 0; p < npix; p++, x += xstep, y += n)
        for (size_t j = 0; j < n; j++) {
            float acc = b ? b[j] : 0.0f;
            for (size_t t = 0; t < taps; t++) acc += x[(size_t)off[t] + j] * w[t * n + j];
            y[j] = acc;
        }
}

const cnn_kernels cnn_kernels_scalar = {
    .name = "scalar",
    .gemm_4x8 = gemm_4x8_scalar,
    .gemm_4x8_acc = CNN_BACKWARD(gemm_4x8_acc_scalar),
    .gemm_4x8_scatter = CNN_BACKWARD(gemm_4x8_scatter_scalar),
    .gemv_acc = gemv_acc_scalar,
    .pool2d = pool2d_scalar,
    .pool2d_backward = CNN_BACKWARD(pool2d_backward_scalar),
    .ger_acc = CNN_BACKWARD(ger_acc_scalar),
    .gemv_t_acc = CNN_BACKWARD(gemv_t_acc_scalar),
    .vmax_acc = vmax_acc_scalar,
    .vadd_acc = vadd_acc_scalar,
    .vscale = vscale_scalar,
    .relu = relu_scalar,
    .clamp = clamp_scalar,
    .relu_backward = CNN_BACKWARD(relu_backward_scalar),
    .zero = CNN_BACKWARD(zero_scalar),
    .dw_row = dw_row_scalar,
};
