/* kernels-wasmsimd.c — WebAssembly SIMD (f32x4) twins of kernels-scalar.c.
 *
 * Same signatures, same results (see internal.h). Each loop runs whole vectors, then a
 * scalar tail of n % 4 values; tests cover n below, at, at a multiple of, and above each
 * tile. The time goes to gemm_4x8 (conv2d and dense: register-blocked 4×8 tiles) and, in
 * training, to its twins on the same tiles (gemm_4x8_acc, gemm_4x8_scatter: the backward
 * passes); the rest are simple vector loops. bench/ab.js compares two builds of them layer
 * by layer, bench/ab-train.js their training steps. */
#include "internal.h"
#include "simd128.h"

/* Stores the first nr ≤ 8 values of (lo, hi): whole vectors, then 2- and 1-lane stores. */
static inline void store_row(float *c, v128_t lo, v128_t hi, size_t nr) {
    if (nr >= 4) {
        wasm_v128_store(c, lo);
        c += 4;
        nr -= 4;
        lo = hi;
    }
    if (nr == 4) {
        wasm_v128_store(c, lo);
        return;
    }
    if (nr >= 2) {
        wasm_v128_store64_lane(c, lo, 0);
        c += 2;
        nr -= 2;
        lo = wasm_i64x2_shuffle(lo, lo, 1, 1);
    }
    if (nr) wasm_v128_store32_lane(c, lo, 0);
}

/* Loads the first nr ≤ 8 values of a row into (lo, hi), zeros beyond (the backward passes'
 * accumulating tiles). A partial row (a layer's last panel) takes an out-of-line path: it is
 * rare, and inline it would be repeated for every row of every variant. */
__attribute__((noinline)) static void load_part(const float *c, size_t nr, v128_t *lo, v128_t *hi) {
    float t[8] = { 0 };
    for (size_t j = 0; j < nr; j++) t[j] = c[j];
    *lo = wasm_v128_load(t);
    *hi = wasm_v128_load(t + 4);
}

static inline void load_row(const float *c, size_t nr, v128_t *lo, v128_t *hi) {
    if (nr == 8) {
        *lo = wasm_v128_load(c);
        *hi = wasm_v128_load(c + 4);
    } else {
        load_part(c, nr, lo, hi);
    }
}

/* Stores the first nr ≤ 8 values of (lo, hi), as store_row, with partial rows out of line. */
__attribute__((noinline)) static void put_part(float *c, v128_t lo, v128_t hi, size_t nr) { store_row(c, lo, hi, nr); }

static inline void put_row(float *c, v128_t lo, v128_t hi, size_t nr) {
    if (nr == 8) {
        wasm_v128_store(c, lo);
        wasm_v128_store(c + 4, hi);
    } else {
        put_part(c, lo, hi, nr);
    }
}

/* Tiles of 4 rows × 8 columns: eight f32x4 accumulators (4 rows × 2 vectors) stay in
 * registers for the whole k loop (one flat loop, through the offset table for a convolution);
 * each step loads two weight vectors and splats one input value per row: 8 mul + 8 add per 6
 * loads. In the last tile, rows beyond M repeat row M − 1 (valid memory, not stored), so the
 * loop has no branches. Per element the sums run in the scalar reference's order: results are
 * bit-identical. The accumulating twins (gemm_4x8_acc) start from c's rows instead. */
#define GEMM_STEP(o)                                                                       \
    do {                                                                                   \
        const v128_t b0 = wasm_v128_load(bp), b1 = wasm_v128_load(bp + 4);                 \
        v128_t x = wasm_f32x4_splat(a0[o]);                                                \
        c00 = wasm_f32x4_add(c00, wasm_f32x4_mul(x, b0));                                  \
        c01 = wasm_f32x4_add(c01, wasm_f32x4_mul(x, b1));                                  \
        x = wasm_f32x4_splat(a1[o]);                                                       \
        c10 = wasm_f32x4_add(c10, wasm_f32x4_mul(x, b0));                                  \
        c11 = wasm_f32x4_add(c11, wasm_f32x4_mul(x, b1));                                  \
        x = wasm_f32x4_splat(a2[o]);                                                       \
        c20 = wasm_f32x4_add(c20, wasm_f32x4_mul(x, b0));                                  \
        c21 = wasm_f32x4_add(c21, wasm_f32x4_mul(x, b1));                                  \
        x = wasm_f32x4_splat(a3[o]);                                                       \
        c30 = wasm_f32x4_add(c30, wasm_f32x4_mul(x, b0));                                  \
        c31 = wasm_f32x4_add(c31, wasm_f32x4_mul(x, b1));                                  \
        bp += 8;                                                                           \
    } while (0)

