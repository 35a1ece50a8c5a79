/* test-layers.c — hand-computed forward passes, one small case per layer and padding mode,
 * through the public API. Every expected number is worked out in the comment beside it. */
#include <stdlib.h>

#include "check.h"
#include "../../build/lenet5.h"   /* generated from models/lenet5.json */

static const cnn_layer_spec CONV_VALID = { .type = CNN_LAYER_CONV2D, .options = { { CNN_OPT_STRIDE_H, .i = 1 }, { CNN_OPT_STRIDE_W, .i = 1 } } };

/* Builds a one-layer model, sets its kernel and bias, runs one image; out gets the output. */
static cnn_model *run_one(cnn_layer_spec spec, int h, int w, int c, const float *input,
                          const float *kernel, const float *bias, float *out, size_t out_n) {
    cnn_model *m = NULL;
    CHECK_STATUS(cnn_model_create(&m, h, w, c, &spec, 1, 1), CNN_OK);
    if (!m) return NULL;
    cnn_layer_info info;
    cnn_model_layer_info(m, 0, &info);
    cnn_tensor_info t;
    if (kernel && cnn_model_tensor_info(m, 0, 0, &t) == CNN_OK)
        memcpy(cnn_model_kernel(m, 0), kernel, (size_t)t.size * sizeof(float));
    if (bias && cnn_model_tensor_info(m, 0, 1, &t) == CNN_OK)
        memcpy(cnn_model_bias(m, 0), bias, (size_t)t.size * sizeof(float));
    CHECK_STATUS(cnn_model_reserve(m, 1), CNN_OK);
    memcpy(cnn_model_input(m), input, (size_t)h * w * c * sizeof(float));
    CHECK_STATUS(cnn_model_forward(m, 1), CNN_OK);
    CHECK((size_t)info.out_h * info.out_w * info.out_c == out_n);
    memcpy(out, cnn_model_output(m, 0), out_n * sizeof(float));
    return m;
}

static const float IN9[9] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 };               /* 3×3×1, row-major */
static const float IN16[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };

static void test_conv_single_channel_valid(void) {
    /* kernel [[1, 2], [3, 4]], bias 0.5 on [[1,2,3],[4,5,6],[7,8,9]]:
     * (0,0) 1·1 + 2·2 + 3·4 + 4·5 = 37;  (0,1) 2 + 6 + 15 + 24 = 47;
     * (1,0) 4 + 10 + 21 + 32 = 67;       (1,1) 5 + 12 + 24 + 36 = 77;  each + 0.5 */
    const float k[4] = { 1, 2, 3, 4 }, b[1] = { 0.5f };
    cnn_layer_spec s = CONV_VALID;
    SET(s, UNITS, 1); SET(s, KERNEL_H, 2); SET(s, KERNEL_W, 2);
    float out[4];
    cnn_model *m = run_one(s, 3, 3, 1, IN9, k, b, out, 4);
    CHECK(out[0] == 37.5f && out[1] == 47.5f && out[2] == 67.5f && out[3] == 77.5f);
    cnn_model_free(m);
}

static void test_conv_explicit_padding(void) {
    /* 2×2 input [[1,2],[3,4]], pad 1, 3×3 kernel of ones: every 3×3 window covers all four
     * values: out (2 + 2 − 3)/1 + 1 = 2 per side, every value 10. */
    const float in[4] = { 1, 2, 3, 4 }, k[9] = { 1, 1, 1, 1, 1, 1, 1, 1, 1 };
    cnn_layer_spec s = CONV_VALID;
    SET(s, UNITS, 1); SET(s, KERNEL_H, 3); SET(s, KERNEL_W, 3); SET(s, PADDING, CNN_PAD_EXPLICIT); SET(s, PAD_TOP, 1); SET(s, PAD_BOTTOM, 1); SET(s, PAD_LEFT, 1); SET(s, PAD_RIGHT, 1);
    float out[4];
    cnn_model *m = run_one(s, 2, 2, 1, in, k, NULL, out, 4);
    CHECK(out[0] == 10 && out[1] == 10 && out[2] == 10 && out[3] == 10);
    cnn_model_free(m);
    /* pad 2 with a 1×1 kernel of 1: out 2 + 4 = 6 per side, a frame of zeros around the input */
    const float one[1] = { 1 };
    SET(s, KERNEL_H, 1); SET(s, KERNEL_W, 1); SET(s, PAD_TOP, 2); SET(s, PAD_BOTTOM, 2); SET(s, PAD_LEFT, 2); SET(s, PAD_RIGHT, 2);
    float big[36];
    m = run_one(s, 2, 2, 1, in, one, NULL, big, 36);
    CHECK(big[0] == 0 && big[2 * 6 + 2] == 1 && big[2 * 6 + 3] == 2 && big[3 * 6 + 2] == 3 &&
          big[3 * 6 + 3] == 4 && big[35] == 0);
    cnn_model_free(m);
}

