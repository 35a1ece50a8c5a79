/* test-kernels.c — every SIMD kernel against its scalar twin, at sizes below, at, at a
 * multiple of, and above each vector tile (4 lanes; 16 columns for gemv_acc); and the
 * backward passes built on them (conv2d, dense) against their definitions.
 *
 * The SIMD kernels keep the scalar reference's order of operations per output value
 * (no reassociation, no FMA in wasm SIMD), so the results must be bit-identical. Buffers are
 * allocated at their exact size so AddressSanitizer catches a tail that reads or writes past
 * the end. Natively the SIMD kernels run on the emulation in src/simd128.h; under node (emcc
 * -msimd128 build) they run on real WebAssembly SIMD. */
#include <stdlib.h>

#include "../../src/internal.h"
#include "check.h"

static const size_t SIZES[] = { 1, 2, 3, 4, 5, 7, 8, 12, 15, 16, 17, 20, 31, 32, 33, 47, 48, 50, 64, 65 };
#define N_SIZES (sizeof SIZES / sizeof *SIZES)

static float *random_buffer(size_t n, unsigned *seed) {
    float *p = (float *)malloc(n * sizeof(float));
    for (size_t i = 0; i < n; i++) p[i] = test_rand(seed) * 3.0f;
    return p;
}

static int same_bits(const float *a, const float *b, size_t n) { return memcmp(a, b, n * sizeof(float)) == 0; }

static void test_gemv_acc_matches_scalar(void) {
    const size_t KS[] = { 1, 2, 3, 5, 6, 25, 30 };
    unsigned seed = 1;
    for (size_t ki = 0; ki < sizeof KS / sizeof *KS; ki++)
        for (size_t ni = 0; ni < N_SIZES; ni++) {
            const size_t k = KS[ki], n = SIZES[ni];
            float *x = random_buffer(k, &seed), *w = random_buffer(k * n, &seed);
            float *y0 = random_buffer(n, &seed), *y1 = (float *)malloc(n * sizeof(float));
            float *yinit = (float *)malloc(n * sizeof(float));
            memcpy(y1, y0, n * sizeof(float));
            memcpy(yinit, y0, n * sizeof(float));
            cnn_kernels_scalar.gemv_acc(y0, x, w, k, n);
            cnn_kernels_wasmsimd.gemv_acc(y1, x, w, k, n);
            if (!same_bits(y0, y1, n)) fprintf(stderr, "  gemv_acc differs at k=%zu n=%zu\n", k, n);
            CHECK(same_bits(y0, y1, n));
            /* and the reference itself against a double-precision sum */
            for (size_t j = 0; j < n; j++) {
                double want = yinit[j];
                for (size_t r = 0; r < k; r++) want += (double)x[r] * w[r * n + j];
                CHECK_NEAR(y0[j], want, 1e-5 * (double)k * 10);
            }
            free(yinit);
            free(x); free(w); free(y0); free(y1);
        }
}

static void test_backward_kernels_match_scalar(void) {
    const size_t KS[] = { 1, 3, 5, 25, 30 };
    unsigned seed = 3;
    for (size_t ki = 0; ki < sizeof KS / sizeof *KS; ki++)
        for (size_t ni = 0; ni < N_SIZES; ni++) {
            const size_t k = KS[ki], n = SIZES[ni];
            float *x = random_buffer(k, &seed), *dy = random_buffer(n, &seed);
            float *w0 = random_buffer(k * n, &seed), *w1 = (float *)malloc(k * n * sizeof(float));
            memcpy(w1, w0, k * n * sizeof(float));
            cnn_kernels_scalar.ger_acc(w0, x, dy, k, n);
            cnn_kernels_wasmsimd.ger_acc(w1, x, dy, k, n);
            CHECK(same_bits(w0, w1, k * n));                      /* same operations: exact */
            float *d0 = random_buffer(k, &seed), *d1 = (float *)malloc(k * sizeof(float));
            memcpy(d1, d0, k * sizeof(float));
            float *dinit = (float *)malloc(k * sizeof(float));
            memcpy(dinit, d0, k * sizeof(float));
            cnn_kernels_scalar.gemv_t_acc(d0, w0, dy, k, n);
            cnn_kernels_wasmsimd.gemv_t_acc(d1, w0, dy, k, n);
            for (size_t r = 0; r < k; r++) {                      /* reassociated: to rounding */
                double want = dinit[r], mag = fabs(dinit[r]);
                for (size_t j = 0; j < n; j++) {
                    want += (double)w0[r * n + j] * dy[j];
                    mag += fabs((double)w0[r * n + j] * dy[j]);
                }
                CHECK_NEAR(d0[r], want, 1e-6 * mag + 1e-7);
                CHECK_NEAR(d1[r], want, 1e-6 * mag + 1e-7);
            }
            free(x); free(dy); free(w0); free(w1); free(d0); free(d1); free(dinit);
        }
}

/* gemm_4x8: M from 1 to 9 rows (tiles of 4: below, at, above, two), nr 1–8, K from 0 to 51,
 * both layouts: listed (rows through a reversed indirection list, taps through an offset table
 * shaped like a convolution window: kernel rows of a run, a row stride apart) and strided
 * (contiguous taps); packed panels zero beyond nr: bit-identical to the scalar reference,
 * checked by hand too. */
