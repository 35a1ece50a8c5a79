/* model-format.c — reading and writing model files (docs/model-format.md), and metadata.
 *
 * The reader treats its bytes as hostile. Every read goes through a cursor that knows how many
 * bytes remain, every count is checked against a limit before it is multiplied, and every
 * failure names the field and the numbers. Values are little-endian, assembled byte by byte,
 * so the code is the same on any host. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

static const uint8_t MAGIC[8] = { 'W', 'C', 'N', 'N', 0x0D, 0x0A, 0x1A, 0x0A };
#define FORMAT_VERSION 2u                  /* what the writer writes; the reader also reads 1 */
#define HEADER_SIZE 16u
#define V1_SPEC_INTS 12u                   /* int32 values per layer record of version 1 */
#define META_MAX_ENTRIES 1024u
#define META_MAX_KEY 255u
#define META_MAX_VALUE (1u << 24)

#define TAG(a, b, c, d) ((uint32_t)(a) | (uint32_t)(b) << 8 | (uint32_t)(c) << 16 | (uint32_t)(d) << 24)
#define TAG_ARCH TAG('A', 'R', 'C', 'H')
#define TAG_GRPH TAG('G', 'R', 'P', 'H')
#define TAG_META TAG('M', 'E', 'T', 'A')
#define TAG_WGHT TAG('W', 'G', 'H', 'T')
#define TAG_OPTM TAG('O', 'P', 'T', 'M')
#define TAG_END  TAG('E', 'N', 'D', ' ')

#define OPT_WORDS 16u                      /* 32-bit words per cnn_optimizer */
_Static_assert(sizeof(cnn_optimizer) == OPT_WORDS * 4, "cnn_optimizer is 16 32-bit values");

/* ─── CRC-32 (IEEE 802.3, the one zlib and PNG use), 8 bytes per step ("slicing by 8"):
 * tables t[k][b] = the CRC of byte b followed by k zero bytes, made on first use (8 KiB, not
 * in the download). Loading a model is on the page's critical path and its first call runs in
 * the engine's baseline code: a byte at a time, each step waits on the previous table lookup;
 * eight independent lookups per 8 bytes take a third of the time (measured on LeNet's file). */
static uint32_t crc_table[8][256];

static inline uint32_t le32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint32_t crc32_update(uint32_t crc, const uint8_t *p, size_t n) {
    uint32_t(*t)[256] = crc_table;
    if (!t[0][1]) {
        for (uint32_t i = 0; i < 256; i++) {
            uint32_t c = i;
            for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
            t[0][i] = c;
        }
        for (uint32_t i = 0; i < 256; i++)
            for (int k = 1; k < 8; k++) t[k][i] = (t[k - 1][i] >> 8) ^ t[0][t[k - 1][i] & 0xFFu];
    }
    crc = ~crc;
    for (; n >= 8; n -= 8, p += 8) {
        const uint32_t lo = crc ^ le32(p), hi = le32(p + 4);
        crc = t[7][lo & 0xFFu] ^ t[6][(lo >> 8) & 0xFFu] ^ t[5][(lo >> 16) & 0xFFu] ^ t[4][lo >> 24] ^
              t[3][hi & 0xFFu] ^ t[2][(hi >> 8) & 0xFFu] ^ t[1][(hi >> 16) & 0xFFu] ^ t[0][hi >> 24];
    }
    while (n--) crc = t[0][(crc ^ *p++) & 0xFFu] ^ (crc >> 8);
    return ~crc;
}

static uint32_t rd32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void wr32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24);
}

static size_t pad4(size_t n) { return (4 - (n & 3)) & 3; }

static void tag_text(uint32_t tag, char out[5]) {
    for (int i = 0; i < 4; i++) {
        char c = (char)(tag >> (8 * i));
        out[i] = (c >= 32 && c < 127) ? c : '?';
    }
    out[4] = '\0';
}

/* ─── Metadata ──────────────────────────────────────────────────────────────────────────── */

