/* test-format.c — model files: save → load is bit-exact; metadata survives; and a table of
 * damaged files, each rejected with its status and a message naming the problem. The layout
 * offsets used below are those of docs/model-format.md. */
#include <stdlib.h>

#include "check.h"

static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static uint32_t get32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }

static cnn_model *small_model(void) {
    cnn_layer_spec L[4] = {
        { .type = CNN_LAYER_CONV2D, .options = { { CNN_OPT_UNITS, .i = 3 }, { CNN_OPT_KERNEL_H, .i = 3 }, { CNN_OPT_KERNEL_W, .i = 3 }, { CNN_OPT_STRIDE_H, .i = 1 }, { CNN_OPT_STRIDE_W, .i = 1 }, { CNN_OPT_PADDING, .i = CNN_PAD_SAME }, { CNN_OPT_ACTIVATION, .i = CNN_ACT_RELU } } },
        { .type = CNN_LAYER_MAXPOOL2D, .options = { { CNN_OPT_KERNEL_H, .i = 2 }, { CNN_OPT_KERNEL_W, .i = 2 }, { CNN_OPT_STRIDE_H, .i = 2 }, { CNN_OPT_STRIDE_W, .i = 2 } } },
        { .type = CNN_LAYER_FLATTEN },
        { .type = CNN_LAYER_DENSE, .options = { { CNN_OPT_UNITS, .i = 4 }, { CNN_OPT_ACTIVATION, .i = CNN_ACT_SOFTMAX } } },
    };
    cnn_model *m = NULL;
    CHECK_STATUS(cnn_model_create(&m, 6, 6, 2, L, 4, 7), CNN_OK);
    float *b = cnn_model_bias(m, 0);
    b[0] = 0.25f; b[1] = -0.5f; b[2] = 1e-3f;          /* non-zero biases travel too */
    return m;
}

/* META encoding: count, then (key length, key, value length, value) per entry. */
static size_t make_meta(uint8_t *buf) {
    const char *kv[4] = { "name", "tiny", "labels", "a\nb\nc\nd" };
    size_t at = 4;
    buf[0] = 2; buf[1] = buf[2] = buf[3] = 0;
    for (int i = 0; i < 4; i++) {
        uint32_t n = (uint32_t)strlen(kv[i]);
        memcpy(buf + at, &n, 4);       /* the test host is little-endian, like the format */
        memcpy(buf + at + 4, kv[i], n);
        at += 4 + n;
    }
    return at;
}

static uint8_t *save(cnn_model *m, size_t *size) {
    *size = cnn_model_save_size(m, 0);
    uint8_t *buf = (uint8_t *)malloc(*size);
    size_t written = 0;
    CHECK_STATUS(cnn_model_save(m, buf, *size, 0, &written), CNN_OK);
    CHECK(written == *size);
    return buf;
}

static void forward_random(cnn_model *m, float *out, size_t n_out) {
    cnn_model_reserve(m, 1);
    unsigned seed = 11;
    for (int i = 0; i < 6 * 6 * 2; i++) cnn_model_input(m)[i] = test_rand(&seed);
    cnn_model_forward(m, 1);
    memcpy(out, cnn_model_output(m, -1), n_out * sizeof(float));
}