static void test_gemm_4x8_matches_scalar(void) {
    unsigned seed = 21;
    const size_t RUNS[] = { 0, 1, 5, 17 }, ROWS[] = { 0, 1, 3 };
    for (size_t M = 1; M <= 9; M++)
        for (size_t nr = 1; nr <= 8; nr++)
            for (size_t ri = 0; ri < 3; ri++)
                for (size_t ui = 0; ui < 4; ui++) {
                    const size_t rows = ROWS[ri], run = RUNS[ui], ars = run + 3, K = rows * run;
                    const int listed = (int)((M + nr + ui) & 1);
                    int32_t off[3 * 17], ind[9];
                    for (size_t r = 0, k = 0; r < rows; r++)
                        for (size_t t = 0; t < run; t++) off[k++] = (int32_t)(r * ars + t);
                    const size_t region = rows * ars + run + 1;             /* what one row may read */
                    for (size_t m = 0; m < M; m++) ind[m] = (int32_t)((M - 1 - m) * region); /* reversed */
                    float *a = random_buffer(M * region, &seed), *b = random_buffer(8 + 8 * (K ? K : 1), &seed);
                    for (size_t i = 0; i < 8 + 8 * K; i += 8)             /* zero beyond nr, as packed */
                        for (size_t j = nr; j < 8; j++) b[i + j] = 0;
                    const size_t ldc = nr + 2, csize = M * ldc;
                    float *c0 = random_buffer(csize, &seed), *c1 = (float *)malloc(csize * sizeof(float));
                    memcpy(c1, c0, csize * sizeof(float));
                    const int relu = (int)((M + ri) & 1);                  /* both, across the cases */
                    const int32_t *o = listed ? off : NULL, *l = listed ? ind : NULL;
                    cnn_kernels_scalar.gemm_4x8(c0, ldc, a, l, region, M, o, K, b, b + 8, nr, relu);
                    cnn_kernels_wasmsimd.gemm_4x8(c1, ldc, a, l, region, M, o, K, b, b + 8, nr, relu);
                    if (!same_bits(c0, c1, csize))
                        fprintf(stderr, "  gemm_4x8 differs at M=%zu nr=%zu K=%zu listed=%d\n", M, nr, K, listed);
                    CHECK(same_bits(c0, c1, csize));                   /* untouched cells too */
                    for (size_t m = 0; relu && m < M; m++)
                        for (size_t j = 0; j < nr; j++) CHECK(c1[m * ldc + j] >= 0.0f);
                    free(a); free(b); free(c0); free(c1);
                }
    /* by hand: 1 row, K = 2: c = bias + a0·b0 + a1·b1 = 0.5 + 1·3 + 2·4 = 11.5; through the
     * table {1, 0}: 0.5 + 2·3 + 1·4 = 10.5 */
    const float a[2] = { 1, 2 }, b[24] = { 0.5f, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 4 };
    const int32_t swap[2] = { 1, 0 }, start[1] = { 0 };
    float c = 0;
    cnn_kernels_wasmsimd.gemm_4x8(&c, 1, a, NULL, 0, 1, NULL, 2, b, b + 8, 1, 0);
    CHECK(c == 11.5f);
    cnn_kernels_wasmsimd.gemm_4x8(&c, 1, a, start, 0, 1, swap, 2, b, b + 8, 1, 0);
    CHECK(c == 10.5f);
    const float neg[2] = { -1, -2 };                          /* 0.5 − 3 − 8 = −10.5 → relu 0 */
    cnn_kernels_wasmsimd.gemm_4x8(&c, 1, neg, NULL, 0, 1, NULL, 2, b, b + 8, 1, 0);
    CHECK(c == -10.5f);
    cnn_kernels_wasmsimd.gemm_4x8(&c, 1, neg, NULL, 0, 1, NULL, 2, b, b + 8, 1, 1);
    CHECK(c == 0.0f && !signbit(c));
}

/* gemm_4x8_acc (c += Σ, from c's values: the backward passes' GEMMs): M 1–9, every nr, K 0–17,
 * rows through a reversed list, the sum through a reversed offset table: bit-identical to the
 * scalar reference, which is checked against a double-precision sum; columns beyond nr and
 * the cells between rows (ldc > nr) untouched. */
static void test_gemm_4x8_accumulate_matches_scalar(void) {
    unsigned seed = 23;
    const size_t KS[] = { 0, 1, 3, 4, 5, 17 };
    for (size_t M = 1; M <= 9; M++)
        for (size_t nr = 1; nr <= 8; nr++)
            for (size_t ki = 0; ki < sizeof KS / sizeof *KS; ki++) {
                const size_t K = KS[ki], region = 2 * K + 3;
                int32_t off[17], ind[9];
                for (size_t k = 0; k < K; k++) off[k] = (int32_t)(2 * (K - 1 - k));   /* reversed, spread */
                for (size_t m = 0; m < M; m++) ind[m] = (int32_t)((M - 1 - m) * region);   /* reversed */
                float *a = random_buffer(M * region, &seed), *b = random_buffer(8 * (K ? K : 1), &seed);
                for (size_t i = 0; i < 8 * K; i += 8)
                    for (size_t j = nr; j < 8; j++) b[i + j] = 0;
                const size_t ldc = nr + 3, csize = M * ldc;
                float *c0 = random_buffer(csize, &seed), *c1 = (float *)malloc(csize * sizeof(float));
                float *cinit = (float *)malloc(csize * sizeof(float));
                memcpy(c1, c0, csize * sizeof(float));
                memcpy(cinit, c0, csize * sizeof(float));
                cnn_kernels_scalar.gemm_4x8_acc(c0, ldc, a, ind, M, off, K, b, nr);
                cnn_kernels_wasmsimd.gemm_4x8_acc(c1, ldc, a, ind, M, off, K, b, nr);
                if (!same_bits(c0, c1, csize))
                    fprintf(stderr, "  gemm_4x8_acc differs at M=%zu nr=%zu K=%zu\n", M, nr, K);
                CHECK(same_bits(c0, c1, csize));
                for (size_t m = 0; m < M; m++)
                    for (size_t j = 0; j < ldc; j++) {
                        double want = cinit[m * ldc + j], mag = fabs(want);
                        for (size_t k = 0; j < nr && k < K; k++) {
                            const double t = (double)a[ind[m] + off[k]] * b[8 * k + j];
                            want += t;
                            mag += fabs(t);
                        }
                        CHECK_NEAR(c0[m * ldc + j], want, 1e-6 * mag);
                        if (j >= nr) CHECK(c0[m * ldc + j] == cinit[m * ldc + j]);
                    }
                free(a); free(b); free(c0); free(c1); free(cinit);
            }
    /* by hand: c = 1 + 2·3 + 4·5 = 27 (taps {0, 1}), then 27 + 4·3 + 2·5 = 49 (taps {1, 0}) */
    const float a[2] = { 2, 4 }, b[16] = { 3, 0, 0, 0, 0, 0, 0, 0, 5 };
    const int32_t row[1] = { 0 }, taps[2] = { 0, 1 }, swapped[2] = { 1, 0 };
    float c = 1;
    cnn_kernels_wasmsimd.gemm_4x8_acc(&c, 1, a, row, 1, taps, 2, b, 1);
    CHECK(c == 27);
    cnn_kernels_scalar.gemm_4x8_acc(&c, 1, a, row, 1, swapped, 2, b, 1);
    CHECK(c == 49);
}