cnn_status cnn_metadata_check(const uint8_t *b, size_t size) {
    if (size == 0) return CNN_OK;                      /* no metadata */
    if (!b) return cnn_fail(CNN_STATUS_INVALID_ARGUMENT, "metadata: NULL bytes");
    if (size < 4) return cnn_fail(CNN_STATUS_BAD_FILE, "metadata: %llu bytes, too short for a count",
                                  (unsigned long long)size);
    const uint32_t count = rd32(b);
    if (count > META_MAX_ENTRIES)
        return cnn_fail(CNN_STATUS_BAD_FILE, "metadata: %u entries, more than the limit %u", count,
                        META_MAX_ENTRIES);
    size_t at = 4;
    for (uint32_t e = 0; e < count; e++) {
        for (int part = 0; part < 2; part++) {
            const char *what = part ? "value" : "key";
            if (size - at < 4)
                return cnn_fail(CNN_STATUS_BAD_FILE, "metadata: entry %u %s length runs past the end",
                                e, what);
            const uint32_t len = rd32(b + at);
            at += 4;
            const uint32_t max = part ? META_MAX_VALUE : META_MAX_KEY;
            if ((!part && len == 0) || len > max)
                return cnn_fail(CNN_STATUS_BAD_FILE, "metadata: entry %u %s has %u bytes; allowed %u to %u",
                                e, what, len, part ? 0u : 1u, max);
            if (size - at < len)
                return cnn_fail(CNN_STATUS_BAD_FILE,
                                "metadata: entry %u %s needs %u bytes, %llu remain", e, what, len,
                                (unsigned long long)(size - at));
            at += len;
        }
    }
    if (at != size)
        return cnn_fail(CNN_STATUS_BAD_FILE, "metadata: %llu bytes after the last entry",
                        (unsigned long long)(size - at));
    return CNN_OK;
}

cnn_status cnn_model_set_metadata(cnn_model *m, const uint8_t *bytes, size_t size) {
    cnn_clear_error();
    if (!m) return cnn_fail(CNN_STATUS_INVALID_ARGUMENT, "set_metadata: model is NULL");
    cnn_status s = cnn_metadata_check(bytes, size);
    if (s != CNN_OK) return s;
    uint8_t *copy = NULL;
    if (size) {
        copy = (uint8_t *)malloc(size);
        if (!copy)
            return cnn_fail(CNN_STATUS_OUT_OF_MEMORY, "metadata: cannot allocate %llu bytes",
                            (unsigned long long)size);
        memcpy(copy, bytes, size);
    }
    free(m->meta);
    m->meta = copy;
    m->meta_size = size;
    return CNN_OK;
}

const uint8_t *cnn_model_metadata(const cnn_model *m, size_t *size) {
    if (size) *size = m ? m->meta_size : 0;
    return m ? m->meta : NULL;
}

/* ─── Writing ───────────────────────────────────────────────────────────────────────────── */

/* ARCH (version 2): the input shape and layer count, then per layer its type, its number of
 * options and the (key, value) pairs that differ from the defaults. */
static size_t arch_size(const cnn_model *m) {
    size_t n = 16;
    for (int32_t i = 0; i < m->n_layers; i++) {
        cnn_layer_spec spec;
        n += 8 + 8 * (size_t)cnn_layer_spec_of(&m->layers[i], &spec);
    }
    return n;
}

/* Whether a layer reads anything but the previous layer's output (a graph model). */
static bool is_graph(const cnn_model *m) {
    for (int32_t i = 0; i < m->n_layers; i++)
        if (m->layers[i].n_inputs != 1 || m->layers[i].inputs[0] != i - 1) return true;
    return false;
}

/* GRPH (graph models only): per layer, its input count and the inputs (i32, -1: the model's
 * input). */
static size_t grph_size(const cnn_model *m) {
    size_t n = 0;
    for (int32_t i = 0; i < m->n_layers; i++) n += 4 + 4 * (size_t)m->layers[i].n_inputs;
    return n;
}

/* OPTM: the optimiser record, the step count, then both state arrays (n_trainable each). */
static size_t optm_size(const cnn_model *m) { return OPT_WORDS * 4 + 4 + 2 * m->n_trainable * 4; }

size_t cnn_model_save_size(const cnn_model *m, uint32_t flags) {
    if (!m) return 0;
    size_t n = HEADER_SIZE + 8 + arch_size(m);
    if (is_graph(m)) n += 8 + grph_size(m);
    if (m->meta_size) n += 8 + m->meta_size + pad4(m->meta_size);
    n += 8 + m->n_params * 4;
    if ((flags & CNN_SAVE_OPTIMIZER) && m->has_optimizer) n += 8 + optm_size(m);
    n += 8 + 4;                                         /* END: the CRC */
    return n;
}