/* The tile loop, with how rows are found (ROW), the k loop (K_LOOP), how the accumulators
 * start (PRE, INIT: the biases, or c's rows to accumulate) and how rows are stored (STORE)
 * given as code, so that each variant is its own small function: with every variant in one
 * function, the engine's register allocator runs out of registers and spills inside the k
 * loop. (The accumulating variants also have their own table entry: dispatched from
 * gemm_4x8, the forward pass measured 3–10% slower.) */
#define GEMM_TILES(ROW, K_LOOP, PRE, INIT, STORE)                                               \
    const v128_t zero = wasm_f32x4_splat(0.0f);                                                \
    PRE                                                                                        \
    for (size_t m0 = 0; m0 < M; m0 += 4, c += 4 * ldc) {                                       \
        const size_t mr = M - m0 < 4 ? M - m0 : 4;                                             \
        const size_t i1 = m0 + (mr > 1), i2 = m0 + (mr > 2 ? 2 : mr - 1), i3 = m0 + (mr > 3 ? 3 : mr - 1); \
        const float *a0 = base + ROW(m0), *a1 = base + ROW(i1);                                \
        const float *a2 = base + ROW(i2), *a3 = base + ROW(i3);                                \
        v128_t c00, c01, c10, c11, c20, c21, c30, c31;                                         \
        INIT                                                                                   \
        const float *bp = b;                                                                   \
        K_LOOP                                                                                 \
        if (relu) { /* pmax(0, x) = 0 < x ? x : 0, exactly the scalar rule */                  \
            c00 = wasm_f32x4_pmax(zero, c00); c01 = wasm_f32x4_pmax(zero, c01);                \
            c10 = wasm_f32x4_pmax(zero, c10); c11 = wasm_f32x4_pmax(zero, c11);                \
            c20 = wasm_f32x4_pmax(zero, c20); c21 = wasm_f32x4_pmax(zero, c21);                \
            c30 = wasm_f32x4_pmax(zero, c30); c31 = wasm_f32x4_pmax(zero, c31);                \
        }                                                                                      \
        STORE(c, c00, c01, nr);                                                                \
        if (mr > 1) STORE(c + ldc, c10, c11, nr);                                              \
        if (mr > 2) STORE(c + 2 * ldc, c20, c21, nr);                                          \
        if (mr > 3) STORE(c + 3 * ldc, c30, c31, nr);                                          \
    }
#define LISTED(m) ((size_t)ind[m])
#define STRIDED(m) ((m) * mstride)
#define BIAS const v128_t bias0 = wasm_v128_load(bias8), bias1 = wasm_v128_load(bias8 + 4);
#define FROM_BIAS                                                                               \
    c00 = c10 = c20 = c30 = bias0;                                                             \
    c01 = c11 = c21 = c31 = bias1;
/* accumulate; rows beyond mr start from zeros (computed, never stored) */
#define FROM_C                                                                                  \
    c10 = c11 = c20 = c21 = c30 = c31 = zero;                                                  \
    load_row(c, nr, &c00, &c01);                                                               \
    if (mr > 1) load_row(c + ldc, nr, &c10, &c11);                                             \
    if (mr > 2) load_row(c + 2 * ldc, nr, &c20, &c21);                                         \
    if (mr > 3) load_row(c + 3 * ldc, nr, &c30, &c31);

