/* fuzz-model-load.c — libFuzzer target for the model loader (make fuzz).
 *
 * Built with -DCNN_FUZZING, which skips only the CRC comparison (a fuzzer cannot forge a
 * checksum, so it would never reach the parser behind it). Every input must either fail with
 * a status and a non-empty message, or load a model that then survives everything a user
 * can do with it: describe it, run a forward pass, save it and load the saved bytes again. */
#include <stdlib.h>
#include <string.h>

#include "../src/cnn.h"

/* Forward passes of huge (but valid) models would only make the fuzzer slow (and time out
 * under the sanitizers): bound the activations and the multiply-adds of one image. */
#define MAX_ACTIVATION_BYTES (16u << 20)
#define MAX_WORK (1u << 24)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    cnn_model *m = NULL;
    cnn_status s = cnn_model_load(&m, data, size);
    if (s != CNN_OK) {
        if (m != NULL || cnn_error_message()[0] == '\0') __builtin_trap();
        return 0;
    }
    const int32_t n = cnn_model_layer_count(m);
    uint64_t act = 0, work = 0;
    for (int32_t i = 0; i < n; i++) {
        cnn_layer_info info;
        if (cnn_model_layer_info(m, i, &info) != CNN_OK) __builtin_trap();
        const uint64_t outputs = (uint64_t)info.out_h * info.out_w * info.out_c;
        /* + the zero-bordered input copy a padded conv2d makes (huge explicit padding with a
         * huge stride is valid, and would ask for gigabytes: a clean OUT_OF_MEMORY, but
         * libFuzzer counts any malloc over its RSS limit as a failure) */
        act += outputs * 4 + (uint64_t)(info.in_h + info.pad_top + info.pad_bottom) *
                                 (uint64_t)(info.in_w + info.pad_left + info.pad_right) * info.in_c * 4;
        /* conv2d/dense: up to `params` multiply-adds per output pixel; pooling: a window per
         * output; everything else: about one operation per input and output value */
        const int32_t kh = cnn_model_option(m, i, CNN_OPT_KERNEL_H), kw = cnn_model_option(m, i, CNN_OPT_KERNEL_W);
        work += (uint64_t)info.params * info.out_h * info.out_w +
                outputs * (uint64_t)(kh > 0 ? kh : 1) * (uint64_t)(kw > 0 ? kw : 1) +
                (uint64_t)info.in_h * info.in_w * info.in_c;
    }
    if (work > MAX_WORK) act = MAX_ACTIVATION_BYTES; /* too slow to run: load and save only */
    if (act < MAX_ACTIVATION_BYTES && cnn_model_reserve(m, 1) == CNN_OK) {
        int32_t h, w, c;
        cnn_model_input_shape(m, &h, &w, &c);
        memset(cnn_model_input(m), 0, (size_t)h * w * c * sizeof(float));
        if (cnn_model_forward(m, 1) != CNN_OK) __builtin_trap();
    }
    /* a loaded optimiser must survive a training step and a save too */
    const uint32_t flags = cnn_model_get_optimizer(m, NULL, NULL) == CNN_OK ? CNN_SAVE_OPTIMIZER : 0;
    if (flags && act < MAX_ACTIVATION_BYTES && cnn_model_capacity(m) >= 1) {
        cnn_optimizer opt;
        cnn_model_get_optimizer(m, &opt, NULL);
        int32_t h, w, c;
        cnn_model_input_shape(m, &h, &w, &c);
        cnn_layer_info last;
        cnn_model_layer_info(m, cnn_model_layer_count(m) - 1, &last);
        const size_t outputs = (size_t)last.out_h * last.out_w * last.out_c;
        float *targets = (float *)calloc(outputs, sizeof(float));
        int32_t label = 0;
        if (targets && cnn_model_train_step(m, opt.loss == CNN_LOSS_MSE ? (const void *)targets
                                                                        : (const void *)&label,
                                            1, NULL, NULL) != CNN_OK)
            __builtin_trap();
        free(targets);
    }
    const size_t out_size = cnn_model_save_size(m, flags);
    uint8_t *out = (uint8_t *)malloc(out_size);
    size_t written = 0;
    if (out && cnn_model_save(m, out, out_size, flags, &written) == CNN_OK) {
        cnn_model *again = NULL;
        if (cnn_model_load(&again, out, written) != CNN_OK) __builtin_trap(); /* save ∘ load */
        cnn_model_free(again);
    }
    free(out);
    cnn_model_free(m);
    return 0;
}