/* Little-endian hosts (wasm, x86, ARM) copy float arrays as they are; others swap bytes. */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
void cnn_read_floats(float *dst, const uint8_t *p, size_t n) { memcpy(dst, p, n * 4); }
static uint8_t *write_floats(uint8_t *p, const float *v, size_t n) {
    memcpy(p, v, n * 4);
    return p + n * 4;
}
#else
void cnn_read_floats(float *dst, const uint8_t *p, size_t n) {
    for (size_t i = 0; i < n; i++, p += 4) {
        const uint32_t bits = rd32(p);
        memcpy(&dst[i], &bits, 4);
    }
}

static uint8_t *write_floats(uint8_t *p, const float *v, size_t n) {
    for (size_t i = 0; i < n; i++, p += 4) {
        uint32_t bits;
        memcpy(&bits, &v[i], 4);
        wr32(p, bits);
    }
    return p;
}
#endif

cnn_status cnn_model_save(const cnn_model *m, uint8_t *buf, size_t capacity, uint32_t flags,
                          size_t *written) {
    cnn_clear_error();
    if (!m || !buf) return cnn_fail(CNN_STATUS_INVALID_ARGUMENT, "save: NULL model or buffer");
    if (flags & ~(uint32_t)CNN_SAVE_OPTIMIZER)
        return cnn_fail(CNN_STATUS_INVALID_ARGUMENT, "save: unknown flags %u", flags);
    if ((flags & CNN_SAVE_OPTIMIZER) && !m->has_optimizer)
        return cnn_fail(CNN_STATUS_INVALID_ARGUMENT, "save: withOptimizer asked, but no optimizer is set");
    const size_t total = cnn_model_save_size(m, flags);
    if (total > UINT32_MAX)
        return cnn_fail(CNN_STATUS_TOO_LARGE, "save: a model file is limited to 4 GiB, this needs %llu bytes",
                        (unsigned long long)total);
    if (capacity < total)
        return cnn_fail(CNN_STATUS_INVALID_ARGUMENT, "save: buffer has %llu bytes, the file needs %llu",
                        (unsigned long long)capacity, (unsigned long long)total);
    uint8_t *p = buf;
    memcpy(p, MAGIC, 8);
    wr32(p + 8, FORMAT_VERSION);
    wr32(p + 12, (uint32_t)total);
    p += HEADER_SIZE;

    wr32(p, TAG_ARCH); wr32(p + 4, (uint32_t)arch_size(m)); p += 8;
    wr32(p, (uint32_t)m->in_h); wr32(p + 4, (uint32_t)m->in_w); wr32(p + 8, (uint32_t)m->in_c);
    wr32(p + 12, (uint32_t)m->n_layers);
    p += 16;
    for (int32_t i = 0; i < m->n_layers; i++) {
        cnn_layer_spec spec;
        const int32_t n = cnn_layer_spec_of(&m->layers[i], &spec);
        wr32(p, (uint32_t)spec.type); wr32(p + 4, (uint32_t)n); p += 8;
        for (int32_t j = 0; j < n; j++, p += 8) {
            wr32(p, (uint32_t)spec.options[j].key);
            wr32(p + 4, (uint32_t)spec.options[j].i);
        }
    }
    if (is_graph(m)) {
        wr32(p, TAG_GRPH); wr32(p + 4, (uint32_t)grph_size(m)); p += 8;
        for (int32_t i = 0; i < m->n_layers; i++) {
            const cnn_layer *L = &m->layers[i];
            wr32(p, (uint32_t)L->n_inputs); p += 4;
            for (int32_t k = 0; k < L->n_inputs; k++, p += 4) wr32(p, (uint32_t)L->inputs[k]);
        }
    }
    if (m->meta_size) {
        wr32(p, TAG_META); wr32(p + 4, (uint32_t)m->meta_size); p += 8;
        memcpy(p, m->meta, m->meta_size);
        p += m->meta_size;
        for (size_t k = pad4(m->meta_size); k; k--) *p++ = 0;
    }
    wr32(p, TAG_WGHT); wr32(p + 4, (uint32_t)(m->n_params * 4)); p += 8;
    p = write_floats(p, m->params, m->n_params);
    if (flags & CNN_SAVE_OPTIMIZER) {
        wr32(p, TAG_OPTM); wr32(p + 4, (uint32_t)optm_size(m)); p += 8;
        const uint32_t *o = (const uint32_t *)&m->opt;
        for (unsigned j = 0; j < OPT_WORDS; j++, p += 4) wr32(p, o[j]);
        wr32(p, m->step); p += 4;
        p = write_floats(p, m->opt_m, m->n_trainable);
        p = write_floats(p, m->opt_v, m->n_trainable);
    }
    const uint32_t crc = crc32_update(0, buf, (size_t)(p - buf));
    wr32(p, TAG_END); wr32(p + 4, 4); wr32(p + 8, crc); p += 12;
    assert((size_t)(p - buf) == total);
    if (written) *written = total;
    return CNN_OK;
}

