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
 * Formats understood: %d (int), %u (unsigned), %s, %llu (unsigned long long), %g (double,
 * 6 significant digits), %%. */
cnn_status cnn_fail(cnn_status status, const char *fmt, ...);
void cnn_clear_error(void);
/* Writes a formatted message into buf (always NUL-terminated); the formats of cnn_fail. */
void cnn_vformat(char *buf, size_t cap, const char *fmt, va_list ap);
void cnn_format(char *buf, size_t cap, const char *fmt, ...);

/* ─── Kernels ───────────────────────────────────────────────────────────────────────────── */
/* Code around the kernels that runs once per call, not per value (tables, layouts, the loops
 * that call kernels): built for size (clang's minsize) in files the wasm build compiles at -O2
 * for their inner loops. */
#if defined(__clang__)
#define CNN_SETUP __attribute__((minsize))
#else
#define CNN_SETUP
#endif

/* The SIMD-able inner loops. Each has a scalar reference (kernels-scalar.c) and a
 * WebAssembly SIMD twin (kernels-wasmsimd.c) with the same signature and results:
 * bit-identical, except gemv_t_acc whose dot products are reassociated (float rounding). */
/* Where pooling windows lie: input (H, W, C) → output (OH, OW, C); window KH×KW with
 * dilation DH×DW (max only), stride SH×SW; window (oy, ox) starts at (oy·SH − PT, ox·SW − PL).
 * Max: padded cells never win. Average: divides by the cells inside the input, or with
 * count_include_pad by the window's cells inside the padded input (H + PT + PB, W + PL + PR)
 * (PyTorch's rule). Every window holds at least one input cell (shape inference checks it). */
typedef struct cnn_pool_geom {
    int32_t H, W, C, OH, OW;
    int32_t KH, KW, SH, SW, DH, DW;
    int32_t PT, PB, PL, PR;
    int32_t is_max, count_include_pad;
} cnn_pool_geom;

/* The cells of one pooling window along an axis: from `first` in steps of `step` up to (not
 * including) `end`, all inside [0, size); `count` of them. */
static inline void cnn_window_cells(int32_t start, int32_t k, int32_t d, int32_t size,
                                    int32_t *first, int32_t *end, int32_t *count) {
    int32_t a = 0, b = k;                          /* taps a … b − 1 */
    if (start < 0) a = (-start + d - 1) / d;
    if (start > size - 1) b = 0;
    else if (start + (b - 1) * d >= size) b = (size - 1 - start) / d + 1;
    if (b < a) b = a;
    *first = start + a * d;
    *end = start + b * d;
    *count = b - a;
}

