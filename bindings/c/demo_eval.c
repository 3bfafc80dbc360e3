/*
 * demo_eval: the C half of `dlpack demo`. Loads a .dlpk classifier through libdlpk, applies
 * the preprocessing stored in the model to raw samples, runs them one at a time (batch 1)
 * and prints the accuracy and the per-sample latency on one line:
 *
 *   demo_eval MODEL.dlpk SAMPLES.f32 LABELS.i32 COUNT
 *   -> accuracy=0.9822 mean_us=12.3 p50_us=11.9 p99_us=20.1 samples=450
 *
 * SAMPLES.f32: COUNT samples of raw little-endian f32 values (the model's input shape
 * without the batch axis); LABELS.i32: COUNT int32 class indices.
 */
#include <dlpk.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int fail(const char* what, dlpk_status status) {
    fprintf(stderr, "demo_eval: %s: %s: %s\n", what, dlpk_status_string(status), dlpk_last_error_message());
    return 1;
}

static void* read_all(const char* path, size_t bytes) {
    FILE* f = fopen(path, "rb");
    void* data = malloc(bytes ? bytes : 1);
    if (!f || !data || fread(data, 1, bytes, f) != bytes) {
        fprintf(stderr, "demo_eval: cannot read %zu bytes from %s\n", bytes, path);
        if (f) fclose(f);
        free(data);
        return NULL;
    }
    fclose(f);
    return data;
}

static int compare_doubles(const void* a, const void* b) {
    double x = *(const double*)a, y = *(const double*)b;
    return (x > y) - (x < y);
}

/* x' = (x * scale - mean[c]) / std[c]; one value applies to all, else per feature or per
 * (outermost) channel of the sample. */
static void preprocess(float* x, size_t width, const dlpk_preprocessing* p) {
    for (size_t i = 0; i < width; i++) {
        float mean = 0, std = 1;
        if (p->mean_count == 1) mean = p->mean[0];
        else if (p->mean_count > 1) mean = p->mean[(i * p->mean_count) / width];
        if (p->std_count == 1) std = p->std[0];
        else if (p->std_count > 1) std = p->std[(i * p->std_count) / width];
        x[i] = (x[i] * p->scale - mean) / std;
    }
}

int main(int argc, char** argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: %s MODEL.dlpk SAMPLES.f32 LABELS.i32 COUNT\n", argv[0]);
        return 2;
    }
    long count = atol(argv[4]);
    if (count <= 0) return fprintf(stderr, "demo_eval: COUNT must be positive\n"), 2;

    dlpk_model* model = NULL;
    dlpk_status s = dlpk_model_open_file(argv[1], NULL, &model);
    if (s != DLPK_OK) return fail("open", s);
    dlpk_tensor_info input, output;
    dlpk_model_input_info(model, 0, &input);
    dlpk_model_output_info(model, 0, &output);
    if (input.dtype != DLPK_DTYPE_F32 || output.dtype != DLPK_DTYPE_F32) {
        fprintf(stderr, "demo_eval: expects f32 inputs and outputs\n");
        return 1;
    }
    dlpk_tensor in;
    memset(&in, 0, sizeof in);
    in.dtype = DLPK_DTYPE_F32;
    in.rank = input.rank;
    size_t width = 1;
    for (int d = 0; d < input.rank; d++) {
        in.dims[d] = input.dims[d] < 0 ? 1 : input.dims[d];
        if (d > 0) width *= (size_t)in.dims[d];
    }
    in.size = width * sizeof(float);

    float* samples = read_all(argv[2], (size_t)count * width * sizeof(float));
    int32_t* labels = read_all(argv[3], (size_t)count * sizeof(int32_t));
    if (!samples || !labels) return 1;
    dlpk_preprocessing prep;
    if (dlpk_model_preprocessing(model, 0, &prep) == DLPK_OK)
        for (long n = 0; n < count; n++) preprocess(samples + n * width, width, &prep);

    dlpk_session* session = NULL;
    s = dlpk_session_create(model, NULL, &session);
    if (s != DLPK_OK) return fail("session", s);
    size_t classes = 1;
    for (int d = 1; d < output.rank; d++) classes *= (size_t)(output.dims[d] < 0 ? 1 : output.dims[d]);
    float* scores = malloc(classes * sizeof(float));
    double* micros = malloc((size_t)count * sizeof(double));
    dlpk_tensor out;
    memset(&out, 0, sizeof out);

    /* One warm-up run plans the session; then every sample is timed on its own. */
    long correct = 0;
    for (long n = -1; n < count; n++) {
        in.data = samples + (n < 0 ? 0 : n) * width;
        out.data = scores;
        out.size = classes * sizeof(float);
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        s = dlpk_session_run(session, &in, 1, &out, 1);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        if (s != DLPK_OK) return fail("run", s);
        if (n < 0) continue;
        micros[n] = (double)(t1.tv_sec - t0.tv_sec) * 1e6 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e3;
        size_t best = 0;
        for (size_t c = 1; c < classes; c++)
            if (scores[c] > scores[best]) best = c;
        if ((int32_t)best == labels[n]) correct++;
    }
    double total = 0;
    for (long n = 0; n < count; n++) total += micros[n];
    qsort(micros, (size_t)count, sizeof(double), compare_doubles);
    printf("accuracy=%.4f mean_us=%.2f p50_us=%.2f p99_us=%.2f samples=%ld\n", (double)correct / (double)count,
           total / (double)count, micros[count / 2], micros[(count * 99) / 100], count);

    free(micros);
    free(scores);
    free(samples);
    free(labels);
    dlpk_session_free(session);
    dlpk_model_free(model);
    return 0;
}
