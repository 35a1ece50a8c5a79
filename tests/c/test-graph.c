/* test-graph.c — graph models: layers that read earlier layers (residual add, concat,
 * multiply), hand-computed; gradients through branches by finite differences (gradcheck in
 * test-training.c); files with a GRPH section; and every malformed graph rejected by name. */
#include <stdlib.h>

#include "check.h"

#define LAYER(t) { .type = (t) }

/* A 1×1 conv of `d` filters reading `in` (an earlier layer, or CNN_INPUT). */
static cnn_layer_spec conv1x1(int d, int in) {
    cnn_layer_spec s = { .type = CNN_LAYER_CONV2D, .n_inputs = 1, .inputs = { in } };
    SET(s, UNITS, d); SET(s, KERNEL_H, 1); SET(s, KERNEL_W, 1);
    return s;
}

static cnn_layer_spec merge(int type, int a, int b) {
    cnn_layer_spec s = { .type = type, .n_inputs = 2, .inputs = { a, b } };
    return s;
}

static void test_merge_layers_hand_computed(void) {
    /* input (1, 2, 2) = pixels [1, 2], [3, 4]. Layer 0: 1×1 conv, kernel [[1, 0], [0, 1]]·2
     * (doubles), layer 1: add(input, layer 0) = 3× the input: [3, 6], [9, 12]; layer 2:
     * concat(layer 1, input) per pixel: [3, 6, 1, 2], [9, 12, 3, 4]; layer 3: global avg pool
     * → (6, 9, 2, 3); layer 4: multiply(layer 3, layer 3) = (36, 81, 4, 9) */
    cnn_layer_spec L[5] = { conv1x1(2, CNN_INPUT), merge(CNN_LAYER_ADD, CNN_INPUT, 0), merge(CNN_LAYER_CONCAT, 1, CNN_INPUT),
                            LAYER(CNN_LAYER_GLOBALAVGPOOL2D), merge(CNN_LAYER_MULTIPLY, 3, 3) };
    cnn_model *m = NULL;
    CHECK_STATUS(cnn_model_create(&m, 1, 2, 2, L, 5, 1), CNN_OK);
    if (!m) return;
    const float k[4] = { 2, 0, 0, 2 }, b[2] = { 0, 0 };
    memcpy(cnn_model_kernel(m, 0), k, sizeof k);
    memcpy(cnn_model_bias(m, 0), b, sizeof b);
    cnn_layer_info info;
    cnn_model_layer_info(m, 2, &info);
    CHECK(info.n_inputs == 2 && info.out_h == 1 && info.out_w == 2 && info.out_c == 4);
    int32_t ins[4];
    CHECK(cnn_model_layer_inputs(m, 2, ins, 4) == 2 && ins[0] == 1 && ins[1] == CNN_INPUT);
    CHECK_STATUS(cnn_model_reserve(m, 1), CNN_OK);
    const float x[4] = { 1, 2, 3, 4 };
    memcpy(cnn_model_input(m), x, sizeof x);
    CHECK_STATUS(cnn_model_forward(m, 1), CNN_OK);
    const float *cat = cnn_model_output(m, 2), *y = cnn_model_output(m, 4);
    const float want_cat[8] = { 3, 6, 1, 2, 9, 12, 3, 4 }, want_y[4] = { 36, 81, 4, 9 };
    CHECK(memcmp(cat, want_cat, sizeof want_cat) == 0);
    CHECK(memcmp(y, want_y, sizeof want_y) == 0);
    cnn_model_free(m);

    /* squeeze-and-excitation's scale: multiply((2, 1, 3) map, (3) vector) = each pixel × v */
    cnn_layer_spec S[3] = { LAYER(CNN_LAYER_GLOBALMAXPOOL2D), merge(CNN_LAYER_MULTIPLY, CNN_INPUT, 0), LAYER(CNN_LAYER_FLATTEN) };
    m = NULL;
    CHECK_STATUS(cnn_model_create(&m, 2, 1, 3, S, 3, 1), CNN_OK);
    if (!m) return;
    cnn_model_reserve(m, 1);
    const float x2[6] = { 1, -2, 3, 4, 5, -6 };          /* max per channel: (4, 5, 3) */
    memcpy(cnn_model_input(m), x2, sizeof x2);
    cnn_model_forward(m, 1);
    const float want2[6] = { 4, -10, 9, 16, 25, -18 };
    CHECK(memcmp(cnn_model_output(m, 2), want2, sizeof want2) == 0);
    cnn_model_free(m);
}