/* An average's divisor for output (oy, ox) whose window holds `inside` input cells. */
static inline int32_t cnn_pool_divisor(const cnn_pool_geom *g, int32_t oy, int32_t ox, int32_t inside) {
    if (!g->count_include_pad) return inside;
    /* the window clipped to the padded input (PyTorch: hend = min(hstart + k, H + pad)) */
    const int32_t y0 = oy * g->SH - g->PT, x0 = ox * g->SW - g->PL;
    const int32_t y1 = y0 + g->KH < g->H + g->PB ? y0 + g->KH : g->H + g->PB;
    const int32_t x1 = x0 + g->KW < g->W + g->PR ? x0 + g->KW : g->W + g->PR;
    const int32_t ya = y0 > -g->PT ? y0 : -g->PT, xa = x0 > -g->PL ? x0 : -g->PL;
    return (y1 - ya) * (x1 - xa);
}

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
     * columns; bias8 the panel's 8 biases. relu: store max(c, 0) (the layer's ReLU, fused).
     * gemm_4x8_acc accumulates instead (below). */
    void (*gemm_4x8)(float *c, size_t ldc, const float *base, const int32_t *ind, size_t mstride,
                     size_t M, const int32_t *off, size_t K,
                     const float *bias8, const float *b, size_t nr, int relu);
    /* gemm_4x8 accumulating, for the backward passes: the same tiles, the listed layout only
     * (rows a_m = base + ind[m], o(k) = off[k], both tables given),
     *   c[m·ldc + j] += Σ_{k<K} a_m[o(k)] · b[8·k + j]               for m < M, j < nr ≤ 8,
     * the sum starting from c's value and adding the products in k order; no bias, no ReLU.
     * Kernel gradients use it with the roles swapped: the tile rows are taps (conv2d: ind the
     * taps' offsets) or inputs (dense: ind = 0 … I−1), the sum runs over output pixels (off:
     * where each pixel's window starts) or images (off: I apart), and b is the packed
     * ∂L/∂output (8 filters or units per pixel or image): dkernel += Xᵀ · dZ. Dense's input
     * gradient: rows of ∂L/∂output (ind: U apart, off = 0 … U−1) times the packed transposed
     * kernel (cnn_pack_panels_t): dX += dZ · Wᵀ. (A table entry of its own: the forward
     * passes' gemm_4x8 measured slower in V8 once it also dispatched to these.) */
    void (*gemm_4x8_acc)(float *c, size_t ldc, const float *base, const int32_t *ind, size_t M,
                         const int32_t *off, size_t K, const float *b, size_t nr);
    /* The input gradient of a convolution, the GEMM and the col2im in one: M rows (output
     * pixels) × nr ≤ 8 columns (taps of the same run of a window, contiguous in the input),
     *   c[cind[m] + j] += Σ_{k<K} a[aind[m] + k] · b[8·k + j]      for m < M, j < nr,
     * with a the rows of ∂L/∂output (K filters each), b a packed panel of the transposed kernel
     * (8 values per filter k), cind[m] where pixel m's window starts. Each row's sum is formed
     * first (from zero, in k order) and then added, row after row in m order: rows may overlap
     * (neighbouring windows do; the lists let the caller order them so that they rarely do).
     * Tiles of 4 rows, as gemm_4x8. */
    void (*gemm_4x8_scatter)(float *c, const int32_t *cind, const float *a, const int32_t *aind, size_t M,
                             size_t K, const float *b, size_t nr);
    /* y[j] += Σ_{r<k} x[r] · w[r·n + j]   for j < n.   x (k), w (k, n) row-major, y (n).
     * One image through dense (batch 1), and conv2d pixels the tiles do not cover. */
    void (*gemv_acc)(float *y, const float *x, const float *w, size_t k, size_t n);
    /* One image of max/avg pooling, the window rules of pool2d.c (cnn_pool_geom). */
    void (*pool2d)(float *out, const float *in, const struct cnn_pool_geom *g);
    /* Its backward, one image: din (H, W, C) += each input cell's share of dz (OH, OW, C).
     * Max: the whole dz to the cell that won the forward max, found again by the forward's
     * rule (window order; a later cell wins only if strictly greater), so the forward stores
     * no argmax. Average: dz / divisor to each cell inside the input. Output cells in (oy, ox)
     * order, so overlapping windows add in the same order in both twins (bit-identical). */
    void (*pool2d_backward)(float *din, const float *in, const float *dz, const struct cnn_pool_geom *g);
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
    /* y[j] = x[j] < lo ? lo : x[j] > hi ? hi : x[j]   (in place allowed; NaN and −0 stay):
     * ReLU6 is clamp(0, 6) */
    void (*clamp)(float *y, const float *x, float lo, float hi, size_t n);
    /* its backward, in place: d[j] = y[j] > 0 ? d[j] : 0   (y: the ReLU's output) */
    void (*relu_backward)(float *d, const float *y, size_t n);
    /* x[j] = 0 for j < n: the gradients' buffers before a step (stores of 16 bytes; this
     * build's memset has no bulk memory and runs a byte-and-word loop) */
    void (*zero)(float *x, size_t n);
    /* One output row of a depthwise convolution, one filter per channel (n channels, npix
     * pixels; pixel p's window starts at x + p·xstep, its tap t at offset off[t]):
     *   y[p·n + j] = b[j] + Σ_{t<taps} x[p·xstep + off[t] + j] · w[t·n + j]
     * the taps added in t order after the bias (b NULL: +0). */
    void (*dw_row)(float *y, const float *x, const int32_t *off, const float *w, const float *b,
                   size_t taps, size_t n, size_t npix, size_t xstep);
} cnn_kernels;

extern const cnn_kernels cnn_kernels_scalar;
extern const cnn_kernels cnn_kernels_wasmsimd;
/* The table forward passes use now (see cnn_use_simd). */
const cnn_kernels *cnn_kernels_current(void);

