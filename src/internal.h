/* internal.h — what the engine's source files share and users never see: the model struct,
 * the error setter, the kernel table and the layer forward functions. */
#ifndef CNN_INTERNAL_H
#define CNN_INTERNAL_H

#include "cnn.h"

#include <assert.h>
#include <stdarg.h>
#include <stdbool.h>

/* ─── Errors ────────────────────────────────────────────────────────────────────────────── */
/* Records a message and returns `status`, so failures read `return cnn_fail(…)`.
 * Formats understood: %d (int), %u (unsigned), %s, %llu (unsigned long long), %%. */
cnn_status cnn_fail(cnn_status status, const char *fmt, ...);
void cnn_clear_error(void);
/* Writes a formatted message into buf (always NUL-terminated); the formats of cnn_fail. */
void cnn_vformat(char *buf, size_t cap, const char *fmt, va_list ap);
void cnn_format(char *buf, size_t cap, const char *fmt, ...);

/* ─── The model ─────────────────────────────────────────────────────────────────────────── */
typedef struct cnn_layer {
    cnn_layer_info info;
    size_t kernel_offset;   /* into model->params (floats)                                  */
    size_t bias_offset;
    size_t out_size;        /* values of one image's output                                 */
    size_t out_offset;      /* into the activation block, per image (floats, 16-byte aligned);
                               the batch buffer starts at out_offset * capacity              */
} cnn_layer;

/* A model is its description (this struct and its layers, one allocation, never moves) and
 * one block of floats: [parameters | activations for `capacity` images]. The block is sized
 * by the sizing pass and re-allocated only when cnn_model_reserve asks for a larger batch;
 * kernels and forward passes never allocate. Metadata bytes, if any, are a third allocation. */
struct cnn_model {
    int32_t in_h, in_w, in_c;
    int32_t n_layers;
    cnn_layer *layers;      /* n_layers, in the same allocation as the struct                */
    float *block;           /* params_floats + act_per_image * capacity floats              */
    size_t params_floats;   /* the parameters' part of the block (n_params, 16-byte rounded) */
    float *params;          /* == block                                                      */
    size_t n_params;
    size_t in_size;         /* values of one input image                                    */
    size_t act_per_image;   /* floats of activations per image: input + every layer output  */
    int32_t capacity;       /* images the block has room for (0 before reserve)             */
    float *acts;            /* block + params_floats, or NULL before reserve                */
    uint8_t *meta;          /* metadata bytes (META section encoding), or NULL              */
    size_t meta_size;
};

/* Shape inference for one layer: fills info (shapes, padding, parameter counts) from
 * info->spec and the input shape, or fails naming layer `index`. */
cnn_status cnn_layer_infer(cnn_layer_info *info, int32_t index, int32_t in_rank, int32_t in_h,
                           int32_t in_w, int32_t in_c);
/* Builds a model from specs (no weights initialised). Shared by create and load. */
cnn_status cnn_model_build(cnn_model **out, int32_t in_h, int32_t in_w, int32_t in_c,
                           const cnn_layer_spec *layers, int32_t n_layers);
/* Validates META bytes (docs/model-format.md): counts, lengths, UTF-8-agnostic. */
cnn_status cnn_metadata_check(const uint8_t *bytes, size_t size);

/* ─── Kernels ───────────────────────────────────────────────────────────────────────────── */
/* The SIMD-able inner loops. Each has a scalar reference (kernels-scalar.c) and a
 * WebAssembly SIMD twin (kernels-wasmsimd.c) with the same signature and results:
 * bit-identical for max/relu/copy, within float rounding of reordered sums for the rest. */
typedef struct cnn_kernels {
    const char *name;
    /* y[j] += Σ_{r<k} x[r] · w[r·n + j]   for j < n.   x (k), w (k, n) row-major, y (n).
     * The core of conv2d (one kernel row of one output pixel) and dense. */
    void (*gemv_acc)(float *y, const float *x, const float *w, size_t k, size_t n);
    /* m[j] = x[j] > m[j] ? x[j] : m[j]   (a NaN in x never wins) */
    void (*vmax_acc)(float *m, const float *x, size_t n);
    /* s[j] += x[j] */
    void (*vadd_acc)(float *s, const float *x, size_t n);
    /* y[j] *= a */
    void (*vscale)(float *y, float a, size_t n);
    /* y[j] = x[j] > 0 ? x[j] : 0   (in place allowed) */
    void (*relu)(float *y, const float *x, size_t n);
} cnn_kernels;

extern const cnn_kernels cnn_kernels_scalar;
extern const cnn_kernels cnn_kernels_wasmsimd;
/* The table forward passes use now (see cnn_use_simd). */
const cnn_kernels *cnn_kernels_current(void);

/* ─── Layer forward passes ──────────────────────────────────────────────────────────────── */
/* Each maps n images of its input shape to n images of its output shape (NHWC) and applies
 * the layer's activation. They never allocate. */
void cnn_conv2d_forward(const cnn_kernels *k, float *out, const float *in, const float *kernel,
                        const float *bias, const cnn_layer_info *info, int32_t n);
void cnn_pool2d_forward(const cnn_kernels *k, float *out, const float *in,
                        const cnn_layer_info *info, int32_t n);
void cnn_global_pool2d_forward(const cnn_kernels *k, float *out, const float *in,
                               const cnn_layer_info *info, int32_t n);
void cnn_dense_forward(const cnn_kernels *k, float *out, const float *in, const float *kernel,
                       const float *bias, const cnn_layer_info *info, int32_t n);
/* Applies `act` to n_rows rows of `width` values: y = act(x), in place allowed.
 * Softmax is over each row. */
void cnn_activation_forward(const cnn_kernels *k, float *y, const float *x, int32_t act,
                            size_t n_rows, size_t width);

#endif /* CNN_INTERNAL_H */