/* A residual block saved with its GRPH section loads with the same inputs and outputs; a
 * sequential model's file has no GRPH section. */
static void test_graph_files(void) {
    cnn_layer_spec L[4] = { conv1x1(3, CNN_INPUT), conv1x1(3, 0), merge(CNN_LAYER_ADD, 0, 1), LAYER(CNN_LAYER_FLATTEN) };
    SET(L[1], ACTIVATION, CNN_ACT_RELU);
    cnn_model *m = NULL;
    CHECK_STATUS(cnn_model_create(&m, 2, 2, 3, L, 4, 9), CNN_OK);
    if (!m) return;
    const size_t size = cnn_model_save_size(m, 0);
    uint8_t *f = (uint8_t *)malloc(size);
    size_t written;
    CHECK_STATUS(cnn_model_save(m, f, size, 0, &written), CNN_OK);
    const uint8_t grph[4] = { 'G', 'R', 'P', 'H' };
    int found = 0;
    for (size_t i = 0; i + 4 <= size; i += 4) found |= memcmp(f + i, grph, 4) == 0;
    CHECK(found);
    cnn_model *r = NULL;
    CHECK_STATUS(cnn_model_load(&r, f, size), CNN_OK);
    if (r) {
        int32_t a[4], b[4];
        for (int i = 0; i < 4; i++) {
            const int na = cnn_model_layer_inputs(m, i, a, 4), nb = cnn_model_layer_inputs(r, i, b, 4);
            CHECK(na == nb && memcmp(a, b, (size_t)na * 4) == 0);
        }
        unsigned seed = 4;
        cnn_model_reserve(m, 2); cnn_model_reserve(r, 2);
        for (int i = 0; i < 24; i++) cnn_model_input(m)[i] = cnn_model_input(r)[i] = test_rand(&seed);
        cnn_model_forward(m, 2); cnn_model_forward(r, 2);
        CHECK(memcmp(cnn_model_output(m, -1), cnn_model_output(r, -1), 24 * sizeof(float)) == 0);
        /* a GRPH that names a later layer is rejected by shape inference */
        uint8_t *bad = (uint8_t *)malloc(size);
        memcpy(bad, f, size);
        size_t g = 0;
        while (memcmp(bad + g, grph, 4) != 0) g += 4;
        /* layer 0: 1 input (-1); layer 1: 1 input (0): point it at layer 3 */
        const uint32_t three = 3;
        memcpy(bad + g + 8 + 8 + 4, &three, 4);
        cnn_model *x = NULL;
        CHECK(cnn_model_load(&x, bad, size) != CNN_OK && x == NULL);   /* the CRC, or the graph */
        free(bad);
    }
    free(f);
    cnn_model_free(m);
    cnn_model_free(r);
    /* sequential: no GRPH */
    cnn_layer_spec Q[2] = { conv1x1(2, CNN_INPUT), LAYER(CNN_LAYER_FLATTEN) };
    Q[0].n_inputs = 0;
    m = NULL;
    CHECK_STATUS(cnn_model_create(&m, 2, 2, 1, Q, 2, 1), CNN_OK);
    const size_t qs = cnn_model_save_size(m, 0);
    uint8_t *q = (uint8_t *)malloc(qs);
    cnn_model_save(m, q, qs, 0, &written);
    found = 0;
    for (size_t i = 0; i + 4 <= qs; i += 4) found |= memcmp(q + i, grph, 4) == 0;
    CHECK(!found);
    free(q);
    cnn_model_free(m);
}