/* Packs a (K, N) kernel (rows ldb floats apart) and its N biases (NULL: zeros) for gemm_4x8:
 * ceil(N/8) panels of CNN_PANEL_FLOATS(K) floats, each 8 biases then K rows of 8 weights,
 * zero-padded. */
#define CNN_PANEL_FLOATS(K) (8 + 8 * (size_t)(K))
void cnn_pack_panels(float *dst, const float *kernel, size_t ldb, const float *bias, size_t K, size_t N);
/* The same panels (zero biases) of the transpose: B (K, N) with B[k][j] = kernel[j·ldb + k],
 * i.e. a (N, K) matrix with rows ldb floats apart, read down its columns (the input gradients
 * of conv2d and dense multiply by the transposed kernel). */
void cnn_pack_panels_t(float *dst, const float *kernel, size_t ldb, size_t K, size_t N);

/* ─── Layer types: the registry ─────────────────────────────────────────────────────────
 * A layer type is one cnn_layer_def, defined in its own source file (conv2d.c, dense.c, …)
 * and listed once in registry.c. The model's driver (model.c: sizing and the block; init.c;
 * forward.c; training.c) walks these descriptors and never switches on the type. */

typedef union cnn_value { int32_t i; float f; } cnn_value;

/* Float option bounds that mean "positive" (> 0) and "finite". */
#define CNN_FLOAT_TINY 1e-30f
#define CNN_FLOAT_HUGE 1e30f

/* An option a layer type takes, its default and the range of its values (ints: [min, max];
 * floats: [fmin, fmax], NaN never allowed). `name` is the option as users write it. */
typedef struct cnn_option_rule {
    int32_t key;
    const char *name;
    cnn_value def;
    int32_t min, max;
    float fmin, fmax;
    bool fmax_open;             /* floats: the range is [fmin, fmax), e.g. a dropout rate    */
} cnn_option_rule;

typedef enum cnn_init { CNN_INIT_ZEROS = 0, CNN_INIT_ONES = 1, CNN_INIT_FAN = 2 } cnn_init;

/* A parameter tensor as a layer type declares it. */
typedef struct cnn_tensor_def {
    const char *name;           /* "kernel", "bias", "gamma", "movingMean", … (the JS names)  */
    cnn_tensor_info info;       /* size, shape, trainable                                    */
    bool decay;                 /* L2 weight decay applies (kernels)                         */
    int32_t init;               /* cnn_init; FAN: He-uniform before relu, else Glorot-uniform */
    double fan_in, fan_out;     /* for FAN                                                   */
} cnn_tensor_def;

typedef struct cnn_layer cnn_layer;
typedef struct cnn_layer_def cnn_layer_def;

/* A tensor's shape as shape inference sees it: rank 3 (h, w, c), or rank 1 (c) with h = w = 1. */
typedef struct cnn_shape { int32_t rank, h, w, c; } cnn_shape;

struct cnn_layer {
    const cnn_layer_def *def;
    int32_t n_inputs;              /* ≥ 1: its inputs, resolved (CNN_INPUT: the model input) */
    int32_t inputs[CNN_MAX_INPUTS];
    int32_t in_size[CNN_MAX_INPUTS]; /* values per image of each input                      */
    const cnn_shape *in_shape;     /* the inputs' shapes: during shape inference only (NULL
                                      after; info.in_* keeps the first)                      */
    int32_t consumers;             /* layers that read its output                            */
    cnn_value opt[CNN_OPT_COUNT];  /* every option, resolved (defaults filled in)            */
    cnn_layer_info info;           /* shapes, resolved padding, parameter counts             */
    cnn_tensor_def tensor[CNN_MAX_TENSORS];
    size_t tensor_offset[CNN_MAX_TENSORS]; /* into model->params                             */
    size_t out_size;               /* values of one image's output                           */
    size_t out_offset;             /* into the activation block, per image (floats, 16-byte
                                      aligned); the batch buffer starts at out_offset·capacity */
    size_t saved_floats;           /* training: what forward keeps for backward (per batch of
                                      `capacity`, see cnn_layer_def.saved_floats)            */
    size_t saved_offset;           /* into model->saved                                      */
    bool keep_preact;              /* training: the output before the activation is kept (the
                                      activation's derivative needs x, not only y)            */
    size_t preact_offset;          /* into model->preacts, per image like out_offset         */
};

