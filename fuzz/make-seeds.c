/* make-seeds.c — writes a small corpus of valid model files for the fuzzer to start from:
 * one per layer type and padding mode, with and without metadata.
 * Usage: make-seeds DIR */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/cnn.h"

/* with_meta: 1 adds metadata, 2 also an Adam optimiser (cross-entropy) after one step */
static int write_model(const char *dir, const char *name, int h, int w, int c,
                       const cnn_layer_spec *layers, int n, int with_meta) {
    cnn_model *m = NULL;
    if (cnn_model_create(&m, h, w, c, layers, n, 1) != CNN_OK) {
        fprintf(stderr, "make-seeds: %s: %s\n", name, cnn_error_message());
        return 1;
    }
    if (with_meta) {
        /* 1 entry: "name" = "seed" */
        const uint8_t meta[] = { 1, 0, 0, 0, 4, 0, 0, 0, 'n', 'a', 'm', 'e', 4, 0, 0, 0, 's', 'e', 'e', 'd' };
        cnn_model_set_metadata(m, meta, sizeof meta);
    }
    uint32_t flags = 0;
    if (with_meta == 2) {
        cnn_optimizer opt = cnn_optimizer_default(CNN_OPTIMIZER_ADAM, CNN_LOSS_CROSSENTROPY);
        int32_t label = 1;
        if (cnn_model_set_optimizer(m, &opt) != CNN_OK || cnn_model_reserve(m, 1) != CNN_OK ||
            cnn_model_train_step(m, &label, 1, NULL, NULL) != CNN_OK) {
            fprintf(stderr, "make-seeds: %s: %s\n", name, cnn_error_message());
            return 1;
        }
        flags = CNN_SAVE_OPTIMIZER;
    }
    size_t size = cnn_model_save_size(m, flags), written;
    uint8_t *buf = malloc(size);
    cnn_model_save(m, buf, size, flags, &written);
    char path[1024];
    snprintf(path, sizeof path, "%s/%s.wcnn", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(buf, 1, written, f) != written) {
        fprintf(stderr, "make-seeds: cannot write %s\n", path);
        return 1;
    }
    fclose(f);
    free(buf);
    cnn_model_free(m);
    return 0;
}

#define CONV(d, k, s, p, a) { .type = CNN_LAYER_CONV2D, .options = { { CNN_OPT_UNITS, .i = d }, { CNN_OPT_KERNEL_H, .i = k }, { CNN_OPT_KERNEL_W, .i = k }, { CNN_OPT_STRIDE_H, .i = s }, { CNN_OPT_STRIDE_W, .i = s }, { CNN_OPT_PADDING, .i = p }, { CNN_OPT_ACTIVATION, .i = a } } }
#define POOL(t, k, p) { .type = t, .options = { { CNN_OPT_KERNEL_H, .i = k }, { CNN_OPT_KERNEL_W, .i = k }, { CNN_OPT_STRIDE_H, .i = k }, { CNN_OPT_STRIDE_W, .i = k }, { CNN_OPT_PADDING, .i = p } } }