static void test_bad_graphs(void) {
    typedef struct { int n; cnn_layer_spec L[4]; const char *message; } bad;
    bad cases[] = {
        { 2, { conv1x1(2, CNN_INPUT), merge(CNN_LAYER_ADD, 0, 1) }, "layer 1 (add): input 1 is the layer itself" },
        { 2, { conv1x1(2, 1), LAYER(CNN_LAYER_FLATTEN) }, "layer 0 (conv2d): input 0 is layer 1, which does not come before it" },
        { 2, { conv1x1(2, CNN_INPUT), merge(CNN_LAYER_ADD, 0, -2) }, "layer 1 (add): input 1 is layer -2, which does not come before it" },
        { 3, { conv1x1(2, CNN_INPUT), conv1x1(2, CNN_INPUT), LAYER(CNN_LAYER_FLATTEN) },
          "layer 0 (conv2d): no layer reads its output" },
        { 2, { conv1x1(2, CNN_INPUT), merge(CNN_LAYER_ADD, 0, CNN_INPUT) }, "layer 1 (add): input 0 (layer 0) is (3, 3, 2) but input 1 (layer -1) is (3, 3, 1)" },
        { 2, { LAYER(CNN_LAYER_GLOBALMAXPOOL2D), merge(CNN_LAYER_CONCAT, 0, CNN_INPUT) }, "layer 1 (concat): inputs 0 (layer 0) and 1 (layer -1) mix a map and a vector" },
        { 3, { conv1x1(2, CNN_INPUT), LAYER(CNN_LAYER_GLOBALMAXPOOL2D), merge(CNN_LAYER_MULTIPLY, CNN_INPUT, 1) },
          "layer 2 (multiply): input 1 (layer 1) is a vector of 2 values, but the maps have 1 channels" },
        { 1, { merge(CNN_LAYER_CONV2D, CNN_INPUT, CNN_INPUT) }, "layer 0 (conv2d): takes one input, got 2" },
        { 1, { { .type = CNN_LAYER_ADD, .n_inputs = 1, .inputs = { CNN_INPUT } } }, "layer 0 (add): needs 2 or more inputs, got 1" },
        { 1, { { .type = CNN_LAYER_ADD, .n_inputs = 10000 } }, "layer 0 (add): 10000 inputs; a layer takes 1 to 32" },
    };
    cases[7].L[0] = merge(CNN_LAYER_CONV2D, CNN_INPUT, CNN_INPUT);
    SET(cases[7].L[0], UNITS, 1); SET(cases[7].L[0], KERNEL_H, 1); SET(cases[7].L[0], KERNEL_W, 1);
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        cnn_model *m = (cnn_model *)1;
        const cnn_status s = cnn_model_create(&m, 3, 3, 1, cases[i].L, cases[i].n, 1);
        if (s != CNN_STATUS_BAD_LAYER || !strstr(cnn_error_message(), cases[i].message))
            fprintf(stderr, "  case %zu: %s \"%s\"\n", i, cnn_status_name(s), cnn_error_message());
        CHECK(s == CNN_STATUS_BAD_LAYER && m == NULL);
        CHECK_MESSAGE(cases[i].message);
    }
    /* a fan-in of 32 (the limit) works: 32 copies of the input added */
    cnn_layer_spec wide[2] = { { .type = CNN_LAYER_ADD, .n_inputs = CNN_MAX_INPUTS }, LAYER(CNN_LAYER_FLATTEN) };
    for (int k = 0; k < CNN_MAX_INPUTS; k++) wide[0].inputs[k] = CNN_INPUT;
    cnn_model *m = NULL;
    CHECK_STATUS(cnn_model_create(&m, 2, 2, 1, wide, 2, 1), CNN_OK);
    if (m) {
        cnn_model_reserve(m, 1);
        for (int i = 0; i < 4; i++) cnn_model_input(m)[i] = (float)i;
        cnn_model_forward(m, 1);
        CHECK(cnn_model_output(m, -1)[3] == 3.0f * CNN_MAX_INPUTS);
    }
    cnn_model_free(m);
}

TEST_TABLE(graph_tests) = {
    { "graph: add, concat, multiply (and a vector scaling a map), hand-computed", test_merge_layers_hand_computed },
    { "graph: files keep the inputs (GRPH), sequential files have none", test_graph_files },
    { "graph: self-reference, forward reference, unread outputs, shapes, fan-in: named errors", test_bad_graphs },
    TEST_END,
};
