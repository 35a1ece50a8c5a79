/* cnn.h — wasm-cnn, a small engine for convolutional neural networks.
 *
 * This header is the manual of the C engine. The JavaScript package (js/) is a thin layer over
 * exactly these functions; everything it can do, C can do.
 *
 * ─── Overview ────────────────────────────────────────────────────────────────────────────────
 * A model is a list of layers applied to one input shape. Each layer reads the layer before
 * it, or (graph models: residual connections, branches) the earlier layers its spec names;
 * the last layer is the model's output. It is built from an array of cnn_layer_spec
 * (cnn_model_create) or read from a model file (cnn_model_load). Building runs shape
 * inference: every layer's input and output shape, padding and parameter count is known
 * before anything runs, and a bad definition fails with a message naming the layer and the rule.
 *
 * ─── Worked example ──────────────────────────────────────────────────────────────────────────
 *     cnn_layer_spec layers[] = {      // options: (key, value) pairs; the rest take defaults
 *         { .type = CNN_LAYER_CONV2D, .options = {
 *             { CNN_OPT_UNITS, .i = 6 }, { CNN_OPT_KERNEL_H, .i = 5 }, { CNN_OPT_KERNEL_W, .i = 5 },
 *             { CNN_OPT_PADDING, .i = CNN_PAD_SAME }, { CNN_OPT_ACTIVATION, .i = CNN_ACT_RELU } } },
 *         { .type = CNN_LAYER_MAXPOOL2D, .options = {
 *             { CNN_OPT_KERNEL_H, .i = 2 }, { CNN_OPT_KERNEL_W, .i = 2 } } },   // stride = window
 *         { .type = CNN_LAYER_FLATTEN },
 *         { .type = CNN_LAYER_DENSE, .options = {
 *             { CNN_OPT_UNITS, .i = 10 }, { CNN_OPT_ACTIVATION, .i = CNN_ACT_SOFTMAX } } },
 *     };
 *     cnn_spec_set_float(&layers[0], CNN_OPT_ALPHA, 0.1f);   // or set options one by one
 *     cnn_model *m;
 *     if (cnn_model_create(&m, 28, 28, 1, layers, 4, 1) != CNN_OK)      // seed 1
 *         fprintf(stderr, "%s\n", cnn_error_message());
 *     cnn_model_reserve(m, 1);                            // room for a batch of 1 (once)
 *     memcpy(cnn_model_input(m), image, 28 * 28 * sizeof(float));   // (28, 28, 1) HWC
 *     cnn_model_forward(m, 1);
 *     const float *probs = cnn_model_output(m, 3);        // (10): the last layer's output
 *     const float *maps  = cnn_model_output(m, 0);        // (28, 28, 6): conv2d activations
 *     cnn_model_free(m);
 *
 * ─── Layouts (fixed; the same as Keras/TensorFlow, so weights move between them unchanged) ─────
 *   tensors        NHWC: image n, row y, column x, channel c at ((n*H + y)*W + x)*C + c
 *   conv2d kernel  HWIO: [kh][kw][in_channels / groups][filters]
 *   depthwise      [kh][kw][in_channels][depth_multiplier]; output channel c·M + m
 *   dense kernel   [in][units]
 *   biases         [filters] / [units]
 *   batchnorm      gamma, beta, movingMean, movingVariance: [channels]
 *   flatten        HWC order (a no-op on NHWC memory)
 *   Every value is a 32-bit float.
 *
 * ─── Layers (each in its own source file; registry.c lists them) ──────────────────────────────
 *   conv2d    d filters of kh×kw×(p/groups) weights (p = input channels) plus one bias each
 *             (CNN_OPT_USE_BIAS 0: none); stride sh×sw, dilation dh×dw (taps d − 1 pixels
 *             apart, extent e = (k − 1)·d + 1); groups g divide p and d (group i's filters see
 *             channels i·p/g …); cross-correlation (no kernel flip). Padding:
 *               VALID    out = floor((in − e) / s) + 1
 *               EXPLICIT pad_top/bottom/left/right zero pixels: out = floor((in + lo + hi − e) / s) + 1
 *               SAME     TensorFlow's rule: out = ceil(in / s); total padding
 *                        max((out − 1)·s + e − in, 0), the odd pixel at the bottom/right.
 *             Parameters [(kh·kw·p/g) + 1]·d.
 *   depthwiseconv2d   each input channel c convolved with depth_multiplier M filters of kh×kw;
 *             stride, dilation and padding as conv2d. Parameters (kh·kw + 1)·p·M.
 *   maxpool2d / avgpool2d   window kh×kw, stride sh×sw (default: the window), padding as
 *             conv2d, CEIL_MODE (round the output up; the last window starts inside the input
 *             or its leading padding, PyTorch's rule), dilation (max only). Padded cells never
 *             win a max; an average is over the cells inside the input (TensorFlow), or with
 *             COUNT_INCLUDE_PAD over the window's cells inside the padded input (PyTorch).
 *   globalavgpool2d / globalmaxpool2d   (H, W, C) → (C).
 *   dense     (in) → (units); parameters (in + 1)·units (in·units without a bias). Its input
 *             must be rank 1: put a flatten or a global pooling layer before it.
 *   flatten   (H, W, C) → (H·W·C); a vector stays as it is.
 *   zeropad2d (H, W, C) → (top + H + bottom, left + W + right, C), zeros around.
 *   batchnorm over the last axis: gamma·(x − mean)/sqrt(var + epsilon) + beta; inference uses
 *             movingMean/movingVariance (state: not trained), training the batch statistics
 *             (biased variance), updating moving = moving·momentum + batch·(1 − momentum).
 *             CNN_OPT_CENTER/SCALE 0: no beta/gamma. Parameters 4·c (2·c trainable).
 *   dropout   inverted dropout of CNN_OPT_RATE in training steps (masks from the optimiser's
 *             seed, the step and the layer: reproducible); the identity everywhere else.
 *   activation  a standalone activation layer (its CNN_OPT_ACTIVATION says which).
 *   add       2 or more inputs of one shape, summed (residual connections).
 *   concat    2 or more inputs that differ only in channels, side by side along the channel
 *             axis (vectors: their units), input by input.
 *   multiply  2 or more inputs of one shape multiplied element-wise, or a (C) vector scaling
 *             every pixel of an (h, w, C) map (squeeze-and-excitation).
 *   Every layer may apply an activation to its output (CNN_OPT_ACTIVATION, with CNN_OPT_ALPHA
 *   and CNN_OPT_BETA where it has them): see cnn_activation. Softmax is over the last axis:
 *   channels, or the units of a vector.

 * ─── Memory and ownership ────────────────────────────────────────────────────────────────────
 *   A sizing pass at creation computes every layer's shapes, parameter offsets and activation
 *   offsets (parameters: every layer's trainable tensors, then every layer's state tensors).
 *   A model then owns:
 *     1. its description (the model struct and its layers), allocated once;
 *     2. one block of floats: the parameters, then the input and every layer's output for
 *        `capacity` images. cnn_model_reserve re-allocates it only when a larger batch is asked
 *        for (the parameters are copied over);
 *     3. the metadata bytes, only when metadata is set.
 *   cnn_model_free releases all three. cnn_model_forward never allocates. Pointers from
 *   cnn_model_input/output/kernel/bias stay valid until the next cnn_model_reserve that grows
 *   the batch, or cnn_model_free. A linear flatten layer shares its input's memory (its output
 *   pointer equals the previous layer's).
 *
 * ─── Errors ──────────────────────────────────────────────────────────────────────────────────
 *   Every function that can fail on caller input returns a cnn_status and sets a message
 *   (cnn_error_message) that names the bad value and the rule, e.g.
 *     "layer 2 (conv2d): kernel 7x7 larger than padded input 5x5".
 *   Nothing in the engine exits or aborts on bad input. Internal invariants are asserted in
 *   debug builds only. The message buffer is per thread.
 *
 * ─── Limits ──────────────────────────────────────────────────────────────────────────────────
 *   CNN_MAX_LAYERS layers; every dimension ≤ CNN_MAX_DIM; every tensor and the parameter count
 *   ≤ CNN_MAX_ELEMENTS values. Sizes are checked for integer overflow (also on 32-bit wasm).
 */