/* convolution: rows through the indirection list, taps through the offset table */
__attribute__((noinline)) static void gemm_listed(float *c, size_t ldc, const float *base, const int32_t *ind,
                                                  size_t M, const int32_t *off, size_t K, const float *bias8,
                                                  const float *b, size_t nr, int relu) {
    GEMM_TILES(LISTED, for (size_t k = 0; k < K; k++) GEMM_STEP(off[k]);, BIAS, FROM_BIAS, store_row)
}

/* dense: rows at a fixed stride (one image each), K contiguous values */
__attribute__((noinline)) static void gemm_strided(float *c, size_t ldc, const float *base, size_t mstride,
                                                   size_t M, size_t K, const float *bias8, const float *b,
                                                   size_t nr, int relu) {
    GEMM_TILES(STRIDED, for (size_t k = 0; k < K; k++) GEMM_STEP(k);, BIAS, FROM_BIAS, store_row)
}

/* the listed one accumulating (the backward passes) */
CNN_TRAINING_ONLY
static void gemm_4x8_acc_wasmsimd(float *c, size_t ldc, const float *base, const int32_t *ind, size_t M,
                                  const int32_t *off, size_t K, const float *b, size_t nr) {
    const int relu = 0;
    GEMM_TILES(LISTED, for (size_t k = 0; k < K; k++) GEMM_STEP(off[k]);, , FROM_C, put_row)
}
#undef GEMM_TILES
#undef LISTED
#undef STRIDED
#undef BIAS
#undef FROM_BIAS
#undef FROM_C

static void gemm_4x8_wasmsimd(float *c, size_t ldc, const float *base, const int32_t *ind, size_t mstride,
                              size_t M, const int32_t *off, size_t K,
                              const float *bias8, const float *b, size_t nr, int relu) {
    if (ind) gemm_listed(c, ldc, base, ind, M, off, K, bias8, b, nr, relu);
    else gemm_strided(c, ldc, base, mstride, M, K, bias8, b, nr, relu);
}

/* Adds (lo, hi) to the first nr ≤ 8 values of a row (partial rows out of line, as loads). */
__attribute__((noinline)) static void add_part(float *c, v128_t lo, v128_t hi, size_t nr) {
    float t[8];
    wasm_v128_store(t, lo);
    wasm_v128_store(t + 4, hi);
    for (size_t j = 0; j < nr; j++) c[j] += t[j];
}

static inline void add_row(float *c, v128_t lo, v128_t hi, size_t nr) {
    if (nr == 8) {
        wasm_v128_store(c, wasm_f32x4_add(wasm_v128_load(c), lo));
        wasm_v128_store(c + 4, wasm_f32x4_add(wasm_v128_load(c + 4), hi));
    } else {
        add_part(c, lo, hi, nr);
    }
}

/* The convolution's input gradient: tiles as gemm_4x8's from zero, rows through a list, each
 * row then added where its window starts, one row after the other (windows overlap). */
CNN_TRAINING_ONLY
static void gemm_4x8_scatter_wasmsimd(float *c, const int32_t *cind, const float *a, const int32_t *aind,
                                      size_t M, size_t K, const float *b, size_t nr) {
    const v128_t zero = wasm_f32x4_splat(0.0f);
    for (size_t m0 = 0; m0 < M; m0 += 4) {
        const size_t mr = M - m0 < 4 ? M - m0 : 4;
        const size_t i1 = m0 + (mr > 1), i2 = m0 + (mr > 2 ? 2 : mr - 1), i3 = m0 + (mr > 3 ? 3 : mr - 1);
        const float *a0 = a + aind[m0], *a1 = a + aind[i1], *a2 = a + aind[i2], *a3 = a + aind[i3];
        v128_t c00 = zero, c01 = zero, c10 = zero, c11 = zero;
        v128_t c20 = zero, c21 = zero, c30 = zero, c31 = zero;
        const float *bp = b;
        for (size_t k = 0; k < K; k++) GEMM_STEP(k);
        add_row(c + cind[m0], c00, c01, nr);
        if (mr > 1) add_row(c + cind[m0 + 1], c10, c11, nr);
        if (mr > 2) add_row(c + cind[m0 + 2], c20, c21, nr);
        if (mr > 3) add_row(c + cind[m0 + 3], c30, c31, nr);
    }
}
#undef GEMM_STEP