/* gemm_4x8_scatter (a convolution's input gradient): M 1–9 rows, every nr, K 0–17, rows
 * through a permuted list, added at starts that overlap (neighbouring windows): bit-identical
 * to the scalar reference, which is checked against a double-precision sum of every row's
 * contribution. */
static void test_gemm_4x8_scatter_matches_scalar(void) {
    unsigned seed = 29;
    const size_t KS[] = { 0, 1, 2, 4, 5, 16, 17 };
    for (size_t M = 1; M <= 9; M++)
        for (size_t nr = 1; nr <= 8; nr++)
            for (size_t ki = 0; ki < sizeof KS / sizeof *KS; ki++)
                for (size_t step = 1; step <= 9; step += 4) {     /* row starts 1, 5, 9 apart */
                    const size_t K = KS[ki], lda = K + 2;
                    int32_t cind[9], aind[9];
                    for (size_t m = 0; m < M; m++) {   /* out of order; for M = 7 all at one start */
                        cind[m] = (int32_t)(((m * 7) % M) * step);
                        aind[m] = (int32_t)(((m * 4 + 1) % M) * lda);
                    }
                    const size_t csize = (M - 1) * step + nr + 2;
                    float *a = random_buffer(M * lda, &seed), *b = random_buffer(8 * (K ? K : 1), &seed);
                    for (size_t i = 0; i < 8 * K; i += 8)
                        for (size_t j = nr; j < 8; j++) b[i + j] = 0;
                    float *c0 = random_buffer(csize, &seed), *c1 = (float *)malloc(csize * sizeof(float));
                    double *want = (double *)malloc(csize * sizeof(double)), *mag = (double *)malloc(csize * sizeof(double));
                    memcpy(c1, c0, csize * sizeof(float));
                    for (size_t i = 0; i < csize; i++) { want[i] = c0[i]; mag[i] = fabs(c0[i]); }
                    for (size_t m = 0; m < M; m++)
                        for (size_t j = 0; j < nr; j++)
                            for (size_t k = 0; k < K; k++) {
                                const double t = (double)a[aind[m] + k] * b[8 * k + j];
                                want[cind[m] + j] += t;
                                mag[cind[m] + j] += fabs(t);
                            }
                    cnn_kernels_scalar.gemm_4x8_scatter(c0, cind, a, aind, M, K, b, nr);
                    cnn_kernels_wasmsimd.gemm_4x8_scatter(c1, cind, a, aind, M, K, b, nr);
                    if (!same_bits(c0, c1, csize))
                        fprintf(stderr, "  gemm_4x8_scatter differs at M=%zu nr=%zu K=%zu step=%zu\n", M, nr, K, step);
                    CHECK(same_bits(c0, c1, csize));
                    for (size_t i = 0; i < csize; i++) CHECK_NEAR(c0[i], want[i], 1e-6 * mag[i]);
                    free(a); free(b); free(c0); free(c1); free(want); free(mag);
                }
    /* by hand: two rows of 2 filters, both adding at c[0] and c[1] (overlapping starts 0, 1):
     * row 0: (1·3 + 2·5, 1·4 + 2·6) = (13, 16) at 0, 1; row 1: (−1·3 + 1·5, −1·4 + 1·6) = (2, 2)
     * at 1, 2; c = (0, 0, 0) → (13, 18, 2) */
    const float a[4] = { 1, 2, -1, 1 }, b[16] = { 3, 4, 0, 0, 0, 0, 0, 0, 5, 6 };
    const int32_t cind[2] = { 0, 1 }, aind[2] = { 0, 2 };
    float c[3] = { 0, 0, 0 };
    cnn_kernels_wasmsimd.gemm_4x8_scatter(c, cind, a, aind, 2, 2, b, 2);
    CHECK(c[0] == 13 && c[1] == 18 && c[2] == 2);
}

/* cnn_pack_panels_t: the panels of the transpose, the same as packing the transposed matrix
 * (N from 1 to 17: partial, whole and several panels; source rows wider than K). */