static void test_round_trip_bit_exact(void) {
    cnn_model *m = small_model();
    uint8_t meta[64];
    size_t meta_n = make_meta(meta);
    CHECK_STATUS(cnn_model_set_metadata(m, meta, meta_n), CNN_OK);
    size_t size;
    uint8_t *file = save(m, &size);
    CHECK(memcmp(file, "WCNN\r\n\x1a\n", 8) == 0 && get32(file + 8) == 2 && get32(file + 12) == size);
    cnn_model *r = NULL;
    CHECK_STATUS(cnn_model_load(&r, file, size), CNN_OK);
    if (!r) { free(file); cnn_model_free(m); return; }
    CHECK(cnn_model_param_count(r) == cnn_model_param_count(m));
    for (int i = 0; i < 4; i++) {
        cnn_layer_info a, b;
        cnn_model_layer_info(m, i, &a);
        cnn_model_layer_info(r, i, &b);
        CHECK(memcmp(&a, &b, sizeof a) == 0);
    }
    CHECK(memcmp(cnn_model_kernel(m, 0), cnn_model_kernel(r, 0), cnn_model_param_count(m) * 4) == 0);
    size_t got_n;
    const uint8_t *got = cnn_model_metadata(r, &got_n);
    CHECK(got_n == meta_n && memcmp(got, meta, meta_n) == 0);
    float a[4], b[4];
    forward_random(m, a, 4);
    forward_random(r, b, 4);
    CHECK(memcmp(a, b, sizeof a) == 0);
    /* saving the loaded model gives the same bytes */
    size_t size2;
    uint8_t *file2 = save(r, &size2);
    CHECK(size2 == size && memcmp(file, file2, size) == 0);
    free(file); free(file2);
    cnn_model_free(m);
    cnn_model_free(r);
}