static void test_conv_same_is_asymmetric_like_tensorflow(void) {
    /* 'same' with a 2×2 kernel of ones on the 3×3 input: out 3×3, total padding 1 per axis,
     * all of it at the bottom/right (TensorFlow). out(y,x) = Σ in[y..y+1][x..x+1] inside:
     * (0,0) 1+2+4+5 = 12; (0,2) 3+6 = 9; (2,0) 7+8 = 15; (2,2) 9; (1,1) 5+6+8+9 = 28.
     * Padding on the top/left instead would give (0,0) = 1. */
    const float k[4] = { 1, 1, 1, 1 };
    cnn_layer_spec s = CONV_VALID;
    SET(s, UNITS, 1); SET(s, KERNEL_H, 2); SET(s, KERNEL_W, 2); SET(s, PADDING, CNN_PAD_SAME);
    float out[9];
    cnn_model *m = run_one(s, 3, 3, 1, IN9, k, NULL, out, 9);
    CHECK(out[0] == 12 && out[2] == 9 && out[6] == 15 && out[8] == 9 && out[4] == 28);
    cnn_layer_info info;
    cnn_model_layer_info(m, 0, &info);
    CHECK(info.pad_top == 0 && info.pad_bottom == 1 && info.pad_left == 0 && info.pad_right == 1);
    cnn_model_free(m);
    /* 3×3 kernel, stride 2 on a 4-wide input: out ceil(4/2) = 2, total (2−1)·2 + 3 − 4 = 1
     * → top 0, bottom 1 */
    SET(s, KERNEL_H, 3); SET(s, KERNEL_W, 3); SET(s, STRIDE_H, 2); SET(s, STRIDE_W, 2);
    m = NULL;
    CHECK_STATUS(cnn_model_create(&m, 4, 4, 1, &s, 1, 1), CNN_OK);
    cnn_model_layer_info(m, 0, &info);
    CHECK(info.out_h == 2 && info.out_w == 2 && info.pad_top == 0 && info.pad_bottom == 1);
    cnn_model_free(m);
}

static void test_conv_multichannel_with_bias(void) {
    /* input 2×2×3 = 1..12 (HWC); kernel 2×2×3×2 (HWIO): filter 0 all ones, filter 1 one on
     * channel 0 only. filter 0: 1+…+12 = 78, + bias 1 = 79. filter 1: channel 0 values
     * 1, 4, 7, 10 = 22, + bias −2 = 20. */
    float in[12], k[24], b[2] = { 1, -2 };
    for (int i = 0; i < 12; i++) in[i] = (float)(i + 1);
    for (int tap = 0; tap < 4; tap++)
        for (int c = 0; c < 3; c++) {
            k[(tap * 3 + c) * 2 + 0] = 1;
            k[(tap * 3 + c) * 2 + 1] = c == 0 ? 1.0f : 0.0f;
        }
    cnn_layer_spec s = CONV_VALID;
    SET(s, UNITS, 2); SET(s, KERNEL_H, 2); SET(s, KERNEL_W, 2);
    float out[2];
    cnn_model *m = run_one(s, 2, 2, 3, in, k, b, out, 2);
    CHECK(out[0] == 79 && out[1] == 20);
    cnn_layer_info info;
    cnn_model_layer_info(m, 0, &info);
    CHECK(info.params == (2 * 2 * 3 + 1) * 2);
    cnn_model_free(m);
}

static void test_conv_stride(void) {
    /* 1×1 kernel of 2, stride 2 on 4×4 1..16: picks (0,0),(0,2),(2,0),(2,2) = 1,3,9,11, ×2 */
    const float k[1] = { 2 };
    cnn_layer_spec s = CONV_VALID;
    SET(s, UNITS, 1); SET(s, KERNEL_H, 1); SET(s, KERNEL_W, 1); SET(s, STRIDE_H, 2); SET(s, STRIDE_W, 2);
    float out[4];
    cnn_model *m = run_one(s, 4, 4, 1, IN16, k, NULL, out, 4);
    CHECK(out[0] == 2 && out[1] == 6 && out[2] == 18 && out[3] == 22);
    cnn_model_free(m);
    /* 2×2 ones, stride (1, 2) on 3×3: out 2×1: (0,0) 1+2+4+5 = 12, (1,0) 4+5+7+8 = 24 */
    const float ones[4] = { 1, 1, 1, 1 };
    SET(s, KERNEL_H, 2); SET(s, KERNEL_W, 2); SET(s, STRIDE_H, 1); SET(s, STRIDE_W, 2);
    m = run_one(s, 3, 3, 1, IN9, ones, NULL, out, 2);
    CHECK(out[0] == 12 && out[1] == 24);
    cnn_model_free(m);
}