#ifndef CNN_H
#define CNN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CNN_VERSION_MAJOR 0
#define CNN_VERSION_MINOR 1
#define CNN_VERSION_PATCH 0

#define CNN_MAX_LAYERS   256
#define CNN_MAX_DIM      65536
#define CNN_MAX_ELEMENTS (1u << 28) /* values in one tensor, or parameters in one model */

/* ─── Status codes ──────────────────────────────────────────────────────────────────────── */
typedef enum cnn_status {
    CNN_OK = 0,
    CNN_STATUS_INVALID_ARGUMENT = 1,  /* a NULL pointer, an index or a count out of range      */
    CNN_STATUS_BAD_LAYER = 2,         /* a layer definition breaks a rule (see the message)     */
    CNN_STATUS_TOO_LARGE = 3,         /* a size exceeds the limits above or would overflow      */
    CNN_STATUS_OUT_OF_MEMORY = 4,     /* malloc failed                                          */
    CNN_STATUS_NOT_A_MODEL = 5,       /* the bytes do not start with the model file magic       */
    CNN_STATUS_UNSUPPORTED_VERSION = 6,
    CNN_STATUS_BAD_FILE = 7,          /* a model file field is invalid or inconsistent          */
    CNN_STATUS_TRUNCATED = 8,         /* a model file ends before what it declares              */
    CNN_STATUS_CHECKSUM = 9,          /* the model file's CRC-32 does not match its contents    */
} cnn_status;