/* What a layer's forward or backward pass is given: its description, its input and output
 * for n images (NHWC), its tensors, a workspace, and whether this is a training pass. */
typedef struct cnn_layer_run {
    const cnn_kernels *k;
    const cnn_layer *L;
    int32_t n;                     /* images                                                 */
    const float *in;               /* (n, in shape): the first input                        */
    const float *ins[CNN_MAX_INPUTS]; /* every input (L->n_inputs), ins[0] == in             */
    float *out;                    /* (n, out shape), before the layer's activation          */
    float *t[CNN_MAX_TENSORS];     /* the layer's tensors                                    */
    float *work;                   /* L->def->work_floats(L) floats, shared between layers   */
    float *saved;                  /* training: L->saved_floats floats, forward → backward    */
    bool training;                 /* batch statistics, dropout                              */
    bool fuse_relu;                /* forward: apply ReLU in the stores (CNN_DEF_FUSES_RELU)  */
    uint32_t seed;                 /* training: this layer's randomness for this step        */
    /* backward only */
    const float *dz;               /* ∂L/∂out (n, out shape)                                 */
    float *din;                    /* ∂L/∂in (n, in shape): accumulate (+=); NULL: not needed */
    float *dins[CNN_MAX_INPUTS];   /* ∂L/∂ every input, dins[0] == din; an input read by several
                                      layers gets the sum of their contributions          */
    float *dt[CNN_MAX_TENSORS];    /* ∂L/∂tensor, zeroed, accumulate; NULL for state tensors  */
} cnn_layer_run;

enum {
    CNN_DEF_FUSES_RELU = 1,        /* forward applies ReLU itself when run->fuse_relu        */
    CNN_DEF_SHARES_INPUT = 2,      /* linear, its output is its input (flatten): same memory */
    CNN_DEF_NEEDS_RANK3 = 4,       /* input must be (h, w, c)                                */
    CNN_DEF_MERGE = 8,             /* takes 2 or more inputs (add, concat, multiply)         */
};

struct cnn_layer_def {
    int32_t type;
    const char *name;
    uint32_t flags;                /* CNN_DEF_*                                              */
    const cnn_option_rule *options;/* the options it takes besides activation/alpha/beta     */
    int32_t n_options;
    /* Shape inference: from L->opt and L->info's input shape, fills the output shape, the
     * resolved padding and the tensors (L->tensor, L->info.n_tensors), or fails naming layer
     * `index` and the rule. Option ranges are already checked. */
    cnn_status (*infer)(cnn_layer *L, int32_t index);
    /* Floats of workspace the forward and backward passes need (NULL: none). */
    size_t (*work_floats)(const cnn_layer *L);
    /* Training: floats forward keeps for backward for a batch of `capacity` (NULL: none). */
    size_t (*saved_floats)(const cnn_layer *L, int32_t capacity);
    void (*forward)(const cnn_layer_run *r);
    /* Accumulates into r->din (if not NULL) and r->dt[]; NULL: the layer is the identity. */
    void (*backward)(const cnn_layer_run *r);
};

/* The inference-only build (-DCNN_INFERENCE_ONLY: web/wasm-cnn-infer.wasm) is the same source
 * without training: every backward pass and backward-only kernel enters its table as
 * CNN_BACKWARD(fn), NULL there, so nothing references the function and it is not compiled in
 * (CNN_TRAINING_ONLY keeps -Wunused quiet about it); training.c is not linked at all. The
 * default build is unchanged. */
#ifdef CNN_INFERENCE_ONLY
#define CNN_BACKWARD(fn) NULL
#else
#define CNN_BACKWARD(fn) fn
#endif
#define CNN_TRAINING_ONLY __attribute__((unused))

/* The forward and backward passes of layers that pass their input through (flatten.c). */
void cnn_identity_forward(const cnn_layer_run *r);
void cnn_identity_backward(const cnn_layer_run *r);