/* One image of pooling: per output pixel, whole channel vectors over the window's cells. */
static void pool2d_wasmsimd(float *out, const float *in, const cnn_pool_geom *g) {
    const int32_t W = g->W, C = g->C, DH = g->DH, DW = g->DW;
    const bool is_max = g->is_max;
    /* no padding, no dilation, every window inside the input (LeNet's pools): every window is
     * KH×KW, and no clipping is needed */
    const bool whole = !g->PT && !g->PL && DH == 1 && DW == 1 && (g->OH - 1) * g->SH + g->KH <= g->H &&
                       (g->OW - 1) * g->SW + g->KW <= g->W;
    const float whole_scale = 1.0f / (float)(g->KH * g->KW);
    for (int32_t oy = 0; oy < g->OH; oy++) {
        int32_t ya, yb, ny;
        if (whole) { ya = oy * g->SH; yb = ya + g->KH; ny = g->KH; }
        else cnn_window_cells(oy * g->SH - g->PT, g->KH, DH, g->H, &ya, &yb, &ny);
        for (int32_t ox = 0; ox < g->OW; ox++, out += C) {
            int32_t xa, xb, nx;
            if (whole) { xa = ox * g->SW; xb = xa + g->KW; nx = g->KW; }
            else cnn_window_cells(ox * g->SW - g->PL, g->KW, DW, g->W, &xa, &xb, &nx);
            const float scale = is_max ? 1.0f : whole ? whole_scale : 1.0f / (float)cnn_pool_divisor(g, oy, ox, ny * nx);
            const float *first = in + ((size_t)ya * W + xa) * C;
            /* Whole vectors; with C ≥ 4 the last one overlaps the one before (C − 4), which
             * recomputes a few channels with the same result instead of a scalar tail. */
            if (ny == 2 && nx == 2 && DH == 1 && DW == 1 && C >= 4) {
                /* the common 2×2 window, unrolled (same order of operations as the loop) */
                const float *r0 = first, *r1 = first + (size_t)W * C;
                for (int32_t c0 = 0; c0 < C; c0 += 4) {
                    const int32_t c = c0 + 4 <= C ? c0 : C - 4;
                    const v128_t a = wasm_v128_load(r0 + c), b = wasm_v128_load(r0 + C + c);
                    const v128_t d = wasm_v128_load(r1 + c), e = wasm_v128_load(r1 + C + c);
                    const v128_t v = is_max ? wasm_f32x4_pmax(wasm_f32x4_pmax(wasm_f32x4_pmax(a, b), d), e)
                                            : wasm_f32x4_mul(wasm_f32x4_add(wasm_f32x4_add(wasm_f32x4_add(a, b), d), e),
                                                             wasm_f32x4_splat(scale));
                    wasm_v128_store(out + c, v);
                }
                continue;
            }
            for (int32_t c0 = 0; c0 < C; c0 += 4) {
                const int32_t c = c0 + 4 <= C ? c0 : C - 4;
                if (c < 0) break; /* C < 4: below */
                v128_t v = wasm_v128_load(first + c);
                for (int32_t y = ya; y < yb; y += DH)
                    for (int32_t x = (y == ya ? xa + DW : xa); x < xb; x += DW) {
                        const v128_t u = wasm_v128_load(in + ((size_t)y * W + x) * C + c);
                        v = is_max ? wasm_f32x4_pmax(v, u) : wasm_f32x4_add(v, u);
                    }
                wasm_v128_store(out + c, is_max ? v : wasm_f32x4_mul(v, wasm_f32x4_splat(scale)));
            }
            for (int32_t c = 0; C < 4 && c < C; c++) {
                float v = first[c];
                for (int32_t y = ya; y < yb; y += DH)
                    for (int32_t x = (y == ya ? xa + DW : xa); x < xb; x += DW) {
                        const float u = in[((size_t)y * W + x) * C + c];
                        v = is_max ? (u > v ? u : v) : v + u;
                    }
                out[c] = is_max ? v : v * scale;
            }
        }
    }
}