/* ─── Reading ───────────────────────────────────────────────────────────────────────────── */

/* Reads an 8-byte section header at `at`; fails if it runs past `end`. */
static cnn_status section_header(const uint8_t *b, size_t at, size_t end, uint32_t *tag,
                                 uint32_t *size) {
    if (end - at < 8)
        return cnn_fail(CNN_STATUS_TRUNCATED,
                        "model file truncated: a section header needs 8 bytes at offset %llu, %llu remain",
                        (unsigned long long)at, (unsigned long long)(end - at));
    *tag = rd32(b + at);
    *size = rd32(b + at + 4);
    return CNN_OK;
}

static cnn_status check_padding(const uint8_t *b, size_t at, size_t n, const char *section) {
    for (size_t i = 0; i < n; i++)
        if (b[at + i])
            return cnn_fail(CNN_STATUS_BAD_FILE, "model file: nonzero padding after the %s section at offset %llu",
                            section, (unsigned long long)(at + i));
    return CNN_OK;
}

#define TRY(expr) do { cnn_status s_ = (expr); if (s_ != CNN_OK) return s_; } while (0)

/* Version 2 layer records: type, option count, (key, value) pairs. Options are validated by
 * shape inference; here only the record structure. */
static cnn_status read_layers(cnn_layer_spec *specs, const uint8_t *b, size_t len, uint32_t n_layers,
                              size_t *used) {
    size_t at = 0;
    for (uint32_t i = 0; i < n_layers; i++) {
        if (len - at < 8)
            return cnn_fail(CNN_STATUS_BAD_FILE, "model file: ARCH ends inside layer %u's record", i);
        specs[i].type = (int32_t)rd32(b + at);
        const uint32_t n = rd32(b + at + 4);
        at += 8;
        if (n > CNN_MAX_OPTIONS)
            return cnn_fail(CNN_STATUS_BAD_FILE, "model file: layer %u has %u options, at most %d", i, n,
                            CNN_MAX_OPTIONS);
        if ((len - at) / 8 < n)
            return cnn_fail(CNN_STATUS_BAD_FILE, "model file: ARCH ends inside layer %u's options", i);
        for (uint32_t j = 0; j < n; j++, at += 8) {
            specs[i].options[j].key = (int32_t)rd32(b + at);
            specs[i].options[j].i = (int32_t)rd32(b + at + 4);
            if (specs[i].options[j].key == CNN_OPT_END)
                return cnn_fail(CNN_STATUS_BAD_FILE, "model file: layer %u option %u has key 0", i, j);
        }
    }
    *used = 16 + at;
    return CNN_OK;
}

/* GRPH: for each layer, n_inputs (1 … CNN_MAX_INPUTS) then its inputs (i32). Whether they
 * are earlier layers is shape inference's to check. */