/* The message of the last failure on this thread ("" if none). Valid until the next call. */
const char *cnn_error_message(void);
/* A short name for a status code, e.g. "CNN_STATUS_BAD_LAYER". */
const char *cnn_status_name(cnn_status status);

/* ─── Layer descriptions ────────────────────────────────────────────────────────────────── */
typedef enum cnn_layer_type {
    CNN_LAYER_CONV2D = 1,
    CNN_LAYER_MAXPOOL2D = 2,
    CNN_LAYER_AVGPOOL2D = 3,
    CNN_LAYER_GLOBALAVGPOOL2D = 4,
    CNN_LAYER_GLOBALMAXPOOL2D = 5,
    CNN_LAYER_DENSE = 6,
    CNN_LAYER_FLATTEN = 7,
    CNN_LAYER_ACTIVATION = 8,
    CNN_LAYER_DEPTHWISECONV2D = 9,
    CNN_LAYER_ZEROPAD2D = 10,
    CNN_LAYER_BATCHNORM = 11,
    CNN_LAYER_DROPOUT = 12,
    CNN_LAYER_ADD = 13,
    CNN_LAYER_CONCAT = 14,
    CNN_LAYER_MULTIPLY = 15,
} cnn_layer_type;

typedef enum cnn_activation {
    CNN_ACT_LINEAR = 0,
    CNN_ACT_RELU = 1,
    CNN_ACT_SIGMOID = 2,
    CNN_ACT_TANH = 3,
    CNN_ACT_SOFTMAX = 4,
    CNN_ACT_LEAKYRELU = 5,   /* x > 0 ? x : alpha·x                     (alpha 0.3, ≥ 0)     */
    CNN_ACT_RELU6 = 6,       /* min(max(x, 0), 6)                                           */
    CNN_ACT_ELU = 7,         /* x > 0 ? x : alpha·(eˣ − 1)              (alpha 1, ≥ 0)       */
    CNN_ACT_SELU = 8,        /* λ·(x > 0 ? x : α·(eˣ − 1)), λ ≈ 1.0507, α ≈ 1.6733             */
    CNN_ACT_GELU = 9,        /* x·Φ(x) = x/2·(1 + erf(x/√2)), the exact form                 */
    CNN_ACT_SWISH = 10,      /* x·sigmoid(x) (also called silu)                              */
    CNN_ACT_HARDSIGMOID = 11,/* max(0, min(1, alpha·x + beta))         (alpha 1/6, beta 1/2) */
    CNN_ACT_HARDSWISH = 12,  /* x·relu6(x + 3)/6                                             */
    CNN_ACT_SOFTPLUS = 13,   /* log(1 + eˣ)                                                  */
} cnn_activation;