static void test_pack_panels_t(void) {
    unsigned seed = 31;
    for (size_t N = 1; N <= 17; N++)
        for (size_t K = 1; K <= 5; K += 2) {
            const size_t ldb = K + 1, panels = (N + 7) / 8, size = panels * CNN_PANEL_FLOATS(K);
            float *src = random_buffer(N * ldb, &seed), *t = (float *)malloc(K * N * sizeof(float));
            for (size_t k = 0; k < K; k++)
                for (size_t j = 0; j < N; j++) t[k * N + j] = src[j * ldb + k];
            float *p0 = random_buffer(size, &seed), *p1 = random_buffer(size, &seed);
            cnn_pack_panels_t(p0, src, ldb, K, N);
            cnn_pack_panels(p1, t, N, NULL, K, N);
            CHECK(same_bits(p0, p1, size));
            free(src); free(t); free(p0); free(p1);
        }
    /* by hand: the 2 × 3 matrix [[1, 2, 3], [4, 5, 6]] read down its columns: B (3, 2) */
    const float m[6] = { 1, 2, 3, 4, 5, 6 };
    float p[8 + 24];
    cnn_pack_panels_t(p, m, 3, 3, 2);
    CHECK(p[0] == 0 && p[8] == 1 && p[9] == 4 && p[10] == 0 && p[16] == 2 && p[17] == 5 && p[24] == 3 && p[25] == 6);
}

/* ─── The backward passes of conv2d and dense against their definitions ─────────────────
 * One layer, linear, MSE: ∂L/∂out = 2 (y − t) / (outputs · n) is known from the output, so
 * the kernel, bias and input gradients follow from their definitions, summed here in double
 * precision, and both kernel tables must give them (SIMD: the emulation natively, real wasm
 * SIMD under node), through every path: GEMM tile edges, dense's small-batch path and its
 * blocks of 64 images, conv2d's blocks of 1024 pixels, groups, dilation, strides, asymmetric
 * padding, no bias, runs of taps shorter and longer than a panel. */

/* Gradients of a one-layer model of `spec` on (h, w, c) for n images, checked with both kernel
 * tables. in_rank1: a flatten first (dense). */
static void check_layer_gradients(const cnn_layer_spec *spec, int h, int w, int c, int n, unsigned seed) {
    const cnn_layer_spec layers[2] = { { .type = CNN_LAYER_FLATTEN }, *spec };
    const int dense = spec->type == CNN_LAYER_DENSE, li = dense ? 1 : 0;
    const int was = cnn_use_simd(0);
    for (int simd = 0; simd < 2; simd++) {
        cnn_use_simd(simd);
        cnn_model *m = NULL;
        CHECK_STATUS(cnn_model_create(&m, h, w, c, dense ? layers : spec, dense ? 2 : 1, seed), CNN_OK);
        if (!m) break;
        cnn_layer_info info;
        cnn_model_layer_info(m, li, &info);
        const int G = dense ? 1 : cnn_model_option(m, li, CNN_OPT_GROUPS);
        const int KH = dense ? 1 : cnn_model_option(m, li, CNN_OPT_KERNEL_H), KW = dense ? 1 : cnn_model_option(m, li, CNN_OPT_KERNEL_W);
        const int SH = dense ? 1 : cnn_model_option(m, li, CNN_OPT_STRIDE_H), SW = dense ? 1 : cnn_model_option(m, li, CNN_OPT_STRIDE_W);
        const int DH = dense ? 1 : cnn_model_option(m, li, CNN_OPT_DILATION_H), DW = dense ? 1 : cnn_model_option(m, li, CNN_OPT_DILATION_W);
        const int H = dense ? 1 : h, W = dense ? 1 : w, C = dense ? h * w * c : c, D = info.out_c;
        const int OH = info.out_h, OW = info.out_w, Cg = C / G, Dg = D / G;
        unsigned rs = seed;
        float *bias = cnn_model_bias(m, li);
        for (int d = 0; bias && d < D; d++) bias[d] = 0.3f * test_rand(&rs);
        CHECK_STATUS(cnn_model_reserve(m, n), CNN_OK);
        const int O = OH * OW * D, I = H * W * C;
        float *t = (float *)malloc((size_t)n * O * sizeof(float));
        for (int i = 0; i < n * O; i++) t[i] = test_rand(&rs);
        float loss;
        /* set up training memory first: it moves the block (and the input with it) */
        CHECK_STATUS(cnn_model_gradients(m, CNN_LOSS_MSE, t, n, &loss), CNN_OK);
        float *x = cnn_model_input(m);
        for (int i = 0; i < n * I; i++) x[i] = test_rand(&rs);
        CHECK_STATUS(cnn_model_gradients(m, CNN_LOSS_MSE, t, n, &loss), CNN_OK);
        const float *y = cnn_model_output(m, -1), *kernel = cnn_model_kernel(m, li);
        const float *gk = cnn_model_kernel_grad(m, li), *gb = cnn_model_bias_grad(m, li);
        const float *gx = cnn_model_input_grad(m);
        const int ksize = KH * KW * Cg * D;
        double *wk = (double *)calloc((size_t)ksize, sizeof(double)), *mk = (double *)calloc((size_t)ksize, sizeof(double));
        double *wb = (double *)calloc((size_t)D, sizeof(double)), *mb = (double *)calloc((size_t)D, sizeof(double));
        double *wx = (double *)calloc((size_t)n * I, sizeof(double)), *mx = (double *)calloc((size_t)n * I, sizeof(double));
        const int PT = info.pad_top, PL = info.pad_left;
        for (int b = 0; b < n; b++)
            for (int oy = 0; oy < OH; oy++)
                for (int ox = 0; ox < OW; ox++)
                    for (int d = 0; d < D; d++) {
                        const int at = ((b * OH + oy) * OW + ox) * D + d;
                        const double dz = 2.0 * ((double)y[at] - t[at]) / ((double)O * n);
                        wb[d] += dz;
                        mb[d] += fabs(dz);
                        const int g = d / Dg;
                        for (int ky = 0; ky < KH; ky++)
                            for (int kx = 0; kx < KW; kx++) {
                                const int iy = oy * SH - PT + ky * DH, ix = ox * SW - PL + kx * DW;
                                if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
                                for (int cc = 0; cc < Cg; cc++) {
                                    const int xi = ((b * H + iy) * W + ix) * C + g * Cg + cc;
                                    const int ki = ((ky * KW + kx) * Cg + cc) * D + d;
                                    wk[ki] += (double)x[xi] * dz;
                                    mk[ki] += fabs((double)x[xi] * dz);
                                    wx[xi] += (double)kernel[ki] * dz;
                                    mx[xi] += fabs((double)kernel[ki] * dz);
                                }
                            }
                    }
        int bad = 0;
        for (int i = 0; i < ksize; i++) bad += !(fabs(gk[i] - wk[i]) <= 1e-5 * mk[i] + 1e-9);
        for (int d = 0; gb && d < D; d++) bad += !(fabs(gb[d] - wb[d]) <= 1e-5 * mb[d] + 1e-9);
        for (int i = 0; i < n * I; i++) bad += !(fabs(gx[i] - wx[i]) <= 1e-5 * mx[i] + 1e-9);
        CHECK(!bias == !gb);
        if (bad)
            fprintf(stderr, "  %s %s on (%d, %d, %d), %d images: %d gradients off\n", cnn_kernels_name(),
                    cnn_layer_type_name(spec->type), h, w, c, n, bad);
        CHECK(bad == 0);
        free(t); free(wk); free(mk); free(wb); free(mb); free(wx); free(mx);
        cnn_model_free(m);
    }
    cnn_use_simd(was);
}

