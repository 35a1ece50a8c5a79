/* test-layers.c — hand-computed forward passes, one small case per layer and padding mode,
 * through the public API. Every expected number is worked out in the comment beside it. */
#include <stdlib.h>

#include "check.h"

static const cnn_layer_spec CONV_VALID = { .type = CNN_LAYER_CONV2D, .stride_h = 1, .stride_w = 1 };

/* Builds a one-layer model, sets its kernel and bias, runs one image; out gets the output. */
static cnn_model *run_one(cnn_layer_spec spec, int h, int w, int c, const float *input,
                          const float *kernel, const float *bias, float *out, size_t out_n) {
    cnn_model *m = NULL;
    CHECK_STATUS(cnn_model_create(&m, h, w, c, &spec, 1, 1), CNN_OK);
    if (!m) return NULL;
    cnn_layer_info info;
    cnn_model_layer_info(m, 0, &info);
    if (kernel) memcpy(cnn_model_kernel(m, 0), kernel, (size_t)info.kernel_size * sizeof(float));
    if (bias) memcpy(cnn_model_bias(m, 0), bias, (size_t)info.bias_size * sizeof(float));
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
    s.units = 1; s.kernel_h = s.kernel_w = 2;
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
    s.units = 1; s.kernel_h = s.kernel_w = 3; s.padding = CNN_PAD_EXPLICIT; s.pad_h = s.pad_w = 1;
    float out[4];
    cnn_model *m = run_one(s, 2, 2, 1, in, k, NULL, out, 4);
    CHECK(out[0] == 10 && out[1] == 10 && out[2] == 10 && out[3] == 10);
    cnn_model_free(m);
    /* pad 2 with a 1×1 kernel of 1: out 2 + 4 = 6 per side, a frame of zeros around the input */
    const float one[1] = { 1 };
    s.kernel_h = s.kernel_w = 1; s.pad_h = s.pad_w = 2;
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
    s.units = 1; s.kernel_h = s.kernel_w = 2; s.padding = CNN_PAD_SAME;
    float out[9];
    cnn_model *m = run_one(s, 3, 3, 1, IN9, k, NULL, out, 9);
    CHECK(out[0] == 12 && out[2] == 9 && out[6] == 15 && out[8] == 9 && out[4] == 28);
    cnn_layer_info info;
    cnn_model_layer_info(m, 0, &info);
    CHECK(info.pad_top == 0 && info.pad_bottom == 1 && info.pad_left == 0 && info.pad_right == 1);
    cnn_model_free(m);
    /* 3×3 kernel, stride 2 on a 4-wide input: out ceil(4/2) = 2, total (2−1)·2 + 3 − 4 = 1
     * → top 0, bottom 1 */
    s.kernel_h = s.kernel_w = 3; s.stride_h = s.stride_w = 2;
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
    s.units = 2; s.kernel_h = s.kernel_w = 2;
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
    s.units = 1; s.kernel_h = s.kernel_w = 1; s.stride_h = s.stride_w = 2;
    float out[4];
    cnn_model *m = run_one(s, 4, 4, 1, IN16, k, NULL, out, 4);
    CHECK(out[0] == 2 && out[1] == 6 && out[2] == 18 && out[3] == 22);
    cnn_model_free(m);
    /* 2×2 ones, stride (1, 2) on 3×3: out 2×1: (0,0) 1+2+4+5 = 12, (1,0) 4+5+7+8 = 24 */
    const float ones[4] = { 1, 1, 1, 1 };
    s.kernel_h = s.kernel_w = 2; s.stride_h = 1; s.stride_w = 2;
    m = run_one(s, 3, 3, 1, IN9, ones, NULL, out, 2);
    CHECK(out[0] == 12 && out[1] == 24);
    cnn_model_free(m);
}