/* Pooling's backward, channel vectors of 4. Max: a first pass over the window keeps, per
 * lane, the running max and the index of the tap that set it (replaced only when strictly
 * greater: the scalar rule, NaNs included); a second pass adds dz to each tap's lanes whose
 * index it holds. Average: dz · share to every cell. Vectors never add a lane twice: the last
 * vector of C ≥ 4 channels overlaps the one before (C − 4) and masks off the lanes done. */
CNN_TRAINING_ONLY static void pool2d_backward_wasmsimd(float *din, const float *in, const float *dz, const cnn_pool_geom *g) {
    const int32_t W = g->W, C = g->C, DH = g->DH, DW = g->DW;
    const int32_t tail = C >= 4 ? C % 4 : 0; /* lanes of the last vector not done before */
    const v128_t keep_tail = wasm_i32x4_gt(wasm_i32x4_make(0, 1, 2, 3), wasm_i32x4_splat(3 - tail));
    for (int32_t oy = 0; oy < g->OH; oy++) {
        int32_t ya, yb, ny;
        cnn_window_cells(oy * g->SH - g->PT, g->KH, DH, g->H, &ya, &yb, &ny);
        for (int32_t ox = 0; ox < g->OW; ox++, dz += C) {
            int32_t xa, xb, nx;
            cnn_window_cells(ox * g->SW - g->PL, g->KW, DW, g->W, &xa, &xb, &nx);
            const float share = g->is_max ? 1.0f : 1.0f / (float)cnn_pool_divisor(g, oy, ox, ny * nx);
            for (int32_t c0 = 0; c0 + 4 <= C + (tail ? 4 - tail : 0) && C >= 4; c0 += 4) {
                const int32_t c = c0 + 4 <= C ? c0 : C - 4;
                const v128_t keep = c == c0 ? wasm_i32x4_splat(-1) : keep_tail;
                const v128_t d = wasm_v128_load(dz + c);
                if (!g->is_max) {
                    const v128_t add = wasm_v128_and(wasm_f32x4_mul(d, wasm_f32x4_splat(share)), keep);
                    for (int32_t y = ya; y < yb; y += DH)
                        for (int32_t x = xa; x < xb; x += DW) {
                            float *p = din + ((size_t)y * W + x) * C + c;
                            wasm_v128_store(p, wasm_v128_bitselect(wasm_f32x4_add(wasm_v128_load(p), add), wasm_v128_load(p), keep));
                        }
                    continue;
                }
                v128_t best = wasm_v128_load(in + ((size_t)ya * W + xa) * C + c), idx = wasm_i32x4_splat(0);
                int32_t t = 0;
                for (int32_t y = ya; y < yb; y += DH)
                    for (int32_t x = xa; x < xb; x += DW, t++) {
                        const v128_t u = wasm_v128_load(in + ((size_t)y * W + x) * C + c);
                        const v128_t gt = wasm_f32x4_gt(u, best);
                        best = wasm_v128_bitselect(u, best, gt);
                        idx = wasm_v128_bitselect(wasm_i32x4_splat(t), idx, gt);
                    }
                t = 0;
                for (int32_t y = ya; y < yb; y += DH)
                    for (int32_t x = xa; x < xb; x += DW, t++) {
                        const v128_t won = wasm_v128_and(wasm_i32x4_eq(idx, wasm_i32x4_splat(t)), keep);
                        float *p = din + ((size_t)y * W + x) * C + c;
                        const v128_t old = wasm_v128_load(p);
                        wasm_v128_store(p, wasm_v128_bitselect(wasm_f32x4_add(old, d), old, won));
                    }
            }
            for (int32_t c = 0; C < 4 && c < C; c++) { /* fewer than 4 channels: the scalar rule */
                if (!g->is_max) {
                    for (int32_t y = ya; y < yb; y += DH)
                        for (int32_t x = xa; x < xb; x += DW) din[((size_t)y * W + x) * C + c] += dz[c] * share;
                    continue;
                }
                size_t at = ((size_t)ya * W + xa) * C + c;
                for (int32_t y = ya; y < yb; y += DH)
                    for (int32_t x = xa; x < xb; x += DW) {
                        const size_t i = ((size_t)y * W + x) * C + c;
                        if (in[i] > in[at]) at = i;
                    }
                din[at] += dz[c];
            }
        }
    }
}

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
CNN_TRAINING_ONLY
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
CNN_TRAINING_ONLY
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