static void test_conv2d_backward_against_definition(void) {
    /* (C, D, KH, KW, SH, SW, DH, DW, groups, padding, top, bottom, left, right, bias, h, w) */
    static const int CASES[][17] = {
        { 1, 6, 5, 5, 1, 1, 1, 1, 1, CNN_PAD_SAME, 0, 0, 0, 0, 1, 9, 8 },     /* LeNet's first: runs of 5 */
        { 6, 16, 5, 5, 1, 1, 1, 1, 1, CNN_PAD_VALID, 0, 0, 0, 0, 1, 9, 10 },  /* runs of 30, 2 panels */
        { 2, 9, 2, 4, 1, 1, 1, 1, 1, CNN_PAD_VALID, 0, 0, 0, 0, 0, 5, 7 },    /* runs of exactly 8 */
        { 3, 17, 3, 3, 2, 1, 1, 1, 1, CNN_PAD_EXPLICIT, 2, 0, 1, 3, 1, 6, 5 },/* asymmetric pads, 3 panels */
        { 9, 8, 3, 2, 1, 3, 2, 1, 1, CNN_PAD_SAME, 0, 0, 0, 0, 1, 7, 7 },     /* dilation, stride 3 */
        { 4, 6, 3, 3, 1, 1, 1, 2, 2, CNN_PAD_SAME, 0, 0, 0, 0, 0, 6, 6 },     /* groups, dilated columns */
        { 6, 3, 2, 2, 2, 2, 1, 1, 3, CNN_PAD_VALID, 0, 0, 0, 0, 1, 5, 5 },    /* one filter per group */
        { 16, 16, 1, 1, 1, 1, 1, 1, 1, CNN_PAD_VALID, 0, 0, 0, 0, 1, 3, 2 },  /* 1×1: runs of 16 */
        { 1, 1, 1, 1, 1, 1, 1, 1, 1, CNN_PAD_EXPLICIT, 1, 1, 1, 1, 1, 1, 1 }, /* one pixel, padded */
        { 2, 9, 3, 3, 1, 1, 1, 1, 1, CNN_PAD_SAME, 0, 0, 0, 0, 1, 34, 31 },   /* 1054 pixels: 2 blocks */
    };
    for (size_t i = 0; i < sizeof CASES / sizeof *CASES; i++) {
        const int *q = CASES[i];
        cnn_layer_spec s = { .type = CNN_LAYER_CONV2D };
        SET(s, UNITS, q[1]); SET(s, KERNEL_H, q[2]); SET(s, KERNEL_W, q[3]); SET(s, STRIDE_H, q[4]);
        SET(s, STRIDE_W, q[5]); SET(s, DILATION_H, q[6]); SET(s, DILATION_W, q[7]); SET(s, GROUPS, q[8]);
        SET(s, PADDING, q[9]);
        if (q[9] == CNN_PAD_EXPLICIT) { SET(s, PAD_TOP, q[10]); SET(s, PAD_BOTTOM, q[11]); SET(s, PAD_LEFT, q[12]); SET(s, PAD_RIGHT, q[13]); }
        SET(s, USE_BIAS, q[14]);
        check_layer_gradients(&s, q[15], q[16], q[0], 1 + (int)i % 3, 40 + (unsigned)i);
    }
}

