/* lenet5.h — LeNet-5 as the shipped digit model has it (28×28×1 → 10, 61 706 parameters):
 * conv 5×5×6 same relu → maxpool 2 → conv 5×5×16 valid relu → maxpool 2 → flatten →
 * dense 120 relu → 84 relu → 10 softmax. One definition for the trainer and the C tests. */
#ifndef WASM_CNN_LENET5_H
#define WASM_CNN_LENET5_H

#include "../src/cnn.h"

static const cnn_layer_spec LENET[] = {
    { .type = CNN_LAYER_CONV2D, .options = { { CNN_OPT_UNITS, .i = 6 }, { CNN_OPT_KERNEL_H, .i = 5 }, { CNN_OPT_KERNEL_W, .i = 5 }, { CNN_OPT_STRIDE_H, .i = 1 }, { CNN_OPT_STRIDE_W, .i = 1 }, { CNN_OPT_PADDING, .i = CNN_PAD_SAME }, { CNN_OPT_ACTIVATION, .i = CNN_ACT_RELU } } },
    { .type = CNN_LAYER_MAXPOOL2D, .options = { { CNN_OPT_KERNEL_H, .i = 2 }, { CNN_OPT_KERNEL_W, .i = 2 }, { CNN_OPT_STRIDE_H, .i = 2 }, { CNN_OPT_STRIDE_W, .i = 2 } } },
    { .type = CNN_LAYER_CONV2D, .options = { { CNN_OPT_UNITS, .i = 16 }, { CNN_OPT_KERNEL_H, .i = 5 }, { CNN_OPT_KERNEL_W, .i = 5 }, { CNN_OPT_STRIDE_H, .i = 1 }, { CNN_OPT_STRIDE_W, .i = 1 }, { CNN_OPT_ACTIVATION, .i = CNN_ACT_RELU } } },
    { .type = CNN_LAYER_MAXPOOL2D, .options = { { CNN_OPT_KERNEL_H, .i = 2 }, { CNN_OPT_KERNEL_W, .i = 2 }, { CNN_OPT_STRIDE_H, .i = 2 }, { CNN_OPT_STRIDE_W, .i = 2 } } },
    { .type = CNN_LAYER_FLATTEN },
    { .type = CNN_LAYER_DENSE, .options = { { CNN_OPT_UNITS, .i = 120 }, { CNN_OPT_ACTIVATION, .i = CNN_ACT_RELU } } },
    { .type = CNN_LAYER_DENSE, .options = { { CNN_OPT_UNITS, .i = 84 }, { CNN_OPT_ACTIVATION, .i = CNN_ACT_RELU } } },
    { .type = CNN_LAYER_DENSE, .options = { { CNN_OPT_UNITS, .i = 10 }, { CNN_OPT_ACTIVATION, .i = CNN_ACT_SOFTMAX } } },
};
#define LENET_LAYERS ((int)(sizeof LENET / sizeof *LENET))

#endif