static void test_pooling(void) {
    cnn_layer_spec s = { .type = CNN_LAYER_MAXPOOL2D, .options = { { CNN_OPT_KERNEL_H, .i = 2 }, { CNN_OPT_KERNEL_W, .i = 2 }, { CNN_OPT_STRIDE_H, .i = 2 }, { CNN_OPT_STRIDE_W, .i = 2 } } };
    float out[4];
    /* max 2×2 on 4×4 1..16: [6, 8, 14, 16] */
    cnn_model *m = run_one(s, 4, 4, 1, IN16, NULL, NULL, out, 4);
    CHECK(out[0] == 6 && out[1] == 8 && out[2] == 14 && out[3] == 16);
    cnn_model_free(m);
    /* avg: (1+2+5+6)/4 = 3.5, (3+4+7+8)/4 = 5.5, 11.5, 13.5 */
    s.type = CNN_LAYER_AVGPOOL2D;
    m = run_one(s, 4, 4, 1, IN16, NULL, NULL, out, 4);
    CHECK(out[0] == 3.5f && out[1] == 5.5f && out[2] == 11.5f && out[3] == 13.5f);
    cnn_model_free(m);
    /* avg 'same' on 3×3: out 2×2, padding at bottom/right, average over cells inside only:
     * (1+2+4+5)/4 = 3, (3+6)/2 = 4.5, (7+8)/2 = 7.5, 9/1 = 9 */
    SET(s, PADDING, CNN_PAD_SAME);
    m = run_one(s, 3, 3, 1, IN9, NULL, NULL, out, 4);
    CHECK(out[0] == 3 && out[1] == 4.5f && out[2] == 7.5f && out[3] == 9);
    cnn_model_free(m);
    /* max 'same' on −(1..9): padded cells (zeros) never win: −1, −3, −7, −9 */
    float neg[9];
    for (int i = 0; i < 9; i++) neg[i] = -IN9[i];
    s.type = CNN_LAYER_MAXPOOL2D;
    m = run_one(s, 3, 3, 1, neg, NULL, NULL, out, 4);
    CHECK(out[0] == -1 && out[1] == -3 && out[2] == -7 && out[3] == -9);
    cnn_model_free(m);
    /* stride 1 window 2 on 3×1... two channels: window over rows, channels independent */
    s = (cnn_layer_spec){ .type = CNN_LAYER_MAXPOOL2D, .options = { { CNN_OPT_KERNEL_H, .i = 2 }, { CNN_OPT_KERNEL_W, .i = 1 }, { CNN_OPT_STRIDE_H, .i = 1 }, { CNN_OPT_STRIDE_W, .i = 1 } } };
    const float two_ch[6] = { 1, 9, 5, 2, 3, 4 };           /* (3, 1, 2) */
    m = run_one(s, 3, 1, 2, two_ch, NULL, NULL, out, 4);     /* (2, 1, 2) */
    CHECK(out[0] == 5 && out[1] == 9 && out[2] == 5 && out[3] == 4);
    cnn_model_free(m);
}

static void test_global_pooling(void) {
    /* 2×2×2: channel 0 = 1, 2, 3, 4; channel 1 = −1, 5, 0, 2 */
    const float in[8] = { 1, -1, 2, 5, 3, 0, 4, 2 };
    cnn_layer_spec s = { .type = CNN_LAYER_GLOBALAVGPOOL2D };
    float out[2];
    cnn_model *m = run_one(s, 2, 2, 2, in, NULL, NULL, out, 2);
    CHECK(out[0] == 2.5f && out[1] == 1.5f);
    cnn_model_free(m);
    s.type = CNN_LAYER_GLOBALMAXPOOL2D;
    m = run_one(s, 2, 2, 2, in, NULL, NULL, out, 2);
    CHECK(out[0] == 4 && out[1] == 5);
    cnn_model_free(m);
}

static void test_dense(void) {
    /* [1, 2, 3] · [[1, 0], [0, 1], [1, 1]] + [0.5, −1] = [1 + 3 + 0.5, 2 + 3 − 1] = [4.5, 4];
     * built on a (1, 1, 3) input flattened first */
    cnn_layer_spec layers[2] = { { .type = CNN_LAYER_FLATTEN }, { .type = CNN_LAYER_DENSE, .options = { { CNN_OPT_UNITS, .i = 2 } } } };
    cnn_model *m = NULL;
    CHECK_STATUS(cnn_model_create(&m, 1, 1, 3, layers, 2, 1), CNN_OK);
    const float k[6] = { 1, 0, 0, 1, 1, 1 }, b[2] = { 0.5f, -1 }, in[3] = { 1, 2, 3 };
    memcpy(cnn_model_kernel(m, 1), k, sizeof k);
    memcpy(cnn_model_bias(m, 1), b, sizeof b);
    cnn_model_reserve(m, 1);
    memcpy(cnn_model_input(m), in, sizeof in);
    cnn_model_forward(m, 1);
    const float *o = cnn_model_output(m, -1);
    CHECK(o[0] == 4.5f && o[1] == 4);
    CHECK(cnn_model_param_count(m) == (3 + 1) * 2);
    cnn_model_free(m);
}