/* Recomputes the CRC so a test's damage reaches the check it targets, not the checksum. */
static uint32_t crc32_ieee(const uint8_t *p, size_t n) {
    uint32_t crc = 0xFFFFFFFFu;
    while (n--) {
        crc ^= *p++;
        for (int k = 0; k < 8; k++) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
    return ~crc;
}
static void fix_crc(uint8_t *f, size_t size) { put32(f + size - 4, crc32_ieee(f, size - 12)); }

static void expect_rejected(const uint8_t *f, size_t size, cnn_status status, const char *words,
                            const char *what) {
    cnn_model *r = (cnn_model *)1;
    cnn_status s = cnn_model_load(&r, f, size);
    if (s != status || !strstr(cnn_error_message(), words))
        fprintf(stderr, "  %s: got %s \"%s\"\n", what, cnn_status_name(s), cnn_error_message());
    CHECK(s == status);
    CHECK(r == NULL);
    CHECK_MESSAGE(words);
}

static void test_damaged_files_rejected(void) {
    cnn_model *m = small_model();
    size_t size;
    uint8_t *good = save(m, &size);
    uint8_t *f = (uint8_t *)malloc(size + 64);
    /* File layout (no META): header 16 | ARCH 8 + 16 + layers | WGHT 8 + 4·params | END 12.
     * Layer records: type, option count, (key, value) pairs of the non-default options in key
     * order: conv2d activation, units, kernel_h, kernel_w, padding (8 + 5·8 bytes); maxpool2d
     * kernel_h/w (8 + 2·8: a stride equal to the window is the default); flatten (8); dense
     * activation, units (8 + 2·8). */
    const size_t arch = 16, arch_body = arch + 8, rec0 = arch_body + 16;
    const size_t wght = arch + 8 + 16 + 48 + 24 + 8 + 24;
    const size_t n_params = cnn_model_param_count(m);
#define OPT_VALUE(j) (rec0 + 8 + 8 * (j) + 4)   /* layer 0's option j's value */
    CHECK(size == wght + 8 + 4 * n_params + 12);
    CHECK(get32(good + rec0 + 4) == 5 && get32(good + rec0 + 8 + 8) == CNN_OPT_UNITS);

#define RESET() memcpy(f, good, size)
    RESET(); expect_rejected(f, 0, CNN_STATUS_NOT_A_MODEL, "0 bytes", "empty");
    const char html[] = "<!DOCTYPE html><html><body>404 Not Found</body></html>";
    expect_rejected((const uint8_t *)html, sizeof html - 1, CNN_STATUS_NOT_A_MODEL, "HTML", "html");
    const uint8_t wasm[8] = { 0, 'a', 's', 'm', 1, 0, 0, 0 };
    expect_rejected(wasm, 8, CNN_STATUS_NOT_A_MODEL, "WebAssembly module", "wasm");
    RESET(); f[4] = '\n'; expect_rejected(f, size, CNN_STATUS_NOT_A_MODEL, "transferred as text", "crlf");
    RESET(); expect_rejected(f, 10, CNN_STATUS_TRUNCATED, "header needs 16 bytes", "short header");
    RESET(); expect_rejected(f, 5, CNN_STATUS_TRUNCATED, "5 bytes, not even the 8-byte magic", "short magic");
    RESET(); put32(f + 8, 3); expect_rejected(f, size, CNN_STATUS_UNSUPPORTED_VERSION, "version 3", "version");
    RESET(); put32(f + 12, (uint32_t)size - 1);
    expect_rejected(f, size, CNN_STATUS_BAD_FILE, "after its declared end", "declared short");
    RESET(); expect_rejected(f, size - 40, CNN_STATUS_TRUNCATED, "the weights need 676 bytes", "cut in weights");
    RESET(); expect_rejected(f, wght + 8 + 4 * 10, CNN_STATUS_TRUNCATED,
                             "model file truncated: the weights need 676 bytes, 40 remain", "cut in layer 0");
    RESET(); expect_rejected(f, arch_body + 20, CNN_STATUS_TRUNCATED, "ARCH needs", "cut in arch");
    RESET(); expect_rejected(f, size - 2, CNN_STATUS_TRUNCATED, "checksum needs 4 bytes", "cut in crc");
    RESET(); f[size] = 0; put32(f + 12, (uint32_t)size + 1);
    expect_rejected(f, size + 1, CNN_STATUS_BAD_FILE, "1 bytes after the END section", "trailing byte");
    RESET(); f[wght + 8 + 100] ^= 0x40;
    expect_rejected(f, size, CNN_STATUS_CHECKSUM, "CRC-32", "flipped weight bit");
    RESET(); put32(f + arch, 0x58585858); fix_crc(f, size);
    expect_rejected(f, size, CNN_STATUS_BAD_FILE, "expected the ARCH section at offset 16, found 'XXXX'", "tag");
    RESET(); put32(f + arch_body + 12, 0); fix_crc(f, size);
    expect_rejected(f, size, CNN_STATUS_BAD_FILE, "0 layers", "zero layers");
    RESET(); put32(f + arch_body + 12, 0xFFFFFFFFu); fix_crc(f, size);
    expect_rejected(f, size, CNN_STATUS_BAD_FILE, "4294967295 layers", "huge layer count");
    RESET(); put32(f + arch_body + 12, 3); fix_crc(f, size);
    expect_rejected(f, size, CNN_STATUS_BAD_FILE, "ARCH section is 120 bytes, its 3 layers use 96", "layer count vs section");
    RESET(); put32(f + arch_body + 12, 5); fix_crc(f, size);
    expect_rejected(f, size, CNN_STATUS_BAD_FILE, "ARCH ends inside layer 4", "layer count past the section");
    RESET(); put32(f + arch_body, 70000); fix_crc(f, size);
    expect_rejected(f, size, CNN_STATUS_BAD_FILE, "exceeds the limit", "huge input");
    /* layer 0 filters 3 → 4: the architecture needs more weights than the section holds */
    RESET(); put32(f + OPT_VALUE(1), 4); fix_crc(f, size);
    expect_rejected(f, size, CNN_STATUS_BAD_FILE, "WGHT section holds", "weights vs arch");
    /* layer 0 type 42 */
    RESET(); put32(f + rec0, 42); fix_crc(f, size);
    expect_rejected(f, size, CNN_STATUS_BAD_FILE, "invalid architecture: layer 0: unknown layer type 42", "type");
    /* layer 0 kernel 1000x1000, valid padding, on a 6x6 input */
    RESET(); put32(f + OPT_VALUE(2), 1000); put32(f + OPT_VALUE(3), 1000);
    put32(f + OPT_VALUE(4), CNN_PAD_VALID); fix_crc(f, size);
    expect_rejected(f, size, CNN_STATUS_BAD_FILE,
                    "invalid architecture: layer 0 (conv2d): kernel 1000x1000 larger than padded input 6x6", "kernel");
    /* options: a key twice, key 0, an unknown key, a key of another layer type, too many */
    RESET(); put32(f + OPT_VALUE(2) - 4, CNN_OPT_UNITS); fix_crc(f, size);
    expect_rejected(f, size, CNN_STATUS_BAD_FILE, "layer 0 (conv2d): filters given twice", "option twice");
    RESET(); put32(f + OPT_VALUE(2) - 4, 0); fix_crc(f, size);
    expect_rejected(f, size, CNN_STATUS_BAD_FILE, "layer 0 option 2 has key 0", "option key 0");
    RESET(); put32(f + OPT_VALUE(2) - 4, 9999); fix_crc(f, size);
    expect_rejected(f, size, CNN_STATUS_BAD_FILE, "layer 0 (conv2d): unknown option key 9999", "unknown key");
    RESET(); put32(f + OPT_VALUE(2) - 4, CNN_OPT_EPSILON); fix_crc(f, size);
    expect_rejected(f, size, CNN_STATUS_BAD_FILE, "layer 0 (conv2d): epsilon does not apply to conv2d", "foreign key");
    RESET(); put32(f + rec0 + 4, 21); fix_crc(f, size);
    expect_rejected(f, size, CNN_STATUS_BAD_FILE, "layer 0 has 21 options, at most 20", "too many options");
    RESET(); put32(f + rec0 + 4, 0x7FFFFFFF); fix_crc(f, size);
    expect_rejected(f, size, CNN_STATUS_BAD_FILE, "options, at most 20", "huge option count");
    /* the header's declared size is larger than the sections */
    RESET(); put32(f + 12, (uint32_t)size + 8); fix_crc(f, size);
    expect_rejected(f, size, CNN_STATUS_BAD_FILE, "header declares", "declared long");
    /* filters 2^31-1: over the limit, never multiplied into a small number */
    RESET(); put32(f + OPT_VALUE(1), 0x7FFFFFFF); fix_crc(f, size);
    expect_rejected(f, size, CNN_STATUS_TOO_LARGE, "exceeds the limit", "overflow");
    RESET(); put32(f + wght + 4, 0xFFFFFFF0u); fix_crc(f, size);
    expect_rejected(f, size, CNN_STATUS_BAD_FILE, "WGHT section holds 4294967280 bytes", "wght size");
    RESET(); put32(f + size - 8, 8); fix_crc(f, size);
    expect_rejected(f, size, CNN_STATUS_BAD_FILE, "END section is 8 bytes", "end size");
#undef RESET
    /* every truncation of a valid file fails cleanly (ASan watches the reads) */
    for (size_t n = 0; n < size; n++) {
        uint8_t *cut = (uint8_t *)malloc(n ? n : 1);
        memcpy(cut, good, n);
        cnn_model *r = NULL;
        CHECK(cnn_model_load(&r, cut, n) != CNN_OK && r == NULL);
        free(cut);
    }
    free(f); free(good);
    cnn_model_free(m);
}

static void test_optimizer_section(void) {
    cnn_model *m = small_model();
    cnn_optimizer o = cnn_optimizer_default(CNN_OPTIMIZER_SGD, CNN_LOSS_CROSSENTROPY);
    o.momentum = 0.9f;
    CHECK_STATUS(cnn_model_set_optimizer(m, &o), CNN_OK);
    const size_t plain = cnn_model_save_size(m, 0), size = cnn_model_save_size(m, CNN_SAVE_OPTIMIZER);
    const size_t P = cnn_model_param_count(m);
    CHECK(size == plain + 8 + 64 + 4 + 8 * P);
    uint8_t *f = (uint8_t *)malloc(size);
    CHECK_STATUS(cnn_model_save(m, f, size, CNN_SAVE_OPTIMIZER, NULL), CNN_OK);
    const size_t optm = plain - 12;                      /* OPTM comes right before END */
    CHECK(memcmp(f + optm, "OPTM", 4) == 0);
    put32(f + optm + 8 + 8, 0xBF800000u); fix_crc(f, size);    /* learning rate −1 */
    expect_rejected(f, size, CNN_STATUS_BAD_FILE, "invalid optimizer: optimizer: learningRate must be a positive number", "bad lr");
    CHECK_STATUS(cnn_model_save(m, f, size, CNN_SAVE_OPTIMIZER, NULL), CNN_OK);
    expect_rejected(f, optm + 8 + 70, CNN_STATUS_TRUNCATED, "the optimizer state needs", "cut in optm");
    put32(f + optm + 4, 12); fix_crc(f, size);
    expect_rejected(f, size, CNN_STATUS_BAD_FILE, "OPTM section is 12 bytes", "optm size");
    cnn_model *plain_model = small_model();
    uint8_t small[8];
    CHECK_STATUS(cnn_model_save(plain_model, small, sizeof small, CNN_SAVE_OPTIMIZER, NULL), CNN_STATUS_INVALID_ARGUMENT);
    CHECK_MESSAGE("withOptimizer asked, but no optimizer is set");
    free(f);
    cnn_model_free(m);
    cnn_model_free(plain_model);
}

static void test_metadata_rules(void) {
    cnn_model *m = small_model();
    uint8_t meta[64];
    size_t n = make_meta(meta);
    CHECK_STATUS(cnn_model_set_metadata(m, meta, n - 1), CNN_STATUS_BAD_FILE);
    CHECK_MESSAGE("entry 1 value needs 7 bytes, 6 remain");
    CHECK_STATUS(cnn_model_set_metadata(m, meta, n + 0), CNN_OK);
    meta[n] = 0;
    CHECK_STATUS(cnn_model_set_metadata(m, meta, n + 1), CNN_STATUS_BAD_FILE);
    CHECK_MESSAGE("1 bytes after the last entry");
    put32(meta + 4, 0);                                     /* empty key */
    CHECK_STATUS(cnn_model_set_metadata(m, meta, n), CNN_STATUS_BAD_FILE);
    CHECK_MESSAGE("entry 0 key has 0 bytes");
    put32(meta, 5000);
    CHECK_STATUS(cnn_model_set_metadata(m, meta, n), CNN_STATUS_BAD_FILE);
    CHECK_MESSAGE("5000 entries");
    size_t got;
    cnn_model_metadata(m, &got);
    CHECK(got == n);                                        /* a failed set keeps the old */
    CHECK_STATUS(cnn_model_set_metadata(m, NULL, 0), CNN_OK);
    cnn_model_metadata(m, &got);
    CHECK(got == 0);
    uint8_t small[8];
    CHECK_STATUS(cnn_model_save(m, small, sizeof small, 0, NULL), CNN_STATUS_INVALID_ARGUMENT);
    CHECK_MESSAGE("buffer has 8 bytes");
    cnn_model_free(m);
}

/* A version-1 file (12 int32 per layer record, docs/model-format.md §7) of the small model,
 * written here byte by byte: it loads with the same layers and weights, runs bit-identically,
 * and saves as the version-2 file of the same model. */
static void test_version1_files_load(void) {
    cnn_model *m = small_model();
    const int32_t records[4][12] = {
        { CNN_LAYER_CONV2D, CNN_ACT_RELU, 3, 3, 3, 1, 1, CNN_PAD_SAME, 0, 0, 0, 0 },
        { CNN_LAYER_MAXPOOL2D, 0, 0, 2, 2, 2, 2, 0, 0, 0, 0, 0 },
        { CNN_LAYER_FLATTEN, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 },
        { CNN_LAYER_DENSE, CNN_ACT_SOFTMAX, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0 },
    };
    const size_t P = cnn_model_param_count(m);
    const size_t size = 16 + 8 + 16 + 4 * 48 + 8 + 4 * P + 12;
    uint8_t *f = (uint8_t *)calloc(size, 1);
    memcpy(f, "WCNN\r\n\x1a\n", 8);
    put32(f + 8, 1); put32(f + 12, (uint32_t)size);
    uint8_t *p = f + 16;
    memcpy(p, "ARCH", 4); put32(p + 4, 16 + 4 * 48);
    put32(p + 8, 6); put32(p + 12, 6); put32(p + 16, 2); put32(p + 20, 4);
    p += 24;
    for (int i = 0; i < 4; i++) for (int j = 0; j < 12; j++, p += 4) put32(p, (uint32_t)records[i][j]);
    memcpy(p, "WGHT", 4); put32(p + 4, (uint32_t)(4 * P));
    memcpy(p + 8, cnn_model_kernel(m, 0), 4 * P);   /* v1: each layer's kernel then bias */
    p += 8 + 4 * P;
    memcpy(p, "END ", 4); put32(p + 4, 4);
    fix_crc(f, size);
    cnn_model *r = NULL;
    CHECK_STATUS(cnn_model_load(&r, f, size), CNN_OK);
    if (r) {
        for (int i = 0; i < 4; i++) {
            cnn_layer_info a, b;
            cnn_model_layer_info(m, i, &a);
            cnn_model_layer_info(r, i, &b);
            CHECK(memcmp(&a, &b, sizeof a) == 0);
        }
        float a[4], b[4];
        forward_random(m, a, 4);
        forward_random(r, b, 4);
        CHECK(memcmp(a, b, sizeof a) == 0);
        size_t n1, n2;
        uint8_t *s1 = save(m, &n1), *s2 = save(r, &n2);
        CHECK(n1 == n2 && memcmp(s1, s2, n1) == 0);
        free(s1); free(s2);
    }
    /* version 1's rules still hold: a reserved field, or a field a type does not use */
    put32(f + 16 + 24 + 48 + 40, 1); fix_crc(f, size);              /* maxpool reserved[0] */
    expect_rejected(f, size, CNN_STATUS_BAD_FILE, "layer 1: reserved fields must be 0", "v1 reserved");
    put32(f + 16 + 24 + 48 + 40, 0); put32(f + 16 + 24 + 96 + 8, 5); fix_crc(f, size); /* flatten units */
    expect_rejected(f, size, CNN_STATUS_BAD_FILE, "layer 2 (flatten): units does not apply", "v1 units");
    put32(f + 16 + 24 + 96 + 8, 0);
    /* and what version 2 added is not version 1: a new layer type, a new activation, a pool's
     * explicit padding, a pool without its stride */
    put32(f + 16 + 24 + 96, CNN_LAYER_DROPOUT); fix_crc(f, size);
    expect_rejected(f, size, CNN_STATUS_BAD_FILE, "layer 2: version 1 has no layer type 12", "v1 new type");
    put32(f + 16 + 24 + 96, CNN_LAYER_FLATTEN); put32(f + 16 + 24 + 4, CNN_ACT_GELU); fix_crc(f, size);
    expect_rejected(f, size, CNN_STATUS_BAD_FILE, "layer 0: version 1 has no activation 9", "v1 new activation");
    put32(f + 16 + 24 + 4, CNN_ACT_RELU); put32(f + 16 + 24 + 48 + 28, CNN_PAD_EXPLICIT); fix_crc(f, size);
    expect_rejected(f, size, CNN_STATUS_BAD_FILE, "layer 1: version 1 pools have no explicit padding", "v1 pool pads");
    put32(f + 16 + 24 + 48 + 28, 0); put32(f + 16 + 24 + 48 + 20, 0); fix_crc(f, size);
    expect_rejected(f, size, CNN_STATUS_BAD_FILE, "layer 1 (maxpool2d): stride must be positive, got 0", "v1 pool stride 0");
    put32(f + 16 + 24 + 48 + 20, 2); put32(f + 16 + 24 + 20, 0); fix_crc(f, size);   /* conv2d stride 0 */
    expect_rejected(f, size, CNN_STATUS_BAD_FILE, "layer 0 (conv2d): stride height must be positive, got 0", "v1 conv stride 0");
    free(f);
    cnn_model_free(m);
    cnn_model_free(r);
}

TEST_TABLE(format_tests) = {
    { "format: version-1 files load bit-exactly and save as version 2", test_version1_files_load },
    { "format: save → load round trip is bit-exact", test_round_trip_bit_exact },
    { "format: damaged files rejected with messages", test_damaged_files_rejected },
    { "format: metadata rules", test_metadata_rules },
    { "format: the optimizer section, and damage to it", test_optimizer_section },
    TEST_END,
};