/* The registry (registry.c): the descriptor of a type code, or NULL. */
const cnn_layer_def *cnn_layer_def_find(int32_t type);

/* The options of a sliding window (conv2d, depthwiseconv2d, pools): its size (`what`:
 * "kernel" or "window"), stride (default `stride`, 0 meaning the window size), dilation,
 * padding mode and explicit pads. */
#define CNN_WINDOW_OPTIONS(what, stride)                                                        \
    { CNN_OPT_KERNEL_H, what " height", { .i = 0 }, 1, CNN_MAX_DIM, 0, 0 },                     \
    { CNN_OPT_KERNEL_W, what " width", { .i = 0 }, 1, CNN_MAX_DIM, 0, 0 },                      \
    { CNN_OPT_STRIDE_H, "stride height", { .i = stride }, stride, CNN_MAX_DIM, 0, 0 },          \
    { CNN_OPT_STRIDE_W, "stride width", { .i = stride }, stride, CNN_MAX_DIM, 0, 0 },           \
    { CNN_OPT_PADDING, "padding mode", { .i = CNN_PAD_VALID }, 0, 2, 0, 0 },                    \
    { CNN_OPT_PAD_TOP, "padding top", { .i = 0 }, 0, CNN_MAX_DIM, 0, 0 },                       \
    { CNN_OPT_PAD_BOTTOM, "padding bottom", { .i = 0 }, 0, CNN_MAX_DIM, 0, 0 },                 \
    { CNN_OPT_PAD_LEFT, "padding left", { .i = 0 }, 0, CNN_MAX_DIM, 0, 0 },                     \
    { CNN_OPT_PAD_RIGHT, "padding right", { .i = 0 }, 0, CNN_MAX_DIM, 0, 0 }
#define CNN_DILATION_OPTIONS                                                                    \
    { CNN_OPT_DILATION_H, "dilation height", { .i = 1 }, 1, CNN_MAX_DIM, 0, 0 },                \
    { CNN_OPT_DILATION_W, "dilation width", { .i = 1 }, 1, CNN_MAX_DIM, 0, 0 }

/* Copies image `src` (H, W, C) into the zero-bordered buffer `dst` (Hp, Wp, C) at row `top`,
 * column `left` (the border was zeroed once; the copy overwrites only the interior). */
void cnn_copy_into_border(float *dst, const float *src, int32_t H, int32_t W, int32_t C, int32_t Wp,
                          int32_t top, int32_t left);

/* Reads a spec into L for layer `index` whose inputs (L->n_inputs, L->inputs) are set and
 * whose inputs' shapes are `in_shape` (n_inputs): the options (defaults, ranges, named errors), then the type's shape inference and
 * parameter counts (layer.c). */
cnn_status cnn_layer_setup(cnn_layer *L, const cnn_layer_spec *spec, int32_t index, const cnn_shape *in_shape);
/* The shortest spec that re-creates L: its options that differ from their defaults, in key
 * order (model files store this). Returns the number of options. */
int32_t cnn_layer_spec_of(const cnn_layer *L, cnn_layer_spec *spec);
/* Helpers for layer files (layer.c). */
/* Output size and padding along one axis of a sliding window (conv, pooling): kernel k with
 * dilation d (extent (k − 1)·d + 1), stride s, padding mode and explicit pads; ceil_mode
 * rounds up (PyTorch's rule: the last window starts inside the input or its leading padding).
 * Fails naming layer `index`, `what` ("kernel", "window") and the axis. */
cnn_status cnn_window_axis(int32_t index, const char *tname, const char *what, const char *axis,
                           int32_t in, int32_t k, int32_t s, int32_t d, int32_t padding,
                           int32_t pad_lo, int32_t pad_hi, bool ceil_mode, int32_t *out,
                           int32_t *lo, int32_t *hi);
/* Both axes of a window layer from its PADDING/PAD_* options: output size, and the resolved
 * padding into L->info (pads only with explicit padding; the 2-D mismatch named first). */
cnn_status cnn_window_2d(cnn_layer *L, int32_t index, const char *what, int32_t kh, int32_t kw,
                         int32_t sh, int32_t sw, int32_t dh, int32_t dw, bool ceil_mode,
                         int32_t *oh, int32_t *ow);