typedef enum cnn_padding {
    CNN_PAD_VALID = 0,
    CNN_PAD_SAME = 1,     /* TensorFlow's: out = ceil(in / s), the odd pixel bottom/right    */
    CNN_PAD_EXPLICIT = 2, /* the PAD_TOP/BOTTOM/LEFT/RIGHT options: zero cells on each side  */
} cnn_padding;

/* Layer options: a small typed dictionary. A layer spec lists (key, value) pairs; options it
 * leaves out take their defaults, and an option a layer type does not take is an error. The
 * value is an int32 or a float, by key (cnn_option_kind). */
typedef enum cnn_option_key {
    CNN_OPT_END = 0,               /* ends a spec's option list                               */
    CNN_OPT_ACTIVATION = 1,        /* int, every layer: cnn_activation applied to the output  */
    CNN_OPT_ALPHA = 2,             /* float, every layer: the activation's alpha (leakyrelu,
                                      elu, hardsigmoid); default: the activation's own        */
    CNN_OPT_BETA = 3,              /* float, every layer: hardsigmoid's beta (default 0.5)    */
    CNN_OPT_UNITS = 4,             /* int: conv2d filters, dense units                        */
    CNN_OPT_KERNEL_H = 5,          /* int: kernel / window height                             */
    CNN_OPT_KERNEL_W = 6,
    CNN_OPT_STRIDE_H = 7,          /* int (default 1 for convolutions, the window for pools)  */
    CNN_OPT_STRIDE_W = 8,
    CNN_OPT_DILATION_H = 9,        /* int, default 1                                          */
    CNN_OPT_DILATION_W = 10,
    CNN_OPT_PADDING = 11,          /* int: cnn_padding (default VALID)                        */
    CNN_OPT_PAD_TOP = 12,          /* int: zero cells, with CNN_PAD_EXPLICIT                  */
    CNN_OPT_PAD_BOTTOM = 13,
    CNN_OPT_PAD_LEFT = 14,
    CNN_OPT_PAD_RIGHT = 15,
    CNN_OPT_GROUPS = 16,           /* int: conv2d groups (default 1)                          */
    CNN_OPT_USE_BIAS = 17,         /* int 0/1 (default 1)                                     */
    CNN_OPT_DEPTH_MULTIPLIER = 18, /* int: depthwiseconv2d outputs per input channel (1)      */
    CNN_OPT_COUNT_INCLUDE_PAD = 19,/* int 0/1: avgpool2d divides by the whole window (0)      */
    CNN_OPT_CEIL_MODE = 20,        /* int 0/1: pools round the output size up (0)             */
    CNN_OPT_EPSILON = 21,          /* float: batchnorm (0.001)                                */
    CNN_OPT_MOMENTUM = 22,         /* float: batchnorm moving-average momentum (0.99)         */
    CNN_OPT_CENTER = 23,           /* int 0/1: batchnorm has beta (1)                         */
    CNN_OPT_SCALE = 24,            /* int 0/1: batchnorm has gamma (1)                        */
    CNN_OPT_RATE = 25,             /* float: dropout rate in [0, 1)                           */
    CNN_OPT_COUNT = 26             /* one past the last key                                   */
} cnn_option_key;

typedef enum cnn_kind { CNN_KIND_INT = 1, CNN_KIND_FLOAT = 2 } cnn_kind;

typedef struct cnn_option {
    int32_t key;                   /* cnn_option_key                                          */
    union { int32_t i; float f; }; /* by the key's kind                                       */
} cnn_option;