/* Depthwise, a row of pixels per call: 4 channels at a time across the whole row, so a 3×3
 * filter's 9 weight vectors are loaded once per row and stay in registers (XNNPACK's up4x9
 * idea); other tap counts reload them. Every channel starts from its bias and adds its taps in
 * t order, as the scalar twin. */
static void dw_row_wasmsimd(float *y, const float *x, const int32_t *off, const float *w, const float *b,
                            size_t taps, size_t n, size_t npix, size_t xstep) {
    size_t j = 0;
    for (; j + 4 <= n; j += 4) {
        const v128_t bj = b ? wasm_v128_load(b + j) : wasm_f32x4_splat(0.0f);
        const float *xj = x + j;
        float *yj = y + j;
        if (taps == 9) {
            const v128_t w0 = wasm_v128_load(w + j), w1 = wasm_v128_load(w + n + j), w2 = wasm_v128_load(w + 2 * n + j),
                         w3 = wasm_v128_load(w + 3 * n + j), w4 = wasm_v128_load(w + 4 * n + j),
                         w5 = wasm_v128_load(w + 5 * n + j), w6 = wasm_v128_load(w + 6 * n + j),
                         w7 = wasm_v128_load(w + 7 * n + j), w8 = wasm_v128_load(w + 8 * n + j);
            const size_t o0 = (size_t)off[0], o1 = (size_t)off[1], o2 = (size_t)off[2], o3 = (size_t)off[3],
                         o4 = (size_t)off[4], o5 = (size_t)off[5], o6 = (size_t)off[6], o7 = (size_t)off[7],
                         o8 = (size_t)off[8];
            for (size_t p = 0; p < npix; p++, xj += xstep, yj += n) {
                v128_t a = bj;
                a = wasm_f32x4_add(a, wasm_f32x4_mul(wasm_v128_load(xj + o0), w0));
                a = wasm_f32x4_add(a, wasm_f32x4_mul(wasm_v128_load(xj + o1), w1));
                a = wasm_f32x4_add(a, wasm_f32x4_mul(wasm_v128_load(xj + o2), w2));
                a = wasm_f32x4_add(a, wasm_f32x4_mul(wasm_v128_load(xj + o3), w3));
                a = wasm_f32x4_add(a, wasm_f32x4_mul(wasm_v128_load(xj + o4), w4));
                a = wasm_f32x4_add(a, wasm_f32x4_mul(wasm_v128_load(xj + o5), w5));
                a = wasm_f32x4_add(a, wasm_f32x4_mul(wasm_v128_load(xj + o6), w6));
                a = wasm_f32x4_add(a, wasm_f32x4_mul(wasm_v128_load(xj + o7), w7));
                a = wasm_f32x4_add(a, wasm_f32x4_mul(wasm_v128_load(xj + o8), w8));
                wasm_v128_store(yj, a);
            }
        } else {
            for (size_t p = 0; p < npix; p++, xj += xstep, yj += n) {
                v128_t a = bj;
                for (size_t t = 0; t < taps; t++)
                    a = wasm_f32x4_add(a, wasm_f32x4_mul(wasm_v128_load(xj + off[t]), wasm_v128_load(w + t * n + j)));
                wasm_v128_store(yj, a);
            }
        }
    }
    for (; j < n; j++) {
        const float *xj = x + j;
        for (size_t p = 0; p < npix; p++, xj += xstep) {
            float acc = b ? b[j] : 0.0f;
            for (size_t t = 0; t < taps; t++) acc += xj[off[t]] * w[t * n + j];
            y[p * n + j] = acc;
        }
    }
}

static void vscale_wasmsimd(float *y, float a, size_t n) {
    const v128_t va = wasm_f32x4_splat(a);
    size_t j = 0;
    for (; j + 4 <= n; j += 4) wasm_v128_store(y + j, wasm_f32x4_mul(wasm_v128_load(y + j), va));
    for (; j < n; j++) y[j] *= a;
}

