/* simd128.h — the WebAssembly SIMD intrinsics the kernels use.
 *
 * In a wasm build with -msimd128 this is <wasm_simd128.h>. Elsewhere it is the same subset
 * written with GCC/Clang vector extensions, with the same semantics (IEEE lanes, no fused
 * multiply-add: the native builds use -ffp-contract=off), so kernels-wasmsimd.c also compiles
 * natively: its tails are tested under AddressSanitizer against the scalar reference, and the
 * native trainer (make weights) runs it at SSE speed. The kernels' contract is that SIMD and
 * scalar give the same bits, so which one a native program runs never changes its results. */
#ifndef CNN_SIMD128_H
#define CNN_SIMD128_H

#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
#define CNN_SIMD_NATIVE 1
#else
#include <stdint.h>
#include <string.h>
#define CNN_SIMD_NATIVE 0

typedef float v128_t __attribute__((vector_size(16)));        /* 4 float lanes */
typedef int32_t cnn_i32x4 __attribute__((vector_size(16)));   /* the same bytes as 4 int lanes */
typedef uint64_t cnn_u64x2 __attribute__((vector_size(16)));

/* Loads and stores go through memcpy: unaligned, and a sanitizer sees all 16 bytes touched. */
static inline v128_t wasm_v128_load(const void *p) { v128_t v; memcpy(&v, p, 16); return v; }
static inline void wasm_v128_store(void *p, v128_t v) { memcpy(p, &v, 16); }
static inline void wasm_v128_store64_lane(void *p, v128_t v, int lane) { memcpy(p, (const char *)&v + 8 * lane, 8); }
static inline void wasm_v128_store32_lane(void *p, v128_t v, int lane) { memcpy(p, (const char *)&v + 4 * lane, 4); }
static inline v128_t wasm_f32x4_splat(float a) { return (v128_t){ a, a, a, a }; }
static inline v128_t wasm_f32x4_add(v128_t a, v128_t b) { return a + b; }
static inline v128_t wasm_f32x4_mul(v128_t a, v128_t b) { return a * b; }
/* Lane masks: all ones where true, all zeros where false (a vector comparison gives that). */
static inline v128_t wasm_f32x4_gt(v128_t a, v128_t b) { return (v128_t)(a > b); }
static inline v128_t wasm_i32x4_make(int32_t a, int32_t b, int32_t c, int32_t d) { return (v128_t)(cnn_i32x4){ a, b, c, d }; }
static inline v128_t wasm_i32x4_splat(int32_t a) { return wasm_i32x4_make(a, a, a, a); }
static inline v128_t wasm_i32x4_gt(v128_t a, v128_t b) { return (v128_t)((cnn_i32x4)a > (cnn_i32x4)b); }
static inline v128_t wasm_i32x4_eq(v128_t a, v128_t b) { return (v128_t)((cnn_i32x4)a == (cnn_i32x4)b); }
static inline v128_t wasm_v128_and(v128_t a, v128_t b) { return (v128_t)((cnn_i32x4)a & (cnn_i32x4)b); }
/* (a & mask) | (b & ~mask) */
static inline v128_t wasm_v128_bitselect(v128_t a, v128_t b, v128_t mask) {
    const cnn_i32x4 m = (cnn_i32x4)mask;
    return (v128_t)(((cnn_i32x4)a & m) | ((cnn_i32x4)b & ~m));
}
/* pmax(a, b) = a < b ? b : a  (the "pseudo-max" of the wasm SIMD spec: a NaN in b is not taken) */
static inline v128_t wasm_f32x4_pmax(v128_t a, v128_t b) { return wasm_v128_bitselect(b, a, (v128_t)(a < b)); }
/* pmin(a, b) = b < a ? b : a */
static inline v128_t wasm_f32x4_pmin(v128_t a, v128_t b) { return wasm_v128_bitselect(b, a, (v128_t)(b < a)); }
/* the 64-bit lanes i and j of a and b (i, j < 2: a; 2, 3: b) */
static inline v128_t wasm_i64x2_shuffle(v128_t a, v128_t b, int i, int j) {
    const cnn_u64x2 x = (cnn_u64x2)a, y = (cnn_u64x2)b;
    return (v128_t)(cnn_u64x2){ i < 2 ? x[i] : y[i - 2], j < 2 ? x[j] : y[j - 2] };
}
static inline int wasm_v128_any_true(v128_t a) {
    const cnn_u64x2 x = (cnn_u64x2)a;
    return (x[0] | x[1]) != 0;
}
#endif

#endif /* CNN_SIMD128_H */