#define CNN_MAX_OPTIONS 20
#define CNN_MAX_INPUTS 32   /* inputs of one layer (add, concat, multiply)                    */
#define CNN_INPUT (-1)      /* in cnn_layer_spec.inputs: the model's input                     */
/* One layer as the caller defines it (also what JavaScript writes, 296 bytes):
 *     { .type = CNN_LAYER_CONV2D, .options = { { CNN_OPT_UNITS, .i = 6 },
 *                                               { CNN_OPT_KERNEL_H, .i = 5 }, … } }
 * The option list ends at the first CNN_OPT_END key (or after CNN_MAX_OPTIONS); a key given
 * twice is an error. Inputs: n_inputs 0 means the previous layer's output (the model's input
 * for layer 0), so sequential models never set them; otherwise the indices of earlier layers
 * (CNN_INPUT for the model's input), e.g. { .type = CNN_LAYER_ADD, .n_inputs = 2,
 * .inputs = { 3, 5 } } for a residual connection. */
typedef struct cnn_layer_spec {
    int32_t type;                  /* cnn_layer_type                                          */
    cnn_option options[CNN_MAX_OPTIONS];
    int32_t n_inputs;              /* 0: the previous layer; 1 to CNN_MAX_INPUTS             */
    int32_t inputs[CNN_MAX_INPUTS];
} cnn_layer_spec;

/* Sets option `key` of a spec (replacing it if present, else adding it): an int, or a float's
 * value for float keys. CNN_STATUS_INVALID_ARGUMENT for an unknown key or a full list. */
cnn_status cnn_spec_set(cnn_layer_spec *spec, int32_t key, int32_t value);
cnn_status cnn_spec_set_float(cnn_layer_spec *spec, int32_t key, float value);

/* Everything shape inference knows about a layer (all int32; JavaScript reads it through the
 * offsets in the generated js/abi.js). */
typedef struct cnn_layer_info {
    int32_t type;                         /* cnn_layer_type                                   */
    int32_t activation;                   /* cnn_activation                                   */
    int32_t in_rank, in_h, in_w, in_c;    /* rank 3: (h, w, c); rank 1: (c), h = w = 1       */
    int32_t out_rank, out_h, out_w, out_c;
    int32_t pad_top, pad_bottom, pad_left, pad_right; /* resolved zero padding               */
    int32_t n_tensors;                    /* parameter tensors (kernel, bias, gamma, …)       */
    int32_t params;                       /* values in all of them                            */
    int32_t trainable;                    /* values in the trainable ones                     */
    int32_t n_inputs;                     /* its inputs (cnn_model_layer_inputs); in_* is the
                                             first one's shape                                */
} cnn_layer_info;

/* One parameter tensor of a layer. */
typedef struct cnn_tensor_info {
    int32_t size;                         /* values                                           */
    int32_t rank;                         /* 1 to 4                                           */
    int32_t shape[4];                     /* e.g. conv2d kernel (kh, kw, in/groups, filters)  */
    int32_t trainable;                    /* 1: the optimiser updates it; 0: state (running
                                             statistics), updated by the layer in training   */
} cnn_tensor_info;

#define CNN_MAX_TENSORS 4

const char *cnn_layer_type_name(int32_t type);      /* "conv2d", … ; "unknown" otherwise */
const char *cnn_activation_name(int32_t activation); /* "relu", … ; "unknown" otherwise  */
const char *cnn_option_name(int32_t key);            /* "kernel_h", … ; "unknown" otherwise */
int32_t cnn_option_kind(int32_t key);                /* cnn_kind, 0 for unknown keys     */

/* ─── Models ────────────────────────────────────────────────────────────────────────────── */
typedef struct cnn_model cnn_model;

/* Builds a model for inputs of shape (in_h, in_w, in_c). Weights are initialised from `seed`
 * (He-uniform before relu, Glorot-uniform otherwise; biases 0), deterministically. */
cnn_status cnn_model_create(cnn_model **out, int32_t in_h, int32_t in_w, int32_t in_c,
                            const cnn_layer_spec *layers, int32_t n_layers, uint32_t seed);
/* Reads a model file (docs/model-format.md). The bytes are treated as hostile: every field is
 * checked, nothing is read out of bounds. The caller keeps ownership of `bytes`. */