static void test_dense_backward_against_definition(void) {
    /* batches around 4 (the GEMM path from 4 images) and 64 (its blocks), units around 8 */
    const int BATCH[] = { 1, 3, 4, 5, 9, 64, 65, 70 }, UNITS[] = { 1, 7, 8, 9, 17 }, IN[] = { 1, 5, 13 };
    for (int bi = 0; bi < 8; bi++)
        for (int ui = 0; ui < 5; ui++) {
            cnn_layer_spec s = { .type = CNN_LAYER_DENSE };
            SET(s, UNITS, UNITS[ui]);
            SET(s, USE_BIAS, (bi + ui) % 3 != 0);
            const int in = IN[(bi + ui) % 3];
            check_layer_gradients(&s, 1, in, 1 + (bi % 2), BATCH[bi], 60 + (unsigned)(bi * 5 + ui));
        }
}

/* The pooling geometry shape inference gives a one-layer model of `spec` on (h, w, c). */
static int pool_geom(const cnn_layer_spec *spec, int h, int w, int c, cnn_pool_geom *g) {
    cnn_model *m = NULL;
    CHECK_STATUS(cnn_model_create(&m, h, w, c, spec, 1, 1), CNN_OK);
    if (!m) return 0;
    cnn_layer_info info;
    cnn_model_layer_info(m, 0, &info);
    const int kh = cnn_model_option(m, 0, CNN_OPT_KERNEL_H), kw = cnn_model_option(m, 0, CNN_OPT_KERNEL_W);
    const int sh = cnn_model_option(m, 0, CNN_OPT_STRIDE_H), sw = cnn_model_option(m, 0, CNN_OPT_STRIDE_W);
    const int is_max = info.type == CNN_LAYER_MAXPOOL2D;
    const cnn_pool_geom r = { h, w, c, info.out_h, info.out_w, kh, kw, sh ? sh : kh, sw ? sw : kw,
                              is_max ? cnn_model_option(m, 0, CNN_OPT_DILATION_H) : 1,
                              is_max ? cnn_model_option(m, 0, CNN_OPT_DILATION_W) : 1,
                              info.pad_top, info.pad_bottom, info.pad_left, info.pad_right, is_max,
                              is_max ? 0 : cnn_model_option(m, 0, CNN_OPT_COUNT_INCLUDE_PAD) };
    *g = r;
    cnn_model_free(m);
    return 1;
}

/* pool2d_backward on one geometry: both twins add into the same random din (accumulation is
 * part of the contract) from the same dz, bit for bit; ties (repeated values) included, where
 * only the first winner of a window may receive the gradient. */
static void pool_backward_same(const float *in, const cnn_pool_geom *g, unsigned *seed) {
    const size_t in_n = (size_t)g->H * g->W * g->C, out_n = (size_t)g->OH * g->OW * g->C;
    float *tied = (float *)malloc(in_n * sizeof(float));
    for (size_t i = 0; i < in_n; i++) tied[i] = (float)((int)(in[i] * 3.0f)) / 3.0f; /* few distinct values */
    for (int pass = 0; pass < 2; pass++) {
        const float *x = pass ? tied : in;
        float *dz = random_buffer(out_n, seed), *d0 = random_buffer(in_n, seed);
        float *d1 = (float *)malloc(in_n * sizeof(float));
        memcpy(d1, d0, in_n * sizeof(float));
        cnn_kernels_scalar.pool2d_backward(d0, x, dz, g);
        cnn_kernels_wasmsimd.pool2d_backward(d1, x, dz, g);
        CHECK(same_bits(d0, d1, in_n));
        free(dz); free(d0); free(d1);
    }
    free(tied);
}

/* pool2d: max and average, valid and same, channels 1 to 9 (below, at, above and between
 * vector tiles, where the last vector overlaps), windows that stride over or overlap. */
static void test_pool2d_matches_scalar(void) {
    unsigned seed = 5;
    for (int type = CNN_LAYER_MAXPOOL2D; type <= CNN_LAYER_AVGPOOL2D; type++)
        for (int c = 1; c <= 9; c++)
            for (int v = 0; v < 4; v++) {
                /* the geometry from shape inference of a one-layer model */
                cnn_layer_spec spec = { .type = type };
                SET(spec, KERNEL_H, 2 + v % 2); SET(spec, KERNEL_W, 2 + v / 2);
                SET(spec, STRIDE_H, 1 + v % 2); SET(spec, STRIDE_W, 2);
                SET(spec, PADDING, v < 2 ? CNN_PAD_VALID : CNN_PAD_SAME);
                cnn_model *m = NULL;
                CHECK_STATUS(cnn_model_create(&m, 7, 6, c, &spec, 1, 1), CNN_OK);
                if (!m) return;
                cnn_layer_info info;
                cnn_model_layer_info(m, 0, &info);
                cnn_model_free(m);
                const cnn_pool_geom g = { 7, 6, c, info.out_h, info.out_w, 2 + v % 2, 2 + v / 2, 1 + v % 2, 2, 1, 1,
                                          info.pad_top, info.pad_bottom, info.pad_left, info.pad_right,
                                          type == CNN_LAYER_MAXPOOL2D, 0 };
                /* and the registry's options on the same window: dilation (max), explicit pads
                 * with countIncludePad (average), ceil-mode windows past the padded edge */
                cnn_layer_spec spec2 = spec;
                SET(spec2, PADDING, CNN_PAD_EXPLICIT); SET(spec2, PAD_TOP, 1); SET(spec2, PAD_LEFT, 1);
                SET(spec2, PAD_BOTTOM, v % 2); SET(spec2, CEIL_MODE, 1);
                if (type == CNN_LAYER_MAXPOOL2D) { SET(spec2, DILATION_H, 2); SET(spec2, DILATION_W, 1 + v % 2); }
                else SET(spec2, COUNT_INCLUDE_PAD, v % 2);
                cnn_pool_geom g2;
                if (pool_geom(&spec2, 7, 6, c, &g2)) {
                    const size_t in2 = (size_t)7 * 6 * c, out2 = (size_t)g2.OH * g2.OW * c;
                    float *x2 = random_buffer(in2, &seed);
                    float *p0 = (float *)malloc(out2 * sizeof(float)), *p1 = (float *)malloc(out2 * sizeof(float));
                    cnn_kernels_scalar.pool2d(p0, x2, &g2);
                    cnn_kernels_wasmsimd.pool2d(p1, x2, &g2);
                    CHECK(same_bits(p0, p1, out2));
                    pool_backward_same(x2, &g2, &seed);
                    free(x2); free(p0); free(p1);
                }
                const size_t in_n = (size_t)7 * 6 * c, out_n = (size_t)info.out_h * info.out_w * c;
                float *in = random_buffer(in_n, &seed);
                float *o0 = (float *)malloc(out_n * sizeof(float)), *o1 = (float *)malloc(out_n * sizeof(float));
                cnn_kernels_scalar.pool2d(o0, in, &g);
                cnn_kernels_wasmsimd.pool2d(o1, in, &g);
                CHECK(same_bits(o0, o1, out_n));
                pool_backward_same(in, &g, &seed);
                free(in); free(o0); free(o1);
            }
}