static cnn_status read_graph(cnn_layer_spec *specs, const uint8_t *b, size_t at, size_t size, uint32_t len,
                             uint32_t n_layers) {
    if (len > size - at)
        return cnn_fail(CNN_STATUS_TRUNCATED, "model file truncated: GRPH needs %u bytes, %llu remain", len,
                        (unsigned long long)(size - at));
    const size_t end = at + len;
    for (uint32_t i = 0; i < n_layers; i++) {
        if (end - at < 4)
            return cnn_fail(CNN_STATUS_BAD_FILE, "model file: GRPH ends before layer %u's inputs", i);
        const uint32_t n = rd32(b + at);
        at += 4;
        if (n < 1 || n > CNN_MAX_INPUTS)
            return cnn_fail(CNN_STATUS_BAD_FILE, "model file: layer %u has %u inputs; a layer takes 1 to %d", i, n,
                            CNN_MAX_INPUTS);
        if ((end - at) / 4 < n)
            return cnn_fail(CNN_STATUS_BAD_FILE, "model file: GRPH ends inside layer %u's inputs", i);
        specs[i].n_inputs = (int32_t)n;
        for (uint32_t k = 0; k < n; k++, at += 4) specs[i].inputs[k] = (int32_t)rd32(b + at);
    }
    if (at != end)
        return cnn_fail(CNN_STATUS_BAD_FILE, "model file: GRPH section has %llu bytes after the last layer's inputs",
                        (unsigned long long)(end - at));
    return CNN_OK;
}

/* Version 1 layer records: 12 int32 (type, activation, units, kernel h/w, stride h/w,
 * padding, pad_h, pad_w, 2 reserved), turned into options. Every nonzero field (and every
 * window's stride) becomes an option, so shape inference rejects what does not apply, as
 * version 1 did; what version 2 added (types, activations, pool padding) is rejected here. */
static cnn_status read_v1_layers(cnn_layer_spec *specs, const uint8_t *b, size_t len, uint32_t n_layers,
                                 size_t *used) {
    if (len / (V1_SPEC_INTS * 4) < n_layers)
        return cnn_fail(CNN_STATUS_BAD_FILE, "model file: ARCH section is %llu bytes, %u layers need %llu",
                        (unsigned long long)len + 16, n_layers, 16 + (unsigned long long)n_layers * V1_SPEC_INTS * 4);
    static const int32_t KEYS[V1_SPEC_INTS] = { 0, CNN_OPT_ACTIVATION, CNN_OPT_UNITS, CNN_OPT_KERNEL_H,
                                                CNN_OPT_KERNEL_W, CNN_OPT_STRIDE_H, CNN_OPT_STRIDE_W,
                                                CNN_OPT_PADDING, 0, 0, 0, 0 };
    for (uint32_t i = 0; i < n_layers; i++) {
        int32_t f[V1_SPEC_INTS];
        for (unsigned j = 0; j < V1_SPEC_INTS; j++) f[j] = (int32_t)rd32(b + (i * V1_SPEC_INTS + j) * 4);
        if (f[10] || f[11])
            return cnn_fail(CNN_STATUS_BAD_FILE, "model file: layer %u: reserved fields must be 0", i);
        /* what version 1 could hold: its 8 layer types and 5 activations; pools without
         * explicit padding; every window's stride given */
        if (f[0] < CNN_LAYER_CONV2D || f[0] > CNN_LAYER_ACTIVATION)
            return cnn_fail(CNN_STATUS_BAD_FILE, "model file: layer %u: version 1 has no layer type %d", i, f[0]);
        if (f[1] < CNN_ACT_LINEAR || f[1] > CNN_ACT_SOFTMAX)
            return cnn_fail(CNN_STATUS_BAD_FILE, "model file: layer %u: version 1 has no activation %d", i, f[1]);
        const bool window = f[0] <= CNN_LAYER_AVGPOOL2D, pool = window && f[0] != CNN_LAYER_CONV2D;
        if (pool && f[7] == CNN_PAD_EXPLICIT)
            return cnn_fail(CNN_STATUS_BAD_FILE, "model file: layer %u: version 1 pools have no explicit padding", i);
        cnn_layer_spec *sp = &specs[i];
        sp->type = f[0];
        int32_t n = 0;
        for (unsigned j = 1; j < 8; j++)   /* zeros are defaults, except a window's stride */
            if (f[j] || (window && (j == 5 || j == 6))) {
                if (pool && (j == 5 || j == 6) && f[j] < 1)
                    return cnn_fail(CNN_STATUS_BAD_FILE, "model file: layer %u (%s): stride must be positive, got %d", i,
                                    cnn_layer_type_name(f[0]), f[j]);
                sp->options[n].key = KEYS[j]; sp->options[n].i = f[j]; n++;
            }
        if (f[8]) {   /* pad_h: rows on top and bottom */
            sp->options[n].key = CNN_OPT_PAD_TOP; sp->options[n++].i = f[8];
            sp->options[n].key = CNN_OPT_PAD_BOTTOM; sp->options[n++].i = f[8];
        }
        if (f[9]) {   /* pad_w: columns left and right */
            sp->options[n].key = CNN_OPT_PAD_LEFT; sp->options[n++].i = f[9];
            sp->options[n].key = CNN_OPT_PAD_RIGHT; sp->options[n++].i = f[9];
        }
    }
    *used = 16 + (size_t)n_layers * V1_SPEC_INTS * 4;
    return CNN_OK;
}

