/* kernels-wasmsimd.c — WebAssembly SIMD (f32x4) twins of kernels-scalar.c.
 *
 * Same signatures, same results (see internal.h). Each loop runs whole vectors, then a
 * scalar tail of n % 4 values; tests cover n below, at, at a multiple of, and above each
 * tile. These are correct-first kernels; faster blocked ones replace them behind the same
 * table (cnn_kernels) without touching the layers. */
#include "internal.h"
#include "simd128.h"

/* y (n) += x (k) · w (k, n). Columns in tiles of 16 (four accumulators live in registers
 * across the whole k loop), then tiles of 4, then a scalar tail. */
static void gemv_acc_wasmsimd(float *y, const float *x, const float *w, size_t k, size_t n) {
    size_t j = 0;
    for (; j + 16 <= n; j += 16) {
        v128_t a0 = wasm_v128_load(y + j), a1 = wasm_v128_load(y + j + 4);
        v128_t a2 = wasm_v128_load(y + j + 8), a3 = wasm_v128_load(y + j + 12);
        const float *col = w + j;
        for (size_t r = 0; r < k; r++, col += n) {
            const v128_t xr = wasm_f32x4_splat(x[r]);
            a0 = wasm_f32x4_add(a0, wasm_f32x4_mul(xr, wasm_v128_load(col)));
            a1 = wasm_f32x4_add(a1, wasm_f32x4_mul(xr, wasm_v128_load(col + 4)));
            a2 = wasm_f32x4_add(a2, wasm_f32x4_mul(xr, wasm_v128_load(col + 8)));
            a3 = wasm_f32x4_add(a3, wasm_f32x4_mul(xr, wasm_v128_load(col + 12)));
        }
        wasm_v128_store(y + j, a0);
        wasm_v128_store(y + j + 4, a1);
        wasm_v128_store(y + j + 8, a2);
        wasm_v128_store(y + j + 12, a3);
    }
    for (; j + 4 <= n; j += 4) {
        v128_t a = wasm_v128_load(y + j);
        const float *col = w + j;
        for (size_t r = 0; r < k; r++, col += n)
            a = wasm_f32x4_add(a, wasm_f32x4_mul(wasm_f32x4_splat(x[r]), wasm_v128_load(col)));
        wasm_v128_store(y + j, a);
    }
    for (; j < n; j++) {
        float a = y[j];
        for (size_t r = 0; r < k; r++) a += x[r] * w[r * n + j];
        y[j] = a;
    }
}

/* w (k, n) += x (k) ⊗ dy (n): per row, x[r] splat times dy; the same operations per element
 * as the scalar reference, so the results are bit-identical. */
static void ger_acc_wasmsimd(float *w, const float *x, const float *dy, size_t k, size_t n) {
    for (size_t r = 0; r < k; r++) {
        const v128_t xr = wasm_f32x4_splat(x[r]);
        float *row = w + r * n;
        size_t j = 0;
        for (; j + 4 <= n; j += 4)
            wasm_v128_store(row + j, wasm_f32x4_add(wasm_v128_load(row + j),
                                                    wasm_f32x4_mul(xr, wasm_v128_load(dy + j))));
        for (; j < n; j++) row[j] += x[r] * dy[j];
    }
}

/* dx (k) += w (k, n) · dy (n): a dot product per row, four lanes of partial sums added at
 * the end, so the sum is reassociated: agrees with the scalar reference to rounding. */
static void gemv_t_acc_wasmsimd(float *dx, const float *w, const float *dy, size_t k, size_t n) {
    for (size_t r = 0; r < k; r++) {
        const float *row = w + r * n;
        v128_t acc = wasm_f32x4_splat(0.0f);
        size_t j = 0;
        for (; j + 4 <= n; j += 4)
            acc = wasm_f32x4_add(acc, wasm_f32x4_mul(wasm_v128_load(row + j), wasm_v128_load(dy + j)));
        float lanes[4];
        wasm_v128_store(lanes, acc);
        float s = (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]);
        for (; j < n; j++) s += row[j] * dy[j];
        dx[r] += s;
    }
}

static void vmax_acc_wasmsimd(float *m, const float *x, size_t n) {
    size_t j = 0;
    /* pmax(m, x) = m < x ? x : m, exactly the scalar rule */
    for (; j + 4 <= n; j += 4)
        wasm_v128_store(m + j, wasm_f32x4_pmax(wasm_v128_load(m + j), wasm_v128_load(x + j)));
    for (; j < n; j++) m[j] = x[j] > m[j] ? x[j] : m[j];
}

static void vadd_acc_wasmsimd(float *s, const float *x, size_t n) {
    size_t j = 0;
    for (; j + 4 <= n; j += 4)
        wasm_v128_store(s + j, wasm_f32x4_add(wasm_v128_load(s + j), wasm_v128_load(x + j)));
    for (; j < n; j++) s[j] += x[j];
}

static void vscale_wasmsimd(float *y, float a, size_t n) {
    const v128_t va = wasm_f32x4_splat(a);
    size_t j = 0;
    for (; j + 4 <= n; j += 4) wasm_v128_store(y + j, wasm_f32x4_mul(wasm_v128_load(y + j), va));
    for (; j < n; j++) y[j] *= a;
}

static void relu_wasmsimd(float *y, const float *x, size_t n) {
    const v128_t zero = wasm_f32x4_splat(0.0f);
    size_t j = 0;
    /* pmax(0, x) = 0 < x ? x : 0: NaN and -0 give +0, as in the scalar rule */
    for (; j + 4 <= n; j += 4) wasm_v128_store(y + j, wasm_f32x4_pmax(zero, wasm_v128_load(x + j)));
    for (; j < n; j++) y[j] = x[j] > 0.0f ? x[j] : 0.0f;
}

const cnn_kernels cnn_kernels_wasmsimd = {
    .name = "wasmsimd",
    .gemv_acc = gemv_acc_wasmsimd,
    .ger_acc = ger_acc_wasmsimd,
    .gemv_t_acc = gemv_t_acc_wasmsimd,
    .vmax_acc = vmax_acc_wasmsimd,
    .vadd_acc = vadd_acc_wasmsimd,
    .vscale = vscale_wasmsimd,
    .relu = relu_wasmsimd,
};
