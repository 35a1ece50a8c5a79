/* mnist.c — IDX file reader: big-endian header, then raw bytes; every size checked. */
#include "mnist.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint8_t *read_file(const char *path, size_t *size, char *err, size_t err_size) {
    FILE *f = fopen(path, "rb");
    if (!f) { snprintf(err, err_size, "cannot open %s", path); return NULL; }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = n > 0 ? malloc((size_t)n) : NULL;
    if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
        snprintf(err, err_size, "cannot read %s", path);
        free(buf);
        fclose(f);
        return NULL;
    }
    fclose(f);
    *size = (size_t)n;
    return buf;
}

static uint32_t be32(const uint8_t *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

int mnist_load(mnist_set *set, const char *images_path, const char *labels_path, char *err, size_t err_size) {
    memset(set, 0, sizeof *set);
    size_t isize = 0, lsize = 0;
    uint8_t *ib = read_file(images_path, &isize, err, err_size);
    if (!ib) return 1;
    uint8_t *lb = read_file(labels_path, &lsize, err, err_size);
    if (!lb) { free(ib); return 1; }
    int bad = 0;
    if (isize < 16 || be32(ib) != 2051 || lsize < 8 || be32(lb) != 2049) {
        snprintf(err, err_size, "%s / %s: not IDX image/label files (magic 2051/2049)", images_path, labels_path);
        bad = 1;
    } else {
        const uint32_t n = be32(ib + 4), rows = be32(ib + 8), cols = be32(ib + 12), nl = be32(lb + 4);
        if (n != nl || rows != 28 || cols != 28 || (uint64_t)n * rows * cols != isize - 16 || nl != lsize - 8) {
            snprintf(err, err_size, "%s: %u images of %ux%u and %u labels do not match the file sizes",
                     images_path, n, rows, cols, nl);
            bad = 1;
        } else {
            set->count = (int)n; set->rows = (int)rows; set->cols = (int)cols;
            set->images = malloc(isize - 16);
            set->labels = malloc(nl);
            memcpy(set->images, ib + 16, isize - 16);
            memcpy(set->labels, lb + 8, nl);
            for (uint32_t i = 0; i < nl && !bad; i++)
                if (set->labels[i] > 9) { snprintf(err, err_size, "%s: label %u is %u", labels_path, i, set->labels[i]); bad = 1; }
        }
    }
    free(ib);
    free(lb);
    if (bad) mnist_free(set);
    return bad;
}

void mnist_free(mnist_set *set) {
    free(set->images);
    free(set->labels);
    memset(set, 0, sizeof *set);
}