static void test_activations(void) {
    /* relu(−2, 0, 3) = (0, 0, 3); sigmoid(ln 3) = 3/4; tanh(ln 2) = (2 − 1/2)/(2 + 1/2) = 0.6;
     * softmax(0, ln 3) = (1/4, 3/4) */
    const float in[4] = { -2, 0, 3, 0 };
    cnn_layer_spec s = { .type = CNN_LAYER_ACTIVATION, .options = { { CNN_OPT_ACTIVATION, .i = CNN_ACT_RELU } } };
    float out[4];
    cnn_model *m = run_one(s, 1, 1, 4, in, NULL, NULL, out, 4);
    CHECK(out[0] == 0 && out[1] == 0 && out[2] == 3 && out[3] == 0);
    cnn_model_free(m);

    const float l3[1] = { logf(3.0f) }, l2[1] = { logf(2.0f) };
    SET(s, ACTIVATION, CNN_ACT_SIGMOID);
    m = run_one(s, 1, 1, 1, l3, NULL, NULL, out, 1);
    CHECK_NEAR(out[0], 0.75, 1e-6);
    cnn_model_free(m);
    const float big[2] = { -100, 100 };                         /* no overflow either way */
    m = run_one(s, 1, 1, 2, big, NULL, NULL, out, 2);
    CHECK(out[0] >= 0 && out[0] < 1e-40 && out[1] == 1);
    cnn_model_free(m);

    SET(s, ACTIVATION, CNN_ACT_TANH);
    m = run_one(s, 1, 1, 1, l2, NULL, NULL, out, 1);
    CHECK_NEAR(out[0], 0.6, 1e-6);
    cnn_model_free(m);

    SET(s, ACTIVATION, CNN_ACT_SOFTMAX);
    const float sm[2] = { 0, logf(3.0f) };
    m = run_one(s, 1, 1, 2, sm, NULL, NULL, out, 2);
    CHECK_NEAR(out[0], 0.25, 1e-6);
    CHECK_NEAR(out[1], 0.75, 1e-6);
    cnn_model_free(m);
    /* softmax is stable for large logits: (1000, 1000) → (1/2, 1/2), not NaN */
    const float huge[2] = { 1000, 1000 };
    m = run_one(s, 1, 1, 2, huge, NULL, NULL, out, 2);
    CHECK(out[0] == 0.5f && out[1] == 0.5f);
    cnn_model_free(m);
    /* softmax over channels of a (1, 2, 2) map: each pixel's pair sums to 1 */
    const float px[4] = { 0, logf(3.0f), 5, 5 };
    m = run_one(s, 1, 2, 2, px, NULL, NULL, out, 4);
    CHECK_NEAR(out[0], 0.25, 1e-6);
    CHECK_NEAR(out[2], 0.5, 1e-6);
    cnn_model_free(m);
}

static void test_fused_activation_and_flatten(void) {
    /* conv (1×1 kernel −1) with relu, flatten, then a relu flatten: the conv output is
     * relu(−x) = 0 for positive inputs; a linear flatten shares memory with its input. */
    cnn_layer_spec layers[3] = {
        { .type = CNN_LAYER_CONV2D, .options = { { CNN_OPT_UNITS, .i = 1 }, { CNN_OPT_KERNEL_H, .i = 1 }, { CNN_OPT_KERNEL_W, .i = 1 }, { CNN_OPT_STRIDE_H, .i = 1 }, { CNN_OPT_STRIDE_W, .i = 1 }, { CNN_OPT_ACTIVATION, .i = CNN_ACT_LINEAR } } },
        { .type = CNN_LAYER_FLATTEN },
        { .type = CNN_LAYER_FLATTEN, .options = { { CNN_OPT_ACTIVATION, .i = CNN_ACT_RELU } } },
    };
    cnn_model *m = NULL;
    CHECK_STATUS(cnn_model_create(&m, 2, 2, 1, layers, 3, 1), CNN_OK);
    cnn_model_kernel(m, 0)[0] = -1;
    cnn_model_reserve(m, 1);
    const float in[4] = { 1, -2, 3, -4 };
    memcpy(cnn_model_input(m), in, sizeof in);
    cnn_model_forward(m, 1);
    CHECK(cnn_model_output(m, 1) == cnn_model_output(m, 0));   /* linear flatten: shared */
    CHECK(cnn_model_output(m, 2) != cnn_model_output(m, 1));   /* relu flatten: its own */
    const float *c = cnn_model_output(m, 0), *r = cnn_model_output(m, 2);
    CHECK(c[0] == -1 && c[1] == 2 && c[2] == -3 && c[3] == 4);     /* not clobbered by relu */
    CHECK(r[0] == 0 && r[1] == 2 && r[2] == 0 && r[3] == 4);
    cnn_model_free(m);
}

/* A LeNet-5 and a random input: a batch gives the same as images one by one, and the SIMD
 * and scalar kernels give identical outputs through the whole model. */

static void test_lenet_batch_and_kernels_agree(void) {
    cnn_model *m = NULL;
    CHECK_STATUS(cnn_model_create(&m, 28, 28, 1, LENET, LENET_LAYERS, 42), CNN_OK);
    if (!m) return;
    CHECK(cnn_model_param_count(m) == 61706);
    CHECK_STATUS(cnn_model_reserve(m, 3), CNN_OK);
    unsigned seed = 3;
    float *x = cnn_model_input(m);
    for (int i = 0; i < 3 * 784; i++) x[i] = (test_rand(&seed) + 1) / 2;
    float batch[30], single[30], scalar[30];
    CHECK_STATUS(cnn_model_forward(m, 3), CNN_OK);
    memcpy(batch, cnn_model_output(m, -1), sizeof batch);
    float sum = 0;
    for (int j = 0; j < 10; j++) sum += batch[j];
    CHECK_NEAR(sum, 1.0, 1e-5);
    for (int i = 0; i < 3; i++) {
        memmove(x, x + i * 784, 784 * sizeof(float)); /* image i to slot 0; slots > i untouched */
        CHECK_STATUS(cnn_model_forward(m, 1), CNN_OK);
        memcpy(single + i * 10, cnn_model_output(m, -1), 10 * sizeof(float));
        int was = cnn_use_simd(!strcmp(cnn_kernels_name(), "scalar"));
        cnn_model_forward(m, 1);
        memcpy(scalar + i * 10, cnn_model_output(m, -1), 10 * sizeof(float));
        cnn_use_simd(was);
    }
    CHECK(memcmp(batch, single, sizeof batch) == 0);
    CHECK(memcmp(single, scalar, sizeof single) == 0);
    cnn_model_free(m);
}