cnn_status cnn_model_load(cnn_model **out, const uint8_t *bytes, size_t size);
/* Frees everything a model owns. NULL is ignored. */
void cnn_model_free(cnn_model *model);

int32_t cnn_model_layer_count(const cnn_model *model);
/* Copies layer i's description into *info. */
cnn_status cnn_model_layer_info(const cnn_model *model, int32_t i, cnn_layer_info *info);
/* Layer i's inputs: writes up to `cap` of them to `inputs` (indices of earlier layers,
 * CNN_INPUT for the model's input) and returns how many it has (0 for a bad i). */
int32_t cnn_model_layer_inputs(const cnn_model *model, int32_t i, int32_t *inputs, int32_t cap);
/* Input shape: (h, w, c). */
void cnn_model_input_shape(const cnn_model *model, int32_t *h, int32_t *w, int32_t *c);
/* Total parameters of all layers (every tensor: weights, biases, running statistics), and
 * how many of them are trainable. */
size_t cnn_model_param_count(const cnn_model *model);
size_t cnn_model_trainable_count(const cnn_model *model);

/* Sizes the block for batches of up to `capacity` images (≥ 1). Re-allocates only when
 * capacity grows; then every pointer from cnn_model_input/output/kernel/bias changes, the
 * parameters and the input images move over, and layer outputs are cleared (the next forward
 * pass recomputes them). On failure the model keeps its old block and capacity. */
cnn_status cnn_model_reserve(cnn_model *model, int32_t capacity);
int32_t cnn_model_capacity(const cnn_model *model);

/* The input batch: (capacity, H, W, C). Write images here before cnn_model_forward. */
float *cnn_model_input(cnn_model *model);
/* Layer i's output for the whole batch: (capacity, out_h, out_w, out_c); i = -1 is the last. */
float *cnn_model_output(cnn_model *model, int32_t i);
/* Runs all layers on the first n images of the input (1 ≤ n ≤ capacity). No allocation. */
cnn_status cnn_model_forward(cnn_model *model, int32_t n);

/* Runs layer i alone on n images, reading layer i − 1's output (or the input) as it is now:
 * cnn_model_forward layer by layer, for profiling and for inspecting a model step by step. */
cnn_status cnn_model_forward_layer(cnn_model *model, int32_t i, int32_t n);

/* Layer i's parameter tensors (cnn_layer_info.n_tensors of them: conv2d and dense "kernel"
 * and "bias"; batchnorm "gamma", "beta", "movingMean", "movingVariance" …), in the layouts
 * above. Writable. */
cnn_status cnn_model_tensor_info(const cnn_model *model, int32_t i, int32_t t, cnn_tensor_info *info);
const char *cnn_model_tensor_name(const cnn_model *model, int32_t i, int32_t t); /* NULL if none */
float *cnn_model_tensor(cnn_model *model, int32_t i, int32_t t);                 /* NULL if none */
/* The index of layer i's tensor called `name`, or -1. */
int32_t cnn_model_tensor_index(const cnn_model *model, int32_t i, const char *name);
/* Shorthands: layer i's "kernel" and "bias" tensors (NULL if it has none). */
float *cnn_model_kernel(cnn_model *model, int32_t i);
float *cnn_model_bias(cnn_model *model, int32_t i);
/* Layer i's options as resolved (defaults filled in): the int32 value, or the float's bits
 * (cnn_model_option_float for floats). 0 for options the layer type does not take. */
int32_t cnn_model_option(const cnn_model *model, int32_t i, int32_t key);
float cnn_model_option_float(const cnn_model *model, int32_t i, int32_t key);

