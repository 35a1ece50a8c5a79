/* test-shapes.c — shape inference: the LeNet chain, the padding formulas, and every rule a
 * definition can break, each failing with a message that names the layer and the rule. */
#include "check.h"

static cnn_layer_spec conv(int d, int k, int s, int padding) {
    cnn_layer_spec c = { .type = CNN_LAYER_CONV2D, .options = { { CNN_OPT_UNITS, .i = d }, { CNN_OPT_KERNEL_H, .i = k }, { CNN_OPT_KERNEL_W, .i = k }, { CNN_OPT_STRIDE_H, .i = s }, { CNN_OPT_STRIDE_W, .i = s }, { CNN_OPT_PADDING, .i = padding } } };
    return c;
}

static cnn_layer_spec pool(int type, int k, int s, int padding) {
    cnn_layer_spec p = { .type = type, .options = { { CNN_OPT_KERNEL_H, .i = k }, { CNN_OPT_KERNEL_W, .i = k }, { CNN_OPT_STRIDE_H, .i = s }, { CNN_OPT_STRIDE_W, .i = s }, { CNN_OPT_PADDING, .i = padding } } };
    return p;
}

static void test_lenet_shape_chain(void) {
    /* 28 → 28 (same) → 14 → 10 → 5 → 400 → 120 → 84 → 10 */
    cnn_layer_spec L[8] = {
        conv(6, 5, 1, CNN_PAD_SAME), pool(CNN_LAYER_MAXPOOL2D, 2, 2, 0), conv(16, 5, 1, CNN_PAD_VALID),
        pool(CNN_LAYER_MAXPOOL2D, 2, 2, 0), { .type = CNN_LAYER_FLATTEN },
        { .type = CNN_LAYER_DENSE, .options = { { CNN_OPT_UNITS, .i = 120 } } }, { .type = CNN_LAYER_DENSE, .options = { { CNN_OPT_UNITS, .i = 84 } } },
        { .type = CNN_LAYER_DENSE, .options = { { CNN_OPT_UNITS, .i = 10 }, { CNN_OPT_ACTIVATION, .i = CNN_ACT_SOFTMAX } } },
    };
    cnn_model *m = NULL;
    CHECK_STATUS(cnn_model_create(&m, 28, 28, 1, L, 8, 1), CNN_OK);
    if (!m) return;
    const int want[8][4] = { { 3, 28, 28, 6 }, { 3, 14, 14, 6 }, { 3, 10, 10, 16 }, { 3, 5, 5, 16 },
                             { 1, 1, 1, 400 }, { 1, 1, 1, 120 }, { 1, 1, 1, 84 }, { 1, 1, 1, 10 } };
    const int params[8] = { 156, 0, 2416, 0, 0, 48120, 10164, 850 };
    for (int i = 0; i < 8; i++) {
        cnn_layer_info info;
        CHECK_STATUS(cnn_model_layer_info(m, i, &info), CNN_OK);
        CHECK(info.out_rank == want[i][0] && info.out_h == want[i][1] && info.out_w == want[i][2] &&
              info.out_c == want[i][3]);
        CHECK(info.params == params[i]);
    }
    CHECK(cnn_model_param_count(m) == 61706);
    cnn_model_free(m);
}

/* Output size along one axis for `in`, via a one-layer model. */
static int out_size(int in, cnn_layer_spec s) {
    cnn_model *m = NULL;
    if (cnn_model_create(&m, in, in, 2, &s, 1, 1) != CNN_OK) return -1;
    cnn_layer_info info;
    cnn_model_layer_info(m, 0, &info);
    cnn_model_free(m);
    return info.out_h;
}

static void test_padding_formulas(void) {
    /* valid: floor((in − k)/s) + 1; explicit p: floor((in + 2p − k)/s) + 1; same: ceil(in/s) */
    for (int in = 1; in <= 12; in++)
        for (int k = 1; k <= 5; k++)
            for (int s = 1; s <= 3; s++) {
                int valid = in >= k ? (in - k) / s + 1 : -1;
                CHECK(out_size(in, conv(1, k, s, CNN_PAD_VALID)) == valid);
                CHECK(out_size(in, conv(1, k, s, CNN_PAD_SAME)) == (in + s - 1) / s);
                for (int p = 0; p <= 2; p++) {
                    cnn_layer_spec c = conv(1, k, s, CNN_PAD_EXPLICIT);
                    SET(c, PAD_TOP, p); SET(c, PAD_BOTTOM, p); SET(c, PAD_LEFT, p); SET(c, PAD_RIGHT, p);
                    int want = in + 2 * p >= k ? (in + 2 * p - k) / s + 1 : -1;
                    CHECK(out_size(in, c) == want);
                }
                CHECK(out_size(in, pool(CNN_LAYER_AVGPOOL2D, k, s, CNN_PAD_SAME)) == (in + s - 1) / s);
            }
}