/* Growing the batch moves the block: parameters travel with it, outputs stay the same. */
static void test_reserve_keeps_parameters(void) {
    cnn_model *m = NULL;
    CHECK_STATUS(cnn_model_create(&m, 28, 28, 1, LENET, LENET_LAYERS, 5), CNN_OK);
    if (!m) return;
    cnn_model_bias(m, 7)[3] = 0.5f;
    CHECK_STATUS(cnn_model_reserve(m, 1), CNN_OK);
    unsigned seed = 9;
    for (int i = 0; i < 784; i++) cnn_model_input(m)[i] = (test_rand(&seed) + 1) / 2;
    float before[10], image[784];
    memcpy(image, cnn_model_input(m), sizeof image);
    cnn_model_forward(m, 1);
    memcpy(before, cnn_model_output(m, -1), sizeof before);
    CHECK_STATUS(cnn_model_reserve(m, 40), CNN_OK);
    CHECK(cnn_model_capacity(m) == 40 && cnn_model_bias(m, 7)[3] == 0.5f);
    memcpy(cnn_model_input(m) + 39 * 784, image, sizeof image);
    CHECK_STATUS(cnn_model_forward(m, 40), CNN_OK);
    CHECK(memcmp(before, cnn_model_output(m, -1) + 39 * 10, sizeof before) == 0);
    CHECK_STATUS(cnn_model_reserve(m, 8), CNN_OK);           /* smaller: nothing moves */
    CHECK(cnn_model_capacity(m) == 40);
    cnn_model_free(m);
}

static void test_param_counts_chain(void) {
    /* 32×32×3: conv k5 d8 → [(5·5·3)+1]·8 = 608; conv k3 d16 → [(3·3·8)+1]·16 = 1168;
     * conv k1 d32 → [(1·1·16)+1]·32 = 544 */
    cnn_layer_spec s[3] = {
        { .type = CNN_LAYER_CONV2D, .options = { { CNN_OPT_UNITS, .i = 8 }, { CNN_OPT_KERNEL_H, .i = 5 }, { CNN_OPT_KERNEL_W, .i = 5 }, { CNN_OPT_STRIDE_H, .i = 1 }, { CNN_OPT_STRIDE_W, .i = 1 } } },
        { .type = CNN_LAYER_CONV2D, .options = { { CNN_OPT_UNITS, .i = 16 }, { CNN_OPT_KERNEL_H, .i = 3 }, { CNN_OPT_KERNEL_W, .i = 3 }, { CNN_OPT_STRIDE_H, .i = 1 }, { CNN_OPT_STRIDE_W, .i = 1 } } },
        { .type = CNN_LAYER_CONV2D, .options = { { CNN_OPT_UNITS, .i = 32 }, { CNN_OPT_KERNEL_H, .i = 1 }, { CNN_OPT_KERNEL_W, .i = 1 }, { CNN_OPT_STRIDE_H, .i = 1 }, { CNN_OPT_STRIDE_W, .i = 1 } } },
    };
    cnn_model *m = NULL;
    CHECK_STATUS(cnn_model_create(&m, 32, 32, 3, s, 3, 1), CNN_OK);
    cnn_layer_info a, b, c;
    cnn_model_layer_info(m, 0, &a);
    cnn_model_layer_info(m, 1, &b);
    cnn_model_layer_info(m, 2, &c);
    CHECK(a.params == 608 && b.params == 1168 && c.params == 544);
    CHECK(cnn_model_param_count(m) == 608 + 1168 + 544);
    cnn_model_free(m);
}

/* ─── The registry's layers and options, hand-computed ──────────────────────────────────── */