/* ─── Training ────────────────────────────────────────────────────────────────────────────
 * Backpropagation through every layer type, two losses and two optimisers, all in the model's
 * one block (sized once per model and batch capacity; a training step never allocates).
 * Builds with -DCNN_INFERENCE_ONLY (web/wasm-cnn-infer.wasm) leave all of it out (training.c
 * and every backward pass); their cnn_model_load skips a file's optimiser.
 *
 *     cnn_optimizer opt = cnn_optimizer_default(CNN_OPTIMIZER_ADAM, CNN_LOSS_CROSSENTROPY);
 *     cnn_model_set_optimizer(m, &opt);        // allocates gradients and optimiser state
 *     cnn_model_reserve(m, 64);
 *     for each batch: write images to cnn_model_input(m), then
 *         cnn_model_train_step(m, labels, n, &loss, &correct);   // int32 class labels
 *
 * Determinism: the same weights, optimiser, data and order give bit-identical weights on the
 * same build (no threads, no randomness inside a step). */
typedef enum cnn_loss {
    CNN_LOSS_CROSSENTROPY = 1, /* softmax output layer + int32 class labels; computed from the
                                  logits (log-sum-exp), fused with the softmax gradient       */
    CNN_LOSS_MSE = 2,          /* float targets (n × outputs); mean over outputs and images  */
} cnn_loss;

typedef enum cnn_optimizer_type {
    CNN_OPTIMIZER_SGD = 1,     /* v = μ·v + g;  w −= lr·v  (Nesterov: w −= lr·(g + μ·v))      */
    CNN_OPTIMIZER_ADAM = 2,    /* Kingma & Ba 2015, with bias correction                     */
} cnn_optimizer_type;

typedef enum cnn_schedule {
    CNN_SCHEDULE_CONSTANT = 0,
    CNN_SCHEDULE_STEP = 1,     /* lr · gamma^floor(step / step_size)                          */
    CNN_SCHEDULE_COSINE = 2,   /* from lr to min_lr over decay_steps, then min_lr             */
} cnn_schedule;

/* The optimiser and its hyper-parameters (16 × 4 bytes: also the OPTM record of model files
 * and what JavaScript writes; never reorder). */
typedef struct cnn_optimizer {
    int32_t type;              /* cnn_optimizer_type                                          */
    int32_t loss;              /* cnn_loss                                                    */
    float learning_rate;       /* > 0                                                         */
    float momentum;            /* SGD, in [0, 1); 0: plain SGD                                */
    int32_t nesterov;          /* SGD with momentum: 1 for Nesterov                           */
    float beta1, beta2;        /* Adam, in [0, 1) (0.9, 0.999)                                */
    float epsilon;             /* Adam, > 0 (1e-7)                                            */
    float weight_decay;        /* ≥ 0: L2 on kernels (not biases): g += weight_decay · w      */
    int32_t schedule;          /* cnn_schedule                                                */
    int32_t step_size;         /* STEP: ≥ 1                                                   */
    float gamma;               /* STEP: in (0, 1]                                             */
    int32_t decay_steps;       /* COSINE: ≥ 1                                                 */
    float min_learning_rate;   /* COSINE: in [0, learning_rate]                               */
    uint32_t seed;             /* training randomness (dropout masks), with the step count    */
    int32_t reserved;          /* must be 0                                                   */
} cnn_optimizer;

/* Defaults: Adam lr 1e-3, β 0.9/0.999, ε 1e-7; SGD lr 0.01, no momentum; constant schedule. */
cnn_optimizer cnn_optimizer_default(cnn_optimizer_type type, cnn_loss loss);
/* Validates `opt`, sets up the training memory (gradients, optimiser state, activation
 * gradients; the first time, this re-allocates the block as cnn_model_reserve does) and
 * resets the optimiser state and step count. */
cnn_status cnn_model_set_optimizer(cnn_model *model, const cnn_optimizer *opt);
/* The optimiser in use and the steps taken; CNN_STATUS_INVALID_ARGUMENT if none is set. */
cnn_status cnn_model_get_optimizer(const cnn_model *model, cnn_optimizer *opt, uint32_t *steps);
/* The learning rate the next step will use (after the schedule). */
float cnn_model_learning_rate(const cnn_model *model);

/* One optimiser step on the first n images of the input. `labels`: int32 class indices (n)
 * for cross-entropy, float targets (n × outputs) for MSE. *loss receives the mean data loss
 * of the batch before the step (weight decay not included), *correct the images whose
 * largest output is the label (MSE: the target's largest). Either pointer may be NULL. */