static void test_gemv_acc_hand_computed(void) {
    /* y = [1, 2] + [1, 2, 3] · [[1, 0], [0, 1], [1, 1]] = [1 + 1 + 3, 2 + 2 + 3] = [5, 7] */
    const float x[3] = { 1, 2, 3 }, w[6] = { 1, 0, 0, 1, 1, 1 };
    float y0[2] = { 1, 2 }, y1[2] = { 1, 2 };
    cnn_kernels_scalar.gemv_acc(y0, x, w, 3, 2);
    cnn_kernels_wasmsimd.gemv_acc(y1, x, w, 3, 2);
    CHECK(y0[0] == 5 && y0[1] == 7);
    CHECK(y1[0] == 5 && y1[1] == 7);
}

static void test_elementwise_match_scalar(void) {
    unsigned seed = 7;
    for (size_t ni = 0; ni < N_SIZES; ni++) {
        const size_t n = SIZES[ni];
        float *x = random_buffer(n, &seed), *a0 = random_buffer(n, &seed);
        float *a1 = (float *)malloc(n * sizeof(float));
        if (n > 2) { x[1] = -0.0f; x[2] = NAN; a0[0] = NAN; }   /* the odd cases of max/relu */

        memcpy(a1, a0, n * sizeof(float));
        cnn_kernels_scalar.vmax_acc(a0, x, n);
        cnn_kernels_wasmsimd.vmax_acc(a1, x, n);
        CHECK(same_bits(a0, a1, n));

        cnn_kernels_scalar.vadd_acc(a0, x, n);
        cnn_kernels_wasmsimd.vadd_acc(a1, x, n);
        CHECK(same_bits(a0, a1, n));

        cnn_kernels_scalar.vscale(a0, 0.37f, n);
        cnn_kernels_wasmsimd.vscale(a1, 0.37f, n);
        CHECK(same_bits(a0, a1, n));

        cnn_kernels_scalar.relu(a0, x, n);
        cnn_kernels_wasmsimd.relu(a1, x, n);
        CHECK(same_bits(a0, a1, n));
        for (size_t j = 0; j < n; j++) CHECK(a1[j] >= 0.0f && !signbit(a1[j]));
        cnn_kernels_wasmsimd.relu(x, x, n);   /* in place */
        CHECK(same_bits(a1, x, n));

        /* clamp (ReLU6 and others): values below, inside and above [lo, hi], NaN and −0 */
        float *xs = (float *)malloc(n * sizeof(float)), *c0 = (float *)malloc(n * sizeof(float));
        float *c1 = (float *)malloc(n * sizeof(float));
        for (size_t j = 0; j < n; j++) xs[j] = 20.0f * a0[j] - 7.0f;  /* a0: relu's output, ≥ 0 */
        if (n > 3) { xs[1] = -0.0f; xs[2] = NAN; xs[3] = 6.0f; }
        for (int r = 0; r < 2; r++) {
            const float lo = r ? -1.5f : 0.0f, hi = r ? 2.25f : 6.0f;
            cnn_kernels_scalar.clamp(c0, xs, lo, hi, n);
            cnn_kernels_wasmsimd.clamp(c1, xs, lo, hi, n);
            CHECK(same_bits(c0, c1, n));
            for (size_t j = 0; j < n; j++) CHECK(isnan(xs[j]) ? isnan(c1[j]) : c1[j] >= lo && c1[j] <= hi && (xs[j] < lo || xs[j] > hi || c1[j] == xs[j]));
        }
        if (n > 3) CHECK(signbit(c0[1]) && c0[1] == 0.0f && isnan(c0[2]) && c0[3] == 2.25f);   /* r = 1: −0 inside, 6 above */
        memcpy(c0, xs, n * sizeof(float));
        cnn_kernels_wasmsimd.clamp(c0, c0, 0.0f, 6.0f, n);          /* in place */
        cnn_kernels_wasmsimd.clamp(c1, xs, 0.0f, 6.0f, n);
        CHECK(same_bits(c0, c1, n));
        free(xs); free(c0); free(c1);

        /* relu_backward: the gradient where the output is > 0, else +0 (NaN and −0 outputs too) */
        float *y = random_buffer(n, &seed), *d0 = random_buffer(n, &seed);
        float *d1 = (float *)malloc(n * sizeof(float));
        for (size_t j = 0; j < n; j++) y[j] -= 0.5f;
        if (n > 2) { y[1] = -0.0f; y[2] = NAN; }
        memcpy(d1, d0, n * sizeof(float));
        cnn_kernels_scalar.relu_backward(d0, y, n);
        cnn_kernels_wasmsimd.relu_backward(d1, y, n);
        CHECK(same_bits(d0, d1, n));
        for (size_t j = 0; j < n; j++) CHECK(y[j] > 0.0f ? d1[j] != 0.0f || d0[j] == 0.0f : d1[j] == 0.0f && !signbit(d1[j]));
        cnn_kernels_scalar.zero(d0, n);
        cnn_kernels_wasmsimd.zero(d1, n);
        for (size_t j = 0; j < n; j++) CHECK(d0[j] == 0.0f && d1[j] == 0.0f && !signbit(d1[j]));
        free(y); free(d0); free(d1);
        free(x); free(a0); free(a1);
    }
}