static void test_pooling(void) {
    cnn_layer_spec s = { .type = CNN_LAYER_MAXPOOL2D, .kernel_h = 2, .kernel_w = 2, .stride_h = 2, .stride_w = 2 };
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
    s.padding = CNN_PAD_SAME;
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
    s = (cnn_layer_spec){ .type = CNN_LAYER_MAXPOOL2D, .kernel_h = 2, .kernel_w = 1, .stride_h = 1, .stride_w = 1 };
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
    cnn_layer_spec layers[2] = { { .type = CNN_LAYER_FLATTEN }, { .type = CNN_LAYER_DENSE, .units = 2 } };
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
    cnn_layer_spec s = { .type = CNN_LAYER_ACTIVATION, .activation = CNN_ACT_RELU };
    float out[4];
    cnn_model *m = run_one(s, 1, 1, 4, in, NULL, NULL, out, 4);
    CHECK(out[0] == 0 && out[1] == 0 && out[2] == 3 && out[3] == 0);
    cnn_model_free(m);

    const float l3[1] = { logf(3.0f) }, l2[1] = { logf(2.0f) };
    s.activation = CNN_ACT_SIGMOID;
    m = run_one(s, 1, 1, 1, l3, NULL, NULL, out, 1);
    CHECK_NEAR(out[0], 0.75, 1e-6);
    cnn_model_free(m);
    const float big[2] = { -100, 100 };                         /* no overflow either way */
    m = run_one(s, 1, 1, 2, big, NULL, NULL, out, 2);
    CHECK(out[0] >= 0 && out[0] < 1e-40 && out[1] == 1);
    cnn_model_free(m);

    s.activation = CNN_ACT_TANH;
    m = run_one(s, 1, 1, 1, l2, NULL, NULL, out, 1);
    CHECK_NEAR(out[0], 0.6, 1e-6);
    cnn_model_free(m);

    s.activation = CNN_ACT_SOFTMAX;
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
        { .type = CNN_LAYER_CONV2D, .units = 1, .kernel_h = 1, .kernel_w = 1, .stride_h = 1,
          .stride_w = 1, .activation = CNN_ACT_LINEAR },
        { .type = CNN_LAYER_FLATTEN },
        { .type = CNN_LAYER_FLATTEN, .activation = CNN_ACT_RELU },
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
static const cnn_layer_spec LENET[] = {
    { .type = CNN_LAYER_CONV2D, .units = 6, .kernel_h = 5, .kernel_w = 5, .stride_h = 1, .stride_w = 1,
      .padding = CNN_PAD_SAME, .activation = CNN_ACT_RELU },
    { .type = CNN_LAYER_MAXPOOL2D, .kernel_h = 2, .kernel_w = 2, .stride_h = 2, .stride_w = 2 },
    { .type = CNN_LAYER_CONV2D, .units = 16, .kernel_h = 5, .kernel_w = 5, .stride_h = 1, .stride_w = 1,
      .activation = CNN_ACT_RELU },
    { .type = CNN_LAYER_MAXPOOL2D, .kernel_h = 2, .kernel_w = 2, .stride_h = 2, .stride_w = 2 },
    { .type = CNN_LAYER_FLATTEN },
    { .type = CNN_LAYER_DENSE, .units = 120, .activation = CNN_ACT_RELU },
    { .type = CNN_LAYER_DENSE, .units = 84, .activation = CNN_ACT_RELU },
    { .type = CNN_LAYER_DENSE, .units = 10, .activation = CNN_ACT_SOFTMAX },
};

static void test_lenet_batch_and_kernels_agree(void) {
    cnn_model *m = NULL;
    CHECK_STATUS(cnn_model_create(&m, 28, 28, 1, LENET, 8, 42), CNN_OK);
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
    CHECK_STATUS(cnn_model_create(&m, 28, 28, 1, LENET, 8, 5), CNN_OK);
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
        { .type = CNN_LAYER_CONV2D, .units = 8, .kernel_h = 5, .kernel_w = 5, .stride_h = 1, .stride_w = 1 },
        { .type = CNN_LAYER_CONV2D, .units = 16, .kernel_h = 3, .kernel_w = 3, .stride_h = 1, .stride_w = 1 },
        { .type = CNN_LAYER_CONV2D, .units = 32, .kernel_h = 1, .kernel_w = 1, .stride_h = 1, .stride_w = 1 },
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

TEST_TABLE(layer_tests) = {
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