cnn_status cnn_model_train_step(cnn_model *model, const void *labels, int32_t n, float *loss,
                                int32_t *correct);
/* Forward pass and loss, no update; needs no optimiser (loss given here). */
cnn_status cnn_model_evaluate(cnn_model *model, int32_t loss_type, const void *labels, int32_t n,
                              float *loss, int32_t *correct);
/* Forward and backward pass, no update: fills the gradients of the mean data loss with
 * respect to every parameter (cnn_model_kernel_grad/bias_grad) and to the input
 * (cnn_model_input_grad). Sets up training memory (not an optimiser) the first time. */
cnn_status cnn_model_gradients(cnn_model *model, int32_t loss_type, const void *labels, int32_t n,
                               float *loss);
/* Gradients from the last train step or cnn_model_gradients, in the layouts of the
 * parameters and the input. NULL before training memory exists. */
float *cnn_model_tensor_grad(cnn_model *model, int32_t i, int32_t t); /* NULL for state tensors */
float *cnn_model_kernel_grad(cnn_model *model, int32_t i);
float *cnn_model_bias_grad(cnn_model *model, int32_t i);
float *cnn_model_input_grad(cnn_model *model);
/* All parameters as one array (cnn_model_param_count values: the trainable tensors of every
 * layer in layer order, then the state tensors in layer order, as in model files), and their
 * gradients in the same layout (NULL before training memory exists; zero for state). For data-parallel training: compute cnn_model_gradients on
 * replicas, combine the gradients into one model's, then cnn_model_apply_gradients. */
float *cnn_model_params(cnn_model *model);
float *cnn_model_param_grads(cnn_model *model);
/* One optimiser update (weight decay included) from the gradients now in the model. */
cnn_status cnn_model_apply_gradients(cnn_model *model);
/* Room in the block for the labels of `capacity` images (int32 class indices or float
 * targets, up to outputs values per image); callers may pass it as `labels` (JavaScript
 * does). NULL before cnn_model_reserve. Moves with the block. */
void *cnn_model_targets(cnn_model *model);

/* ─── Metadata ──────────────────────────────────────────────────────────────────────────── */
/* Free-form key/value strings saved with the model (name, labels, input description …),
 * in the encoding of the META section of docs/model-format.md. */
cnn_status cnn_model_set_metadata(cnn_model *model, const uint8_t *bytes, size_t size);
const uint8_t *cnn_model_metadata(const cnn_model *model, size_t *size);

/* ─── Model files ───────────────────────────────────────────────────────────────────────── */
/* What a file holds besides the architecture, weights and metadata. */
#define CNN_SAVE_OPTIMIZER 1 /* the optimiser, its step count and state, to resume training */
/* The exact number of bytes cnn_model_save writes with these flags. */
size_t cnn_model_save_size(const cnn_model *model, uint32_t flags);
/* Writes the model file into buf (capacity bytes); *written receives the size.
 * CNN_SAVE_OPTIMIZER without an optimiser set is an error. cnn_model_load restores an
 * optimiser it finds (training memory included). */
cnn_status cnn_model_save(const cnn_model *model, uint8_t *buf, size_t capacity, uint32_t flags,
                          size_t *written);

/* ─── Kernels ───────────────────────────────────────────────────────────────────────────── */
/* Every kernel has a scalar reference and a SIMD twin (WebAssembly SIMD; in native builds the
 * same source runs on a portable emulation of wasm_simd128.h so tests can compare them).
 * The default is SIMD in wasm builds and scalar in native builds. Returns the previous
 * setting. Tests use it to force the scalar path. Builds with CNN_SIMD_ONLY (the shipped wasm
 * module, which leaves the scalar twins out to stay small) ignore it and return 1. */
int cnn_use_simd(int on);
/* "wasmsimd" or "scalar": what cnn_model_forward uses now. */
const char *cnn_kernels_name(void);

#ifdef __cplusplus
}
#endif
#endif /* CNN_H */