int main(int argc, char **argv) {
    if (argc != 2) { fprintf(stderr, "usage: make-seeds DIR\n"); return 2; }
    const char *dir = argv[1];
    int bad = 0;
    const cnn_layer_spec lenet[] = {
        CONV(2, 3, 1, CNN_PAD_SAME, CNN_ACT_RELU), POOL(CNN_LAYER_MAXPOOL2D, 2, CNN_PAD_VALID),
        CONV(3, 3, 1, CNN_PAD_VALID, CNN_ACT_TANH), POOL(CNN_LAYER_AVGPOOL2D, 2, CNN_PAD_SAME),
        { .type = CNN_LAYER_FLATTEN }, { .type = CNN_LAYER_DENSE, .options = { { CNN_OPT_UNITS, .i = 5 }, { CNN_OPT_ACTIVATION, .i = CNN_ACT_SIGMOID } } },
        { .type = CNN_LAYER_DENSE, .options = { { CNN_OPT_UNITS, .i = 3 }, { CNN_OPT_ACTIVATION, .i = CNN_ACT_SOFTMAX } } },
    };
    bad |= write_model(dir, "small-lenet", 10, 10, 1, lenet, 7, 1);
    bad |= write_model(dir, "small-lenet-adam", 10, 10, 1, lenet, 7, 2);
    const cnn_layer_spec global[] = {
        { .type = CNN_LAYER_CONV2D, .options = { { CNN_OPT_UNITS, .i = 4 }, { CNN_OPT_KERNEL_H, .i = 2 }, { CNN_OPT_KERNEL_W, .i = 3 }, { CNN_OPT_STRIDE_H, .i = 2 }, { CNN_OPT_STRIDE_W, .i = 1 }, { CNN_OPT_PADDING, .i = CNN_PAD_EXPLICIT }, { CNN_OPT_PAD_TOP, .i = 1 }, { CNN_OPT_PAD_BOTTOM, .i = 1 }, { CNN_OPT_PAD_LEFT, .i = 2 }, { CNN_OPT_PAD_RIGHT, .i = 2 } } },
        { .type = CNN_LAYER_GLOBALAVGPOOL2D }, { .type = CNN_LAYER_ACTIVATION, .options = { { CNN_OPT_ACTIVATION, .i = CNN_ACT_RELU } } },
    };
    bad |= write_model(dir, "explicit-global", 5, 7, 3, global, 3, 0);
    const cnn_layer_spec gmax[] = { { .type = CNN_LAYER_GLOBALMAXPOOL2D, .options = { { CNN_OPT_ACTIVATION, .i = CNN_ACT_SOFTMAX } } },
                                    { .type = CNN_LAYER_DENSE, .options = { { CNN_OPT_UNITS, .i = 2 } } } };
    bad |= write_model(dir, "globalmax-dense", 3, 3, 2, gmax, 2, 1);
    const cnn_layer_spec flat[] = { { .type = CNN_LAYER_FLATTEN, .options = { { CNN_OPT_ACTIVATION, .i = CNN_ACT_TANH } } } };
    bad |= write_model(dir, "flatten", 1, 2, 3, flat, 1, 0);
    /* the layers and options of format version 2 */
    cnn_layer_spec v2[7] = {
        { .type = CNN_LAYER_ZEROPAD2D, .options = { { CNN_OPT_PAD_TOP, .i = 1 }, { CNN_OPT_PAD_RIGHT, .i = 2 } } },
        { .type = CNN_LAYER_CONV2D, .options = { { CNN_OPT_UNITS, .i = 4 }, { CNN_OPT_KERNEL_H, .i = 3 }, { CNN_OPT_KERNEL_W, .i = 2 },
                                                 { CNN_OPT_DILATION_H, .i = 2 }, { CNN_OPT_GROUPS, .i = 2 }, { CNN_OPT_USE_BIAS, .i = 0 },
                                                 { CNN_OPT_ACTIVATION, .i = CNN_ACT_LEAKYRELU } } },
        { .type = CNN_LAYER_BATCHNORM, .options = { { CNN_OPT_ACTIVATION, .i = CNN_ACT_RELU6 } } },
        { .type = CNN_LAYER_DEPTHWISECONV2D, .options = { { CNN_OPT_KERNEL_H, .i = 3 }, { CNN_OPT_KERNEL_W, .i = 3 },
                                                          { CNN_OPT_DEPTH_MULTIPLIER, .i = 2 }, { CNN_OPT_PADDING, .i = CNN_PAD_SAME },
                                                          { CNN_OPT_ACTIVATION, .i = CNN_ACT_HARDSWISH } } },
        { .type = CNN_LAYER_AVGPOOL2D, .options = { { CNN_OPT_KERNEL_H, .i = 3 }, { CNN_OPT_KERNEL_W, .i = 3 }, { CNN_OPT_STRIDE_H, .i = 2 },
                                                    { CNN_OPT_STRIDE_W, .i = 2 }, { CNN_OPT_PADDING, .i = CNN_PAD_EXPLICIT },
                                                    { CNN_OPT_PAD_TOP, .i = 1 }, { CNN_OPT_PAD_BOTTOM, .i = 1 }, { CNN_OPT_PAD_LEFT, .i = 1 },
                                                    { CNN_OPT_PAD_RIGHT, .i = 1 }, { CNN_OPT_CEIL_MODE, .i = 1 },
                                                    { CNN_OPT_COUNT_INCLUDE_PAD, .i = 1 } } },
        { .type = CNN_LAYER_GLOBALAVGPOOL2D },
        { .type = CNN_LAYER_DROPOUT },
    };
    cnn_spec_set_float(&v2[2], CNN_OPT_EPSILON, 1e-5f);
    cnn_spec_set_float(&v2[1], CNN_OPT_ALPHA, 0.1f);
    cnn_spec_set_float(&v2[6], CNN_OPT_RATE, 0.25f);
    bad |= write_model(dir, "v2-layers", 7, 6, 2, v2, 7, 0);
    const cnn_layer_spec v2dense[3] = {
        { .type = CNN_LAYER_FLATTEN },
        { .type = CNN_LAYER_DENSE, .options = { { CNN_OPT_UNITS, .i = 3 }, { CNN_OPT_ACTIVATION, .i = CNN_ACT_GELU } } },
        { .type = CNN_LAYER_BATCHNORM, .options = { { CNN_OPT_CENTER, .i = 0 }, { CNN_OPT_ACTIVATION, .i = CNN_ACT_SOFTMAX } } },
    };
    bad |= write_model(dir, "v2-dense-bn-adam", 2, 2, 1, v2dense, 3, 2);
    /* a graph (GRPH section): residual add, concat with the input, a vector scaling a map */
    cnn_layer_spec graph[7] = {
        { .type = CNN_LAYER_CONV2D, .options = { { CNN_OPT_UNITS, .i = 2 }, { CNN_OPT_KERNEL_H, .i = 3 }, { CNN_OPT_KERNEL_W, .i = 3 },
                                                 { CNN_OPT_PADDING, .i = CNN_PAD_SAME } } },
        { .type = CNN_LAYER_ADD, .n_inputs = 2, .inputs = { 0, CNN_INPUT } },
        { .type = CNN_LAYER_CONCAT, .n_inputs = 3, .inputs = { 1, CNN_INPUT, 0 } },
        { .type = CNN_LAYER_GLOBALAVGPOOL2D },
        { .type = CNN_LAYER_MULTIPLY, .n_inputs = 2, .inputs = { 2, 3 } },
        { .type = CNN_LAYER_FLATTEN },
        { .type = CNN_LAYER_DENSE, .options = { { CNN_OPT_UNITS, .i = 3 }, { CNN_OPT_ACTIVATION, .i = CNN_ACT_SOFTMAX } } },
    };
    bad |= write_model(dir, "graph-adam", 4, 3, 2, graph, 7, 2);
    return bad;
}