static void test_conv_dilation_groups_bias(void) {
    /* dilation 2: a 2×2 kernel [1, 2; 3, 4] on 3×3 1..9 reads the corners: 1·1 + 2·3 + 3·7 + 4·9 = 64 */
    const float k[4] = { 1, 2, 3, 4 };
    cnn_layer_spec s = CONV_VALID;
    SET(s, UNITS, 1); SET(s, KERNEL_H, 2); SET(s, KERNEL_W, 2); SET(s, DILATION_H, 2); SET(s, DILATION_W, 2);
    SET(s, USE_BIAS, 0);
    float out[1];
    cnn_model *m = run_one(s, 3, 3, 1, IN9, k, NULL, out, 1);
    CHECK(out[0] == 64);
    cnn_layer_info info;
    cnn_model_layer_info(m, 0, &info);
    CHECK(info.params == 4 && info.n_tensors == 1 && cnn_model_bias(m, 0) == NULL);   /* k·k·p·d, no bias */
    cnn_model_free(m);
    /* groups 2 on a 1×1×4 input [1, 2, 3, 4], 2 filters, 1×1 kernel [in/groups = 2][filters = 2]
     * = [[1, 10], [100, 1000]]: filter 0 sees channels 0–1: 1·1 + 2·100 = 201; filter 1 sees
     * channels 2–3: 3·10 + 4·1000 = 4030; plus biases 0.5, −0.5 */
    const float x[4] = { 1, 2, 3, 4 }, kg[4] = { 1, 10, 100, 1000 }, b[2] = { 0.5f, -0.5f };
    cnn_layer_spec g = CONV_VALID;
    SET(g, UNITS, 2); SET(g, KERNEL_H, 1); SET(g, KERNEL_W, 1); SET(g, GROUPS, 2);
    float o2[2];
    m = run_one(g, 1, 1, 4, x, kg, b, o2, 2);
    CHECK(o2[0] == 201.5f && o2[1] == 4029.5f);
    cnn_model_layer_info(m, 0, &info);
    CHECK(info.params == 1 * 1 * 2 * 2 + 2);                  /* [(k·k·p/groups)+1]·d */
    cnn_model_free(m);
    /* asymmetric explicit pads (top 1, bottom 0, left 0, right 2), 1×1 kernel of 1 on 2×2 [1 2; 3 4]:
     * (3, 4) out: row 0 zeros, then [1 2 0 0], [3 4 0 0] */
    const float in4[4] = { 1, 2, 3, 4 }, one[1] = { 1 };
    cnn_layer_spec a = CONV_VALID;
    SET(a, UNITS, 1); SET(a, KERNEL_H, 1); SET(a, KERNEL_W, 1); SET(a, PADDING, CNN_PAD_EXPLICIT);
    SET(a, PAD_TOP, 1); SET(a, PAD_RIGHT, 2);
    float o3[12];
    m = run_one(a, 2, 2, 1, in4, one, NULL, o3, 12);
    const float want[12] = { 0, 0, 0, 0, 1, 2, 0, 0, 3, 4, 0, 0 };
    CHECK(memcmp(o3, want, sizeof want) == 0);
    cnn_model_free(m);
}

static void test_depthwise(void) {
    /* 2×2×2 input: channel 0 = [1 2; 3 4], channel 1 = [10 20; 30 40] (HWC: 1,10, 2,20, 3,30, 4,40).
     * 2×2 kernel, depthMultiplier 2, kernel [kh][kw][c][m]: (c 0, m 0) all 1 → 10; (c 0, m 1)
     * [1 0; 0 0] → 1; (c 1, m 0) [0 0; 0 1] → 40; (c 1, m 1) all 0.5 → 50. Outputs c·M + m. */
    const float in[8] = { 1, 10, 2, 20, 3, 30, 4, 40 };
    float k[16] = { 0 };
    for (int tap = 0; tap < 4; tap++) {
        k[tap * 4 + 0] = 1;                      /* c 0, m 0 */
        k[tap * 4 + 1] = tap == 0 ? 1.0f : 0.0f; /* c 0, m 1 */
        k[tap * 4 + 2] = tap == 3 ? 1.0f : 0.0f; /* c 1, m 0 */
        k[tap * 4 + 3] = 0.5f;                   /* c 1, m 1 */
    }
    const float b[4] = { 0, 0, 0, 1 };
    cnn_layer_spec s = { .type = CNN_LAYER_DEPTHWISECONV2D };
    SET(s, KERNEL_H, 2); SET(s, KERNEL_W, 2); SET(s, DEPTH_MULTIPLIER, 2);
    float out[4];
    cnn_model *m = run_one(s, 2, 2, 2, in, k, b, out, 4);
    CHECK(out[0] == 10 && out[1] == 1 && out[2] == 40 && out[3] == 51);
    cnn_layer_info info;
    cnn_model_layer_info(m, 0, &info);
    CHECK(info.params == (2 * 2 + 1) * 2 * 2 && info.out_c == 4);
    cnn_model_free(m);
}