CNN_TRAINING_ONLY static void relu_backward_wasmsimd(float *d, const float *y, size_t n) {
    const v128_t zero = wasm_f32x4_splat(0.0f);
    size_t j = 0;
    for (; j + 4 <= n; j += 4)
        wasm_v128_store(d + j, wasm_v128_and(wasm_v128_load(d + j), wasm_f32x4_gt(wasm_v128_load(y + j), zero)));
    for (; j < n; j++) d[j] = y[j] > 0.0f ? d[j] : 0.0f;
}

/* clang would turn this loop into a call of memset, which this build (no bulk memory) runs as a
 * byte-and-word loop; no_builtin keeps the vector stores (gcc, the native tests' compiler, has
 * no such attribute and needs none). */
#if defined(__clang__)
#define CNN_NO_MEMSET_CALL __attribute__((no_builtin("memset")))
#else
#define CNN_NO_MEMSET_CALL
#endif
CNN_TRAINING_ONLY CNN_NO_MEMSET_CALL static void zero_wasmsimd(float *x, size_t n) {
    const v128_t zero = wasm_f32x4_splat(0.0f);
    size_t j = 0;
    for (; j + 16 <= n; j += 16) {
        wasm_v128_store(x + j, zero);
        wasm_v128_store(x + j + 4, zero);
        wasm_v128_store(x + j + 8, zero);
        wasm_v128_store(x + j + 12, zero);
    }
    for (; j + 4 <= n; j += 4) wasm_v128_store(x + j, zero);
    for (; j < n; j++) x[j] = 0.0f;
}

static void relu_wasmsimd(float *y, const float *x, size_t n) {
    const v128_t zero = wasm_f32x4_splat(0.0f);
    size_t j = 0;
    /* pmax(0, x) = 0 < x ? x : 0: NaN and -0 give +0, as in the scalar rule */
    for (; j + 4 <= n; j += 4) wasm_v128_store(y + j, wasm_f32x4_pmax(zero, wasm_v128_load(x + j)));
    for (; j < n; j++) y[j] = x[j] > 0.0f ? x[j] : 0.0f;
}

/* pmax(x, lo) = x < lo ? lo : x, then pmin(t, hi) = hi < t ? hi : t: the scalar rule, lane by
 * lane (a NaN fails both comparisons and stays; −0 is not < 0 and stays) */
static void clamp_wasmsimd(float *y, const float *x, float lo, float hi, size_t n) {
    const v128_t l = wasm_f32x4_splat(lo), h = wasm_f32x4_splat(hi);
    size_t j = 0;
    for (; j + 4 <= n; j += 4) wasm_v128_store(y + j, wasm_f32x4_pmin(wasm_f32x4_pmax(wasm_v128_load(x + j), l), h));
    for (; j < n; j++) y[j] = x[j] < lo ? lo : x[j] > hi ? hi : x[j];
}

const cnn_kernels cnn_kernels_wasmsimd = {
    .name = "wasmsimd",
    .gemm_4x8 = gemm_4x8_wasmsimd,
    .gemm_4x8_acc = CNN_BACKWARD(gemm_4x8_acc_wasmsimd),
    .gemm_4x8_scatter = CNN_BACKWARD(gemm_4x8_scatter_wasmsimd),
    .gemv_acc = gemv_acc_wasmsimd,
    .pool2d = pool2d_wasmsimd,
    .pool2d_backward = CNN_BACKWARD(pool2d_backward_wasmsimd),
    .ger_acc = CNN_BACKWARD(ger_acc_wasmsimd),
    .gemv_t_acc = CNN_BACKWARD(gemv_t_acc_wasmsimd),
    .vmax_acc = vmax_acc_wasmsimd,
    .vadd_acc = vadd_acc_wasmsimd,
    .vscale = vscale_wasmsimd,
    .relu = relu_wasmsimd,
    .clamp = clamp_wasmsimd,
    .relu_backward = CNN_BACKWARD(relu_backward_wasmsimd),
    .zero = CNN_BACKWARD(zero_wasmsimd),
    .dw_row = dw_row_wasmsimd,
};