/* dw_row: channels below, at, between and above the 4-wide vectors, 1, 5 and 9 taps (9: the
 * weights-in-registers path) at scattered offsets, 1 to 3 pixels a row with and without bias:
 * bit-identical sums (both start from the bias and add the taps in order). */
static void test_dw_row_matches_scalar(void) {
    unsigned seed = 9;
    for (size_t ni = 0; ni < N_SIZES; ni++) {
        const size_t n = SIZES[ni];
        for (size_t taps = 1; taps <= 9; taps += 4)
            for (size_t npix = 1; npix <= 3; npix++)
                for (int with_bias = 0; with_bias < 2; with_bias++) {
                    int32_t off[9];
                    for (size_t t = 0; t < taps; t++) off[t] = (int32_t)(t * (n + 3));   /* rows of n + 3 */
                    const size_t xstep = 2 * n + 1;                                     /* stride 2, odd */
                    float *x = random_buffer((npix - 1) * xstep + taps * (n + 3) + n, &seed);
                    float *w = random_buffer(taps * n, &seed), *bias = random_buffer(n, &seed);
                    float *y0 = random_buffer(npix * n, &seed), *y1 = random_buffer(npix * n, &seed);
                    const float *b = with_bias ? bias : NULL;
                    cnn_kernels_scalar.dw_row(y0, x, off, w, b, taps, n, npix, xstep);
                    cnn_kernels_wasmsimd.dw_row(y1, x, off, w, b, taps, n, npix, xstep);
                    CHECK(same_bits(y0, y1, npix * n));
                    free(x); free(w); free(bias); free(y0); free(y1);
                }
    }
    /* hand-computed: pixel 0: 1 + x[0]·w[0] + x[2]·w[1] = 1 + 2·3 + 4·5 = 27; pixel 1 (step 1):
     * 1 + x[1]·3 + x[3]·5 = 1 + 0 + 5 = 6; no bias: 26 and 5 */
    const float x[4] = { 2, 0, 4, 1 }, w[2] = { 3, 5 }, b[1] = { 1 };
    const int32_t off[2] = { 0, 2 };
    float y[2];
    cnn_kernels_wasmsimd.dw_row(y, x, off, w, b, 2, 1, 2, 1);
    CHECK(y[0] == 27 && y[1] == 6);
    cnn_kernels_wasmsimd.dw_row(y, x, off, w, NULL, 2, 1, 2, 1);
    CHECK(y[0] == 26 && y[1] == 5);
}

static void test_switch_selects_table(void) {
    int was = cnn_use_simd(0);
    CHECK(strcmp(cnn_kernels_name(), "scalar") == 0);
    cnn_use_simd(1);
    CHECK(strcmp(cnn_kernels_name(), "wasmsimd") == 0);
    cnn_use_simd(was);
}

TEST_TABLE(kernel_tests) = {
    { "kernels: gemv_acc hand-computed", test_gemv_acc_hand_computed },
    { "kernels: gemv_acc simd == scalar at tail sizes", test_gemv_acc_matches_scalar },
    { "kernels: vmax/vadd/vscale/relu/relu_backward/zero simd == scalar at tail sizes", test_elementwise_match_scalar },
    { "kernels: ger_acc (exact) and gemv_t_acc (to rounding) simd vs scalar", test_backward_kernels_match_scalar },
    { "kernels: gemm_4x8 simd == scalar for M 1–9, every nr, K, listed and strided", test_gemm_4x8_matches_scalar },
    { "kernels: gemm_4x8_acc simd == scalar for M 1–9, every nr, K 0–17", test_gemm_4x8_accumulate_matches_scalar },
    { "kernels: gemm_4x8_scatter simd == scalar for M 1–9, every nr, K 0–17, overlapping rows", test_gemm_4x8_scatter_matches_scalar },
    { "kernels: cnn_pack_panels_t packs the transpose", test_pack_panels_t },
    { "backward: conv2d gradients (kernel, bias, input) = their definition, scalar and simd", test_conv2d_backward_against_definition },
    { "backward: dense gradients = their definition, batches 1–70, scalar and simd", test_dense_backward_against_definition },
    { "kernels: pool2d and its backward simd == scalar, channels 1–9, valid/same/explicit, dilation, countIncludePad, ties", test_pool2d_matches_scalar },
    { "kernels: dw_row simd == scalar at tail sizes, 1–9 taps, 1–3 pixels, with and without bias", test_dw_row_matches_scalar },
    { "kernels: cnn_use_simd switches the table", test_switch_selects_table },
    TEST_END,
};