static void test_zeropad_and_pool_options(void) {
    /* zeropad2d (top 1, bottom 0, left 0, right 1) on [1 2; 3 4]: [0 0 0; 1 2 0; 3 4 0] */
    const float in4[4] = { 1, 2, 3, 4 };
    cnn_layer_spec z = { .type = CNN_LAYER_ZEROPAD2D };
    SET(z, PAD_TOP, 1); SET(z, PAD_RIGHT, 1);
    float o[9];
    cnn_model *m = run_one(z, 2, 2, 1, in4, NULL, NULL, o, 9);
    const float want[9] = { 0, 0, 0, 1, 2, 0, 3, 4, 0 };
    CHECK(memcmp(o, want, sizeof want) == 0);
    cnn_model_free(m);
    /* ceilMode: max 2×2 stride 2 on 4×5 1..20 (rows of 5): floor gives 2×2, ceil 2×3; the
     * extra window covers column 4 only: rows 0–1 → max(5, 10) = 10; rows 2–3 → 20 */
    float in20[20];
    for (int i = 0; i < 20; i++) in20[i] = (float)(i + 1);
    cnn_layer_spec p = { .type = CNN_LAYER_MAXPOOL2D };
    SET(p, KERNEL_H, 2); SET(p, KERNEL_W, 2); SET(p, CEIL_MODE, 1);
    float o6[6];
    m = run_one(p, 4, 5, 1, in20, NULL, NULL, o6, 6);
    CHECK(o6[0] == 7 && o6[1] == 9 && o6[2] == 10 && o6[3] == 17 && o6[4] == 19 && o6[5] == 20);
    cnn_model_free(m);
    /* avg 2×2 stride 2, pads 1 on 3×3 1..9: out (3 + 2 − 2)/2 + 1 = 2. Window (0, 0) holds only
     * the cell 1: 1/1 by default, 1/4 with countIncludePad. Window (1, 1) holds 5, 6, 8, 9: 7. */
    cnn_layer_spec a = { .type = CNN_LAYER_AVGPOOL2D };
    SET(a, KERNEL_H, 2); SET(a, KERNEL_W, 2); SET(a, PADDING, CNN_PAD_EXPLICIT);
    SET(a, PAD_TOP, 1); SET(a, PAD_BOTTOM, 1); SET(a, PAD_LEFT, 1); SET(a, PAD_RIGHT, 1);
    float o4[4];
    m = run_one(a, 3, 3, 1, IN9, NULL, NULL, o4, 4);
    CHECK(o4[0] == 1 && o4[1] == 2.5f && o4[2] == 5.5f && o4[3] == 7);   /* (2+3)/2, (4+7)/2 */
    cnn_model_free(m);
    SET(a, COUNT_INCLUDE_PAD, 1);
    m = run_one(a, 3, 3, 1, IN9, NULL, NULL, o4, 4);
    CHECK(o4[0] == 0.25f && o4[1] == 1.25f && o4[2] == 2.75f && o4[3] == 7);
    cnn_model_free(m);
    /* max with dilation 2: a 2×2 window on 3×3 reads the corners: max(−1, −3, −7, −9) = −1 */
    float neg[9];
    for (int i = 0; i < 9; i++) neg[i] = -IN9[i];
    cnn_layer_spec d = { .type = CNN_LAYER_MAXPOOL2D };
    SET(d, KERNEL_H, 2); SET(d, KERNEL_W, 2); SET(d, DILATION_H, 2); SET(d, DILATION_W, 2); SET(d, STRIDE_H, 1);
    SET(d, STRIDE_W, 1);
    float o1[1];
    m = run_one(d, 3, 3, 1, neg, NULL, NULL, o1, 1);
    CHECK(o1[0] == -1);
    cnn_model_free(m);
}

static void test_batchnorm_and_dropout_inference(void) {
    /* batchnorm on a vector of 2 (after flatten): y = gamma·(x − mean)/sqrt(var + eps) + beta with
     * eps 0.001: channel 0 x 1, mean 0, var 3.999 (→ 2), gamma 2, beta 0.5: 1.5; channel 1
     * x 2, mean 1, var 0.249 (→ 0.5), gamma 3, beta −1: 5 */
    cnn_layer_spec L[3] = { { .type = CNN_LAYER_FLATTEN }, { .type = CNN_LAYER_BATCHNORM }, { .type = CNN_LAYER_DROPOUT } };
    SETF(L[2], RATE, 0.5f);
    cnn_model *m = NULL;
    CHECK_STATUS(cnn_model_create(&m, 1, 1, 2, L, 3, 1), CNN_OK);
    if (!m) return;
    const char *names[4] = { "gamma", "beta", "movingMean", "movingVariance" };
    const float v[4][2] = { { 2, 3 }, { 0.5f, -1 }, { 0, 1 }, { 3.999f, 0.249f } };
    for (int t = 0; t < 4; t++) {
        CHECK(cnn_model_tensor_index(m, 1, names[t]) == t);
        cnn_tensor_info ti;
        cnn_model_tensor_info(m, 1, t, &ti);
        CHECK(ti.size == 2 && ti.trainable == (t < 2));
        memcpy(cnn_model_tensor(m, 1, t), v[t], sizeof v[t]);
    }
    CHECK(cnn_model_param_count(m) == 8 && cnn_model_trainable_count(m) == 4);
    CHECK_STATUS(cnn_model_reserve(m, 1), CNN_OK);
    cnn_model_input(m)[0] = 1; cnn_model_input(m)[1] = 2;
    CHECK_STATUS(cnn_model_forward(m, 1), CNN_OK);
    CHECK_NEAR(cnn_model_output(m, 1)[0], 1.5, 1e-6);
    CHECK_NEAR(cnn_model_output(m, 1)[1], 5.0, 1e-5);
    /* dropout outside training: the identity */
    CHECK(cnn_model_output(m, 2)[0] == cnn_model_output(m, 1)[0] && cnn_model_output(m, 2)[1] == cnn_model_output(m, 1)[1]);
    cnn_model_free(m);
}