/* Sets L's output shape, checking the CNN_MAX_ELEMENTS limit. */
cnn_status cnn_set_output(cnn_layer *L, int32_t index, int32_t rank, int32_t h, int32_t w, int32_t c);
/* Adds a tensor to L (size checked against the limits); shape of `rank` values. */
cnn_status cnn_add_tensor(cnn_layer *L, int32_t index, const char *name, int32_t rank,
                          const int32_t *shape, bool trainable, bool decay, int32_t init,
                          double fan_in, double fan_out);
#define CNN_TRY(expr) do { cnn_status s_ = (expr); if (s_ != CNN_OK) return s_; } while (0)

/* ─── The model ─────────────────────────────────────────────────────────────────────────── */

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
    float *params;          /* == block: trainable tensors (layer order), then state tensors */
    size_t n_params;
    size_t n_trainable;     /* params[0, n_trainable) are what optimisers update             */
    size_t in_size;         /* values of one input image                                    */
    size_t act_per_image;   /* floats of activations per image: input + every layer output  */
    size_t preact_per_image;/* training: kept pre-activations per image                     */
    size_t saved_per_batch; /* training: the layers' saved floats for `capacity` images     */
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
    float *preacts;         /* pre-activations of layers with keep_preact                   */
    float *saved;           /* the layers' forward → backward memory                        */
    cnn_optimizer opt;
    uint32_t step;          /* optimizer steps taken                                        */
};

/* Re-allocates the block for `capacity` images, with or without training state. */
cnn_status cnn_model_resize_block(cnn_model *m, int32_t capacity, bool training);
/* The forward pass proper (n checked by the caller); keeps the logits. training: batch
 * statistics, dropout, and the pre-activations backward needs. */
void cnn_model_run(cnn_model *m, int32_t n, bool training);
/* Runs layer i on n images (the forward driver, forward.c). */
void cnn_model_run_layer(cnn_model *m, const cnn_kernels *k, int32_t i, int32_t n, bool training);
/* The batch of layer j's output, and its gradient (j = CNN_INPUT: the input images). */
float *cnn_model_act(cnn_model *m, int32_t j);
float *cnn_model_dact(cnn_model *m, int32_t j);
/* Initialises every tensor from `seed` (init.c). */
void cnn_model_init_weights(cnn_model *m, uint32_t seed);
/* Restores the optimiser from a file: validates it, sets up training memory, then the step
 * count and the state arrays (n_trainable floats each, little-endian bytes). */
cnn_status cnn_model_restore_optimizer(cnn_model *m, const cnn_optimizer *opt, uint32_t step,
                                       const uint8_t *state_m, const uint8_t *state_v);

/* Builds a model from specs (no weights initialised). Shared by create and load. */
cnn_status cnn_model_build(cnn_model **out, int32_t in_h, int32_t in_w, int32_t in_c,
                           const cnn_layer_spec *layers, int32_t n_layers);
/* Validates META bytes (docs/model-format.md): counts, lengths, UTF-8-agnostic. */
cnn_status cnn_metadata_check(const uint8_t *bytes, size_t size);
/* Reads little-endian float32 values. */
void cnn_read_floats(float *dst, const uint8_t *p, size_t n);

/* The activation rules (activation.c): whether backward needs the pre-activation x. */
bool cnn_activation_needs_x(int32_t act);
/* The activation's default alpha and beta. */
void cnn_activation_defaults(int32_t act, float *alpha, float *beta);

/* ─── Activations (activation.c) ───────────────────────────────────────────────────────── */
/* Applies `act` (with its alpha, beta) to n_rows rows of `width` values: y = act(x), in place
 * allowed. Softmax is over each row. */
void cnn_activation_forward(const cnn_kernels *k, float *y, const float *x, int32_t act,
                            float alpha, float beta, size_t n_rows, size_t width);
/* dx = ∂L/∂x from dy = ∂L/∂y, y = act(x) and, for activations that need it
 * (cnn_activation_needs_x), x (else NULL). dx == dy is allowed. */
void cnn_activation_backward(const cnn_kernels *k, float *dx, const float *dy, const float *y, const float *x,
                             int32_t act, float alpha, float beta, size_t n_rows, size_t width);

#endif /* CNN_INTERNAL_H */
