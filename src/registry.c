/* registry.c — the table of layer types: one entry per type, each defined in its own file.
 * Adding a layer type: write its file (a cnn_layer_def), add one line here, one JavaScript
 * descriptor (js/layers.js), and its type code in cnn.h. Also the names of activations and
 * options, for messages and for JavaScript (js/abi.js is generated from them). */
#include "internal.h"

extern const cnn_layer_def cnn_conv2d_def, cnn_depthwiseconv2d_def, cnn_maxpool2d_def,
    cnn_avgpool2d_def, cnn_globalavgpool2d_def, cnn_globalmaxpool2d_def, cnn_dense_def,
    cnn_flatten_def, cnn_activation_def, cnn_zeropad2d_def, cnn_batchnorm_def, cnn_dropout_def,
    cnn_add_def, cnn_concat_def, cnn_multiply_def;

static const cnn_layer_def *const REGISTRY[] = {
    &cnn_conv2d_def,
    &cnn_maxpool2d_def,
    &cnn_avgpool2d_def,
    &cnn_globalavgpool2d_def,
    &cnn_globalmaxpool2d_def,
    &cnn_dense_def,
    &cnn_flatten_def,
    &cnn_activation_def,
    &cnn_depthwiseconv2d_def,
    &cnn_zeropad2d_def,
    &cnn_batchnorm_def,
    &cnn_dropout_def,
    &cnn_add_def,
    &cnn_concat_def,
    &cnn_multiply_def,
};

const cnn_layer_def *cnn_layer_def_find(int32_t type) {
    for (size_t i = 0; i < sizeof REGISTRY / sizeof *REGISTRY; i++)
        if (REGISTRY[i]->type == type) return REGISTRY[i];
    return NULL;
}

const char *cnn_layer_type_name(int32_t type) {
    const cnn_layer_def *d = cnn_layer_def_find(type);
    return d ? d->name : "unknown";
}

static const char *const ACTIVATION_NAMES[] = {
    "linear", "relu", "sigmoid", "tanh", "softmax", "leakyrelu", "relu6", "elu", "selu",
    "gelu", "swish", "hardsigmoid", "hardswish", "softplus",
};

const char *cnn_activation_name(int32_t a) {
    return a >= 0 && a < (int32_t)(sizeof ACTIVATION_NAMES / sizeof *ACTIVATION_NAMES)
               ? ACTIVATION_NAMES[a] : "unknown";
}

/* Option names as the C API spells them (layer files give their own user-facing names, e.g.
 * conv2d's units are "filters"), and each key's kind. */
static const struct { const char *name; int32_t kind; } OPTIONS[CNN_OPT_COUNT] = {
    [CNN_OPT_ACTIVATION] = { "activation", CNN_KIND_INT },
    [CNN_OPT_ALPHA] = { "alpha", CNN_KIND_FLOAT },
    [CNN_OPT_BETA] = { "beta", CNN_KIND_FLOAT },
    [CNN_OPT_UNITS] = { "units", CNN_KIND_INT },
    [CNN_OPT_KERNEL_H] = { "kernel_h", CNN_KIND_INT },
    [CNN_OPT_KERNEL_W] = { "kernel_w", CNN_KIND_INT },
    [CNN_OPT_STRIDE_H] = { "stride_h", CNN_KIND_INT },
    [CNN_OPT_STRIDE_W] = { "stride_w", CNN_KIND_INT },
    [CNN_OPT_DILATION_H] = { "dilation_h", CNN_KIND_INT },
    [CNN_OPT_DILATION_W] = { "dilation_w", CNN_KIND_INT },
    [CNN_OPT_PADDING] = { "padding", CNN_KIND_INT },
    [CNN_OPT_PAD_TOP] = { "pad_top", CNN_KIND_INT },
    [CNN_OPT_PAD_BOTTOM] = { "pad_bottom", CNN_KIND_INT },
    [CNN_OPT_PAD_LEFT] = { "pad_left", CNN_KIND_INT },
    [CNN_OPT_PAD_RIGHT] = { "pad_right", CNN_KIND_INT },
    [CNN_OPT_GROUPS] = { "groups", CNN_KIND_INT },
    [CNN_OPT_USE_BIAS] = { "use_bias", CNN_KIND_INT },
    [CNN_OPT_DEPTH_MULTIPLIER] = { "depth_multiplier", CNN_KIND_INT },
    [CNN_OPT_COUNT_INCLUDE_PAD] = { "count_include_pad", CNN_KIND_INT },
    [CNN_OPT_CEIL_MODE] = { "ceil_mode", CNN_KIND_INT },
    [CNN_OPT_EPSILON] = { "epsilon", CNN_KIND_FLOAT },
    [CNN_OPT_MOMENTUM] = { "momentum", CNN_KIND_FLOAT },
    [CNN_OPT_CENTER] = { "center", CNN_KIND_INT },
    [CNN_OPT_SCALE] = { "scale", CNN_KIND_INT },
    [CNN_OPT_RATE] = { "rate", CNN_KIND_FLOAT },
};

const char *cnn_option_name(int32_t key) {
    return key > 0 && key < CNN_OPT_COUNT && OPTIONS[key].name ? OPTIONS[key].name : "unknown";
}

int32_t cnn_option_kind(int32_t key) {
    return key > 0 && key < CNN_OPT_COUNT ? OPTIONS[key].kind : 0;
}
