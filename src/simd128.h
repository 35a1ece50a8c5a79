/* simd128.h — the WebAssembly SIMD intrinsics the kernels use.
 *
 * In a wasm build with -msimd128 this is <wasm_simd128.h>. Elsewhere it is a portable C
 * emulation of the same subset, with the same semantics, so kernels-wasmsimd.c also compiles
 * natively and its tails are tested under AddressSanitizer against the scalar reference.
 * (The emulation is for testing, not speed; native builds use the scalar kernels.) */
#ifndef CNN_SIMD128_H
#define CNN_SIMD128_H

#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
#define CNN_SIMD_NATIVE 1
#else
#include <string.h>
#define CNN_SIMD_NATIVE 0

typedef struct { float f[4]; } v128_t;

/* Loads and stores go through memcpy so a sanitizer sees all 16 bytes touched. */
static inline v128_t wasm_v128_load(const void *p) { v128_t v; memcpy(&v, p, 16); return v; }
static inline void wasm_v128_store(void *p, v128_t v) { memcpy(p, &v, 16); }
static inline v128_t wasm_f32x4_splat(float a) { v128_t v = { { a, a, a, a } }; return v; }
static inline v128_t wasm_f32x4_add(v128_t a, v128_t b) {
    for (int i = 0; i < 4; i++) a.f[i] += b.f[i];
    return a;
}
static inline v128_t wasm_f32x4_mul(v128_t a, v128_t b) {
    for (int i = 0; i < 4; i++) a.f[i] *= b.f[i];
    return a;
}
/* pmax(a, b) = a < b ? b : a  (the "pseudo-max" of the wasm SIMD spec) */
static inline v128_t wasm_f32x4_pmax(v128_t a, v128_t b) {
    for (int i = 0; i < 4; i++) a.f[i] = a.f[i] < b.f[i] ? b.f[i] : a.f[i];
    return a;
}
static inline void wasm_v128_store64_lane(void *p, v128_t v, int lane) { memcpy(p, &v.f[2 * lane], 8); }
static inline void wasm_v128_store32_lane(void *p, v128_t v, int lane) { memcpy(p, &v.f[lane], 4); }
/* the 64-bit lanes i and j of a and b (i, j < 2: a; 2, 3: b) */
static inline v128_t wasm_i64x2_shuffle(v128_t a, v128_t b, int i, int j) {
    v128_t r;
    const float *src[4] = { &a.f[0], &a.f[2], &b.f[0], &b.f[2] };
    memcpy(&r.f[0], src[i], 8);
    memcpy(&r.f[2], src[j], 8);
    return r;
}
#endif

#endif /* CNN_SIMD128_H */