/* Does everything but allocate the model's metadata; on failure *out is freed by the caller. */
static cnn_status load(cnn_model **out, const uint8_t *b, size_t size) {
    /* Header. Say plainly when the bytes are something else, most often an HTML error page. */
    if (size < 8 && size > 0 && memcmp(b, MAGIC, size) == 0)
        return cnn_fail(CNN_STATUS_TRUNCATED, "model file truncated: %llu bytes, not even the 8-byte magic",
                        (unsigned long long)size);
    if (size < 8 || memcmp(b, MAGIC, 8) != 0) {
        if (size >= 1 && b[0] == '<')
            return cnn_fail(CNN_STATUS_NOT_A_MODEL,
                            "not a wasm-cnn model: the bytes start with '<', an HTML or XML page "
                            "(a wrong URL or a server error page?)");
        if (size >= 4 && memcmp(b, "\0asm", 4) == 0)
            return cnn_fail(CNN_STATUS_NOT_A_MODEL, "not a wasm-cnn model: these bytes are a WebAssembly module");
        if (size >= 4 && memcmp(b, "WCNN", 4) == 0)
            return cnn_fail(CNN_STATUS_NOT_A_MODEL,
                            "not a wasm-cnn model: the magic is damaged (was the file transferred as text?)");
        return cnn_fail(CNN_STATUS_NOT_A_MODEL,
                        "not a wasm-cnn model: %llu bytes without the magic \"WCNN\\r\\n\\x1a\\n\"",
                        (unsigned long long)size);
    }
    if (size < HEADER_SIZE)
        return cnn_fail(CNN_STATUS_TRUNCATED, "model file truncated: the header needs %u bytes, got %llu",
                        HEADER_SIZE, (unsigned long long)size);
    const uint32_t version = rd32(b + 8);
    if (version != 1 && version != FORMAT_VERSION)
        return cnn_fail(CNN_STATUS_UNSUPPORTED_VERSION,
                        "model file version %u is not supported (this engine reads versions 1 and %u)",
                        version, FORMAT_VERSION);
    const uint32_t declared = rd32(b + 12);
    if (declared < size)
        return cnn_fail(CNN_STATUS_BAD_FILE, "model file has %llu bytes after its declared end (%u bytes)",
                        (unsigned long long)(size - declared), declared);
    size_t at = HEADER_SIZE;
    uint32_t tag, len;

    /* ARCH */
    TRY(section_header(b, at, size, &tag, &len));
    char name[5];
    tag_text(tag, name);
    if (tag != TAG_ARCH)
        return cnn_fail(CNN_STATUS_BAD_FILE, "model file: expected the ARCH section at offset %llu, found '%s'",
                        (unsigned long long)at, name);
    at += 8;
    if (size - at < 16)
        return cnn_fail(CNN_STATUS_TRUNCATED, "model file truncated: ARCH needs 16 bytes, %llu remain",
                        (unsigned long long)(size - at));
    const uint32_t in_h = rd32(b + at), in_w = rd32(b + at + 4), in_c = rd32(b + at + 8);
    const uint32_t n_layers = rd32(b + at + 12);
    if (n_layers < 1 || n_layers > CNN_MAX_LAYERS)
        return cnn_fail(CNN_STATUS_BAD_FILE, "model file: %u layers; must be 1 to %d", n_layers, CNN_MAX_LAYERS);
    if (in_h > CNN_MAX_DIM || in_w > CNN_MAX_DIM || in_c > CNN_MAX_DIM)
        return cnn_fail(CNN_STATUS_BAD_FILE, "model file: input shape (%u, %u, %u) exceeds the limit %d",
                        in_h, in_w, in_c, CNN_MAX_DIM);
    if (len < 16)
        return cnn_fail(CNN_STATUS_BAD_FILE, "model file: ARCH section is %u bytes, less than its 16-byte head", len);
    if (len > size - at)
        return cnn_fail(CNN_STATUS_TRUNCATED, "model file truncated: ARCH needs %u bytes, %llu remain",
                        len, (unsigned long long)(size - at));
    /* the specs (up to 256 × 164 bytes) on the heap: the wasm stack is 64 KiB */
    cnn_layer_spec *specs = (cnn_layer_spec *)calloc(n_layers, sizeof *specs);
    if (!specs) return cnn_fail(CNN_STATUS_OUT_OF_MEMORY, "model file: cannot allocate %u layer specs", n_layers);
    size_t arch_len = 16;
    cnn_status s = version == 1 ? read_v1_layers(specs, b + at + 16, len - 16, n_layers, &arch_len)
                                : read_layers(specs, b + at + 16, len - 16, n_layers, &arch_len);
    if (s == CNN_OK && len != arch_len)
        s = cnn_fail(CNN_STATUS_BAD_FILE, "model file: ARCH section is %u bytes, its %u layers use %llu",
                     len, n_layers, (unsigned long long)arch_len);
    if (s != CNN_OK) {
        free(specs);
        return s;
    }
    at += arch_len;
    /* GRPH (optional, version 2): the layers' inputs */
    if (version >= 2 && section_header(b, at, size, &tag, &len) == CNN_OK && tag == TAG_GRPH) {
        s = read_graph(specs, b, at + 8, size, len, n_layers);
        if (s != CNN_OK) {
            free(specs);
            return s;
        }
        at += 8 + len;
    }
    /* Shape inference validates every layer field, sizes and overflow. */
    s = cnn_model_build(out, (int32_t)in_h, (int32_t)in_w, (int32_t)in_c, specs, (int32_t)n_layers);
    free(specs);
    if (s != CNN_OK) {
        char why[512];
        memcpy(why, cnn_error_message(), sizeof why);
        why[sizeof why - 1] = '\0';
        /* A rule broken by the file's layers is a bad file; size and memory keep their codes. */
        return cnn_fail(s == CNN_STATUS_BAD_LAYER ? CNN_STATUS_BAD_FILE : s,
                        "model file: invalid architecture: %s", why);
    }
    cnn_model *m = *out;

    /* META (optional) */
    TRY(section_header(b, at, size, &tag, &len));
    if (tag == TAG_META) {
        at += 8;
        if (len > size - at)
            return cnn_fail(CNN_STATUS_TRUNCATED, "model file truncated: META needs %u bytes, %llu remain",
                            len, (unsigned long long)(size - at));
        TRY(cnn_metadata_check(b + at, len));
        const size_t meta_at = at;
        at += len;
        const size_t pad = pad4(len);
        if (pad > size - at)
            return cnn_fail(CNN_STATUS_TRUNCATED, "model file truncated: in the padding after META");
        TRY(check_padding(b, at, pad, "META"));
        at += pad;
        if (len) {
            m->meta = (uint8_t *)malloc(len);
            if (!m->meta)
                return cnn_fail(CNN_STATUS_OUT_OF_MEMORY, "metadata: cannot allocate %u bytes", len);
            memcpy(m->meta, b + meta_at, len);
            m->meta_size = len;
        }
        TRY(section_header(b, at, size, &tag, &len));
    }

    /* WGHT */
    tag_text(tag, name);
    if (tag != TAG_WGHT)
        return cnn_fail(CNN_STATUS_BAD_FILE, "model file: expected the WGHT section at offset %llu, found '%s'",
                        (unsigned long long)at, name);
    at += 8;
    if ((uint64_t)len != (uint64_t)m->n_params * 4)
        return cnn_fail(CNN_STATUS_BAD_FILE,
                        "model file: WGHT section holds %u bytes, the architecture needs %llu (%llu parameters)",
                        len, (unsigned long long)m->n_params * 4, (unsigned long long)m->n_params);
    if (size - at < len)
        return cnn_fail(CNN_STATUS_TRUNCATED, "model file truncated: the weights need %u bytes, %llu remain",
                        len, (unsigned long long)(size - at));
    /* the parameters as the model lays them out: every layer's trainable tensors, then the
     * state tensors (version 1 had no state: each layer's kernel then bias, the same order) */
    cnn_read_floats(m->params, b + at, m->n_params);
    at += len;

    /* OPTM (optional): the optimiser, validated by cnn_model_set_optimizer, then its state */
    TRY(section_header(b, at, size, &tag, &len));
    if (tag == TAG_OPTM) {
        at += 8;
        const size_t need = optm_size(m);
        if (len != need)
            return cnn_fail(CNN_STATUS_BAD_FILE, "model file: OPTM section is %u bytes, %llu trainable parameters need %llu",
                            len, (unsigned long long)m->n_trainable, (unsigned long long)need);
        if (size - at < need)
            return cnn_fail(CNN_STATUS_TRUNCATED, "model file truncated: the optimizer state needs %llu bytes, %llu remain",
                            (unsigned long long)need, (unsigned long long)(size - at));
#ifdef CNN_INFERENCE_ONLY
        at += need; /* a build that cannot train skips the optimiser: the weights are the model */
#else
        cnn_optimizer opt;
        uint32_t *o = (uint32_t *)&opt;
        for (unsigned j = 0; j < OPT_WORDS; j++, at += 4) o[j] = rd32(b + at);
        const uint32_t step = rd32(b + at);
        at += 4;
        const size_t state = m->n_trainable * 4;
        s = cnn_model_restore_optimizer(m, &opt, step, b + at, b + at + state);
        if (s != CNN_OK) {
            char why[512];
            memcpy(why, cnn_error_message(), sizeof why);
            why[sizeof why - 1] = '\0';
            return cnn_fail(s == CNN_STATUS_INVALID_ARGUMENT ? CNN_STATUS_BAD_FILE : s,
                            "model file: invalid optimizer: %s", why);
        }
        at += 2 * state;
#endif
        TRY(section_header(b, at, size, &tag, &len));
    }

    /* END */
    const size_t end_at = at;
    tag_text(tag, name);
    if (tag != TAG_END)
        return cnn_fail(CNN_STATUS_BAD_FILE, "model file: expected the END section at offset %llu, found '%s'",
                        (unsigned long long)at, name);
    if (len != 4)
        return cnn_fail(CNN_STATUS_BAD_FILE, "model file: END section is %u bytes, must be 4", len);
    at += 8;
    if (size - at < 4)
        return cnn_fail(CNN_STATUS_TRUNCATED, "model file truncated: the checksum needs 4 bytes, %llu remain",
                        (unsigned long long)(size - at));
    const uint32_t stored = rd32(b + at);
    at += 4;
    if (at != size)
        return cnn_fail(CNN_STATUS_BAD_FILE, "model file: %llu bytes after the END section",
                        (unsigned long long)(size - at));
    if (at != declared)
        return cnn_fail(CNN_STATUS_BAD_FILE, "model file: header declares %u bytes, the file has %llu",
                        declared, (unsigned long long)at);
    const uint32_t crc = crc32_update(0, b, end_at);
#ifndef CNN_FUZZING /* the fuzzer could never get past a checksum */
    if (crc != stored)
        return cnn_fail(CNN_STATUS_CHECKSUM,
                        "model file damaged: CRC-32 is %u, the file says %u", crc, stored);
#else
    (void)crc; (void)stored;
#endif
    return CNN_OK;
}

cnn_status cnn_model_load(cnn_model **out, const uint8_t *bytes, size_t size) {
    cnn_clear_error();
    if (!out) return cnn_fail(CNN_STATUS_INVALID_ARGUMENT, "load: output pointer is NULL");
    *out = NULL;
    if (!bytes && size) return cnn_fail(CNN_STATUS_INVALID_ARGUMENT, "load: NULL bytes");
    if (!bytes) return cnn_fail(CNN_STATUS_NOT_A_MODEL, "not a wasm-cnn model: 0 bytes");
    cnn_status s = load(out, bytes, size);
    if (s != CNN_OK) {
        cnn_model_free(*out);
        *out = NULL;
    }
    return s;
}
