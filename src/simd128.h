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
#include <stdint.h>
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
/* Integer lanes and masks (all ones / all zeros per lane), on the same 16 bytes. */
static inline v128_t cnn_v128_from_u32(const uint32_t u[4]) { v128_t v; memcpy(&v, u, 16); return v; }
static inline void cnn_v128_to_u32(uint32_t u[4], v128_t v) { memcpy(u, &v, 16); }
static inline v128_t wasm_i32x4_make(int32_t a, int32_t b, int32_t c, int32_t d) {
    const uint32_t u[4] = { (uint32_t)a, (uint32_t)b, (uint32_t)c, (uint32_t)d };
    return cnn_v128_from_u32(u);
}
static inline v128_t wasm_i32x4_splat(int32_t a) { return wasm_i32x4_make(a, a, a, a); }
static inline v128_t wasm_i32x4_gt(v128_t a, v128_t b) {
    uint32_t x[4], y[4], r[4];
    cnn_v128_to_u32(x, a); cnn_v128_to_u32(y, b);
    for (int i = 0; i < 4; i++) r[i] = (int32_t)x[i] > (int32_t)y[i] ? 0xFFFFFFFFu : 0u;
    return cnn_v128_from_u32(r);
}
static inline v128_t wasm_i32x4_eq(v128_t a, v128_t b) {
    uint32_t x[4], y[4], r[4];
    cnn_v128_to_u32(x, a); cnn_v128_to_u32(y, b);
    for (int i = 0; i < 4; i++) r[i] = x[i] == y[i] ? 0xFFFFFFFFu : 0u;
    return cnn_v128_from_u32(r);
}
static inline v128_t wasm_f32x4_gt(v128_t a, v128_t b) {
    uint32_t r[4];
    for (int i = 0; i < 4; i++) r[i] = a.f[i] > b.f[i] ? 0xFFFFFFFFu : 0u;
    return cnn_v128_from_u32(r);
}
static inline v128_t wasm_v128_and(v128_t a, v128_t b) {
    uint32_t x[4], y[4];
    cnn_v128_to_u32(x, a); cnn_v128_to_u32(y, b);
    for (int i = 0; i < 4; i++) x[i] &= y[i];
    return cnn_v128_from_u32(x);
}
/* (a & mask) | (b & ~mask) */
static inline v128_t wasm_v128_bitselect(v128_t a, v128_t b, v128_t mask) {
    uint32_t x[4], y[4], m[4];
    cnn_v128_to_u32(x, a); cnn_v128_to_u32(y, b); cnn_v128_to_u32(m, mask);
    for (int i = 0; i < 4; i++) x[i] = (x[i] & m[i]) | (y[i] & ~m[i]);
    return cnn_v128_from_u32(x);
}
static inline int wasm_v128_any_true(v128_t a) {
    uint32_t x[4];
    cnn_v128_to_u32(x, a);
    return (x[0] | x[1] | x[2] | x[3]) != 0;
}
#endif

#endif /* CNN_SIMD128_H */