static void test_new_activations(void) {
    /* one value through each activation (defaults), against the formula at that point */
    const struct { int act; float x, y; } cases[] = {
        { CNN_ACT_LEAKYRELU, -2, -0.6f }, { CNN_ACT_LEAKYRELU, 3, 3 },
        { CNN_ACT_RELU6, 7, 6 }, { CNN_ACT_RELU6, -1, 0 }, { CNN_ACT_RELU6, 2.5f, 2.5f },
        { CNN_ACT_ELU, -1, -0.63212056f }, { CNN_ACT_ELU, 2, 2 },
        { CNN_ACT_SELU, 1, 1.0507009873f }, { CNN_ACT_SELU, -1, -1.1113307f },
        { CNN_ACT_GELU, 1, 0.84134475f }, { CNN_ACT_GELU, -1, -0.15865525f },
        { CNN_ACT_SWISH, 1, 0.73105858f }, { CNN_ACT_HARDSIGMOID, 0, 0.5f }, { CNN_ACT_HARDSIGMOID, 4, 1 },
        { CNN_ACT_HARDSIGMOID, 1.5f, 0.75f }, { CNN_ACT_HARDSWISH, 1, 4.0f / 6.0f }, { CNN_ACT_HARDSWISH, -4, 0 },
        { CNN_ACT_SOFTPLUS, 0, 0.69314718f }, { CNN_ACT_SOFTPLUS, 100, 100 }, { CNN_ACT_SOFTPLUS, -100, 3.7200760e-44f },
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        cnn_layer_spec s = { .type = CNN_LAYER_ACTIVATION };
        SET(s, ACTIVATION, cases[i].act);
        float out[1];
        cnn_model *m = run_one(s, 1, 1, 1, &cases[i].x, NULL, NULL, out, 1);
        if (fabsf(out[0] - cases[i].y) > 1e-6f * (1 + fabsf(cases[i].y)))
            fprintf(stderr, "  %s(%g) = %.9g, expected %.9g\n", cnn_activation_name(cases[i].act), (double)cases[i].x,
                    (double)out[0], (double)cases[i].y);
        CHECK_NEAR(out[0], cases[i].y, 1e-6 * (1 + fabs(cases[i].y)));
        cnn_model_free(m);
    }
    /* options: leakyrelu alpha 0.1; hardsigmoid in ONNX's form alpha 0.2, beta 0.5 */
    cnn_layer_spec s = { .type = CNN_LAYER_ACTIVATION };
    SET(s, ACTIVATION, CNN_ACT_LEAKYRELU); SETF(s, ALPHA, 0.1f);
    const float x = -5;
    float out[1];
    cnn_model *m = run_one(s, 1, 1, 1, &x, NULL, NULL, out, 1);
    CHECK_NEAR(out[0], -0.5, 1e-7);
    cnn_model_free(m);
    cnn_layer_spec h = { .type = CNN_LAYER_ACTIVATION };
    SET(h, ACTIVATION, CNN_ACT_HARDSIGMOID); SETF(h, ALPHA, 0.2f); SETF(h, BETA, 0.5f);
    const float x2 = 1;
    m = run_one(h, 1, 1, 1, &x2, NULL, NULL, out, 1);
    CHECK_NEAR(out[0], 0.7, 1e-7);
    cnn_model_free(m);
    /* alpha on an activation that has none is an error naming the rule */
    cnn_layer_spec r = { .type = CNN_LAYER_ACTIVATION };
    SET(r, ACTIVATION, CNN_ACT_RELU); SETF(r, ALPHA, 0.1f);
    m = NULL;
    CHECK_STATUS(cnn_model_create(&m, 1, 1, 1, &r, 1, 1), CNN_STATUS_BAD_LAYER);
    CHECK_MESSAGE("layer 0 (activation): alpha applies to leakyrelu, elu and hardsigmoid, not relu");
}

TEST_TABLE(layer_tests) = {
    { "conv2d: dilation, groups, no bias, asymmetric pads", test_conv_dilation_groups_bias },
    { "depthwiseconv2d: depthMultiplier 2, channel c·M + m", test_depthwise },
    { "zeropad2d; pools: ceilMode, countIncludePad, dilation", test_zeropad_and_pool_options },
    { "batchnorm (moving statistics) and dropout outside training", test_batchnorm_and_dropout_inference },
    { "activations: leakyrelu … softplus, alpha and beta", test_new_activations },
    { "conv2d: single channel, valid", test_conv_single_channel_valid },
    { "conv2d: explicit zero padding", test_conv_explicit_padding },
    { "conv2d: same padding puts the odd pixel bottom/right", test_conv_same_is_asymmetric_like_tensorflow },
    { "conv2d: k×k×3 with bias, two filters", test_conv_multichannel_with_bias },
    { "conv2d: stride 2 and (1, 2)", test_conv_stride },
    { "pool2d: max/avg, valid/same", test_pooling },
    { "pool2d: global avg/max", test_global_pooling },
    { "dense: hand-computed", test_dense },
    { "activations: relu/sigmoid/tanh/softmax", test_activations },
    { "flatten: shares memory when linear, own buffer otherwise", test_fused_activation_and_flatten },
    { "model: LeNet batch == single, simd == scalar", test_lenet_batch_and_kernels_agree },
    { "model: parameter counts [(k·k·p)+1]·d", test_param_counts_chain },
    { "model: a larger reserve moves the parameters with the block", test_reserve_keeps_parameters },
    TEST_END,
};
