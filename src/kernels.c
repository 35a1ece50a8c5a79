/* kernels.c — the one place that chooses between the scalar and SIMD kernel tables. */
#include "internal.h"
#include "simd128.h"

#ifdef CNN_SIMD_ONLY
/* The shipped wasm module: SIMD kernels only (the scalar twins are compiled into the tests). */
const cnn_kernels *cnn_kernels_current(void) { return &cnn_kernels_wasmsimd; }

int cnn_use_simd(int on) {
    (void)on;
    return 1;
}
#define g_current (&cnn_kernels_wasmsimd)
#else
/* SIMD by default where it is real (wasm -msimd128); the native emulation is for tests. */
static const cnn_kernels *g_current = CNN_SIMD_NATIVE ? &cnn_kernels_wasmsimd : &cnn_kernels_scalar;

const cnn_kernels *cnn_kernels_current(void) { return g_current; }

int cnn_use_simd(int on) {
    int was = g_current == &cnn_kernels_wasmsimd;
    g_current = on ? &cnn_kernels_wasmsimd : &cnn_kernels_scalar;
    return was;
}
#endif

const char *cnn_kernels_name(void) { return g_current->name; }