/* Each bad definition: (input h, w, c), layers, the status, and words the message must have. */
typedef struct bad_case {
    int h, w, c, n;
    cnn_layer_spec layers[3];
    cnn_status status;
    const char *message;
} bad_case;

static void test_bad_definitions(void) {
    const bad_case cases[] = {
        { 5, 5, 1, 1, { conv(1, 7, 1, CNN_PAD_VALID) }, CNN_STATUS_BAD_LAYER,
          "layer 0 (conv2d): kernel 7x7 larger than padded input 5x5" },
        { 5, 5, 1, 1, { { .type = CNN_LAYER_CONV2D, .options = { { CNN_OPT_UNITS, .i = 1 }, { CNN_OPT_KERNEL_H, .i = 8 }, { CNN_OPT_KERNEL_W, .i = 3 }, { CNN_OPT_STRIDE_H, .i = 1 }, { CNN_OPT_STRIDE_W, .i = 1 }, { CNN_OPT_PADDING, .i = CNN_PAD_EXPLICIT }, { CNN_OPT_PAD_TOP, .i = 1 }, { CNN_OPT_PAD_BOTTOM, .i = 1 }, { CNN_OPT_PAD_LEFT, .i = 1 }, { CNN_OPT_PAD_RIGHT, .i = 1 } } } },
          CNN_STATUS_BAD_LAYER, "kernel 8x3 larger than padded input 7x7" },
        { 5, 5, 1, 2, { { .type = CNN_LAYER_FLATTEN }, conv(1, 1, 1, 0) }, CNN_STATUS_BAD_LAYER,
          "layer 1 (conv2d): needs an (h, w, c) input, got a vector of 25 values" },
        { 5, 5, 1, 1, { { .type = CNN_LAYER_DENSE, .options = { { CNN_OPT_UNITS, .i = 3 } } } }, CNN_STATUS_BAD_LAYER,
          "layer 0 (dense): input is (5, 5, 1), not a vector" },
        { 5, 5, 1, 1, { { .type = 99 } }, CNN_STATUS_BAD_LAYER, "layer 0: unknown layer type 99" },
        { 5, 5, 1, 1, { { .type = CNN_LAYER_ACTIVATION, .options = { { CNN_OPT_ACTIVATION, .i = 99 } } } }, CNN_STATUS_BAD_LAYER,
          "layer 0 (activation): unknown activation 99" },
        { 5, 5, 1, 1, { conv(0, 3, 1, 0) }, CNN_STATUS_BAD_LAYER, "layer 0 (conv2d): filters must be positive, got 0" },
        { 5, 5, 1, 1, { conv(2, 3, 0, 0) }, CNN_STATUS_BAD_LAYER, "stride height must be positive, got 0" },
        { 5, 5, 1, 1, { conv(2, -1, 1, 0) }, CNN_STATUS_BAD_LAYER, "kernel height must be positive, got -1" },
        { 5, 5, 1, 1, { conv(2, 3, 1, 7) }, CNN_STATUS_BAD_LAYER, "unknown padding mode 7" },
        { 5, 5, 1, 1, { pool(CNN_LAYER_MAXPOOL2D, 6, 1, 0) }, CNN_STATUS_BAD_LAYER,
          "layer 0 (maxpool2d): window 6x6 larger than padded input 5x5" },
        { 5, 5, 1, 2, { { .type = CNN_LAYER_FLATTEN }, { .type = CNN_LAYER_DENSE, .options = { { CNN_OPT_UNITS, .i = 0 } } } },
          CNN_STATUS_BAD_LAYER, "layer 1 (dense): units must be positive, got 0" },
        { 5, 5, 1, 1, { { .type = CNN_LAYER_FLATTEN, .options = { { CNN_OPT_UNITS, .i = 4 } } } }, CNN_STATUS_BAD_LAYER,
          "layer 0 (flatten): units does not apply" },
        { 0, 5, 1, 1, { { .type = CNN_LAYER_FLATTEN } }, CNN_STATUS_BAD_LAYER, "input shape (0, 5, 1)" },
        { 5, 5, 1, 0, { { 0 } }, CNN_STATUS_BAD_LAYER, "model: 0 layers" },
        { 65536, 65536, 1, 1, { { .type = CNN_LAYER_FLATTEN } }, CNN_STATUS_TOO_LARGE, "exceed the limit" },
        { 1, 1, 60000, 3, { { .type = CNN_LAYER_FLATTEN }, { .type = CNN_LAYER_DENSE, .options = { { CNN_OPT_UNITS, .i = 60000 } } } },
          CNN_STATUS_TOO_LARGE, "layer 1 (dense): kernel 60000x60000" },
        { 5, 5, 1, 1, { { .type = CNN_LAYER_CONV2D, .options = { { CNN_OPT_UNITS, .i = 1 }, { CNN_OPT_KERNEL_H, .i = 1 }, { CNN_OPT_KERNEL_W, .i = 1 }, { CNN_OPT_STRIDE_H, .i = 1 }, { CNN_OPT_STRIDE_W, .i = 1 }, { CNN_OPT_PADDING, .i = CNN_PAD_EXPLICIT }, { CNN_OPT_PAD_TOP, .i = -1 }, { CNN_OPT_PAD_BOTTOM, .i = -1 }, { CNN_OPT_PAD_LEFT, .i = 0 }, { CNN_OPT_PAD_RIGHT, .i = 0 } } } },
          CNN_STATUS_BAD_LAYER, "layer 0 (conv2d): padding top must be >= 0, got -1" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const bad_case *b = &cases[i];
        cnn_model *m = (cnn_model *)1;
        cnn_status s = cnn_model_create(&m, b->h, b->w, b->c, b->layers, b->n, 1);
        if (s != b->status || !strstr(cnn_error_message(), b->message))
            fprintf(stderr, "  case %zu: %s \"%s\"\n", i, cnn_status_name(s), cnn_error_message());
        CHECK(s == b->status);
        CHECK(m == NULL);
        CHECK_MESSAGE(b->message);
    }
}

static void test_bad_calls(void) {
    cnn_layer_spec f = { .type = CNN_LAYER_FLATTEN };
    cnn_model *m = NULL;
    CHECK_STATUS(cnn_model_create(&m, 2, 2, 1, &f, 1, 1), CNN_OK);
    CHECK_STATUS(cnn_model_forward(m, 1), CNN_STATUS_INVALID_ARGUMENT);   /* nothing reserved */
    CHECK_MESSAGE("room is reserved for 0");
    CHECK_STATUS(cnn_model_reserve(m, 0), CNN_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(cnn_model_reserve(m, 2), CNN_OK);
    CHECK_STATUS(cnn_model_forward(m, 3), CNN_STATUS_INVALID_ARGUMENT);
    CHECK_MESSAGE("batch of 3 images");
    cnn_layer_info info;
    CHECK_STATUS(cnn_model_layer_info(m, 1, &info), CNN_STATUS_INVALID_ARGUMENT);
    CHECK_MESSAGE("layer index 1 out of range");
    CHECK(cnn_model_kernel(m, 0) == NULL && cnn_model_bias(m, 5) == NULL);
    CHECK_STATUS(cnn_model_reserve(m, 1 << 30), CNN_STATUS_TOO_LARGE);
    CHECK(cnn_model_capacity(m) == 2);                     /* a failed reserve keeps the old */
    CHECK_STATUS(cnn_model_forward(m, 2), CNN_OK);
    cnn_model_free(m);
    cnn_model_free(NULL);
}

TEST_TABLE(shape_tests) = {
    { "shapes: LeNet chain 28→28→14→10→5→400→120→84→10", test_lenet_shape_chain },
    { "shapes: valid/explicit/same formulas", test_padding_formulas },
    { "shapes: bad definitions fail with named rules", test_bad_definitions },
    { "shapes: bad calls fail with messages", test_bad_calls },
    TEST_END,
};
