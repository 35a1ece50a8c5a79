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
 * one block of floats (layout in model.c: parameters, training state, activations). The
 * block is sized by the sizing pass and re-allocated only when a larger batch is reserved or
 * training is set up; kernels, forward and training steps never allocate. Metadata bytes, if
 * any, are a third allocation. */
struct cnn_model {
    int32_t in_h, in_w, in_c;
    int32_t n_layers;
    cnn_layer *layers;      /* n_layers, in the same allocation as the struct                */
    float *block;           /* see block_floats() in model.c                                 */
    size_t params_floats;   /* the parameters' part of the block (n_params, 16-byte rounded) */
    float *params;          /* == block                                                      */
    size_t n_params;
    size_t in_size;         /* values of one input image                                    */
    size_t act_per_image;   /* floats of activations per image: input + every layer output  */
    int32_t capacity;       /* images the block has room for (0 before reserve)             */
    float *acts;            /* the input and every layer's output (capacity images)         */
    float *logits;          /* the last layer's output before its activation                */
    uint8_t *meta;          /* metadata bytes (META section encoding), or NULL              */
    size_t meta_size;
    float *targets;         /* room for capacity images' labels or targets (callers' use)   */
    float *work;            /* workspace of the layer being run (work_floats: the largest)   */
    size_t work_floats;
    /* Training memory (after cnn_model_set_optimizer or cnn_model_gradients) */
    bool training;
    bool has_optimizer;     /* set by cnn_model_set_optimizer (or a file's OPTM section)    */
    float *grads;           /* ∂L/∂params, laid out like params                             */
    float *opt_m, *opt_v;   /* Adam: first and second moments; SGD: velocity in opt_m       */
    float *dacts;           /* ∂L/∂ every activation, laid out like acts                    */
    cnn_optimizer opt;
    uint32_t step;          /* optimizer steps taken                                        */
};

/* Re-allocates the block for `capacity` images, with or without training state. */
cnn_status cnn_model_resize_block(cnn_model *m, int32_t capacity, bool training);
/* The forward pass proper (n checked by the caller); keeps the logits. */
void cnn_model_run(cnn_model *m, int32_t n);

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
 * bit-identical, except gemv_t_acc whose dot products are reassociated (float rounding). */
typedef struct cnn_kernels {
    const char *name;
    /* The register-blocked core of conv2d and dense: M output rows × up to 8 columns, in
     * tiles of 4 rows whose accumulators stay in registers,
     *   c[m·ldc + j] = bias8[j] + Σ_{k<K} a_m[o(k)] · b[8·k + j]     for m < M, j < nr ≤ 8.
     * Two layouts (the SIMD twin implements exactly these two):
     *  - listed (convolution): row m is an output pixel, a_m = base + ind[m] where its window
     *    starts, and tap k (ky, kx, c) lies at o(k) = off[k]: the input is read in place (an
     *    implicit GEMM with an indirection list and an offset table, no im2col copy);
     *  - strided (dense): ind and off NULL, row m is an image, a_m = base + m·mstride, o(k) = k.
     * b is a packed weight panel (cnn_pack_panels): 8 values per k, zero beyond the layer's
     * columns; bias8 the panel's 8 biases. relu: store max(c, 0) (the layer's ReLU, fused). */
    void (*gemm_4x8)(float *c, size_t ldc, const float *base, const int32_t *ind, size_t mstride,
                     size_t M, const int32_t *off, size_t K,
                     const float *bias8, const float *b, size_t nr, int relu);
    /* y[j] += Σ_{r<k} x[r] · w[r·n + j]   for j < n.   x (k), w (k, n) row-major, y (n).
     * One image through dense (batch 1), and conv2d pixels the tiles do not cover. */
    void (*gemv_acc)(float *y, const float *x, const float *w, size_t k, size_t n);
    /* One image of max/avg pooling (info: maxpool2d or avgpool2d), window rules of pool2d.c. */
    void (*pool2d)(float *out, const float *in, const cnn_layer_info *info);
    /* w[r·n + j] += x[r] · dy[j]   (outer product; kernel gradients of conv2d and dense) */
    void (*ger_acc)(float *w, const float *x, const float *dy, size_t k, size_t n);
    /* dx[r] += Σ_j w[r·n + j] · dy[j]   (input gradients; SIMD sums are reassociated) */
    void (*gemv_t_acc)(float *dx, const float *w, const float *dy, size_t k, size_t n);
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

/* Packs a (K, N) kernel and its N biases for gemm_4x8: ceil(N/8) panels of
 * CNN_PANEL_FLOATS(K) floats, each 8 biases then K rows of 8 weights, zero-padded. */
#define CNN_PANEL_FLOATS(K) (8 + 8 * (size_t)(K))
void cnn_pack_panels(float *dst, const float *kernel, const float *bias, size_t K, size_t N);

/* ─── Layer forward and backward passes ──────────────────────────────────────────────────── */
/* Forward maps n images of its input shape to n images of its output shape (NHWC), before the
 * layer's activation (the model applies it). Backward takes dz = ∂L/∂(that pre-activation
 * output) and accumulates (+=) into the parameter gradients and, when din is not NULL, into
 * ∂L/∂input. None of them allocates. */
/* `work`: cnn_layer_work_floats(info) floats of workspace. relu: apply ReLU to the output
 * (fused into the tiles' stores; the model does this instead of a separate pass). */
void cnn_conv2d_forward(const cnn_kernels *k, float *out, const float *in, const float *kernel,
                        const float *bias, const cnn_layer_info *info, int32_t n, float *work, int relu);
void cnn_pool2d_forward(const cnn_kernels *k, float *out, const float *in,
                        const cnn_layer_info *info, int32_t n);
void cnn_global_pool2d_forward(const cnn_kernels *k, float *out, const float *in,
                               const cnn_layer_info *info, int32_t n);
void cnn_dense_forward(const cnn_kernels *k, float *out, const float *in, const float *kernel,
                       const float *bias, const cnn_layer_info *info, int32_t n, float *work, int relu);
/* Floats of workspace a layer's forward pass needs: its packed weights, and for a padded
 * conv2d a zero-bordered copy of one input image (0 for layers without weights). */
size_t cnn_layer_work_floats(const cnn_layer_info *info);
void cnn_conv2d_backward(const cnn_kernels *k, float *din, float *dkernel, float *dbias,
                         const float *dz, const float *in, const float *kernel,
                         const cnn_layer_info *info, int32_t n);
void cnn_dense_backward(const cnn_kernels *k, float *din, float *dkernel, float *dbias,
                        const float *dz, const float *in, const float *kernel,
                        const cnn_layer_info *info, int32_t n);
/* Pooling backward needs the forward's input (max: which cell won). */
void cnn_pool2d_backward(float *din, const float *dz, const float *in,
                         const cnn_layer_info *info, int32_t n);
void cnn_global_pool2d_backward(float *din, const float *dz, const float *in,
                                const cnn_layer_info *info, int32_t n);
/* Applies `act` to n_rows rows of `width` values: y = act(x), in place allowed.
 * Softmax is over each row. */
void cnn_activation_forward(const cnn_kernels *k, float *y, const float *x, int32_t act,
                            size_t n_rows, size_t width);
/* dx = ∂L/∂x from dy = ∂L/∂y and y = act(x) (in place allowed). */
void cnn_activation_backward(float *dx, const float *dy, const float *y, int32_t act,
                             size_t n_rows, size_t width);

#endif /* CNN_INTERNAL_H */
