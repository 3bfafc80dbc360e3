/*
 * bench: latency of one model at one batch size through the C API.
 *
 *   ./bench model.dlpk BATCH [RUNS] [THREADS]
 *
 * Inputs get their dynamic dimensions set to BATCH (f32 inputs filled with a fixed
 * pattern, integer inputs with zeros). After warm-up runs, prints one line:
 *   batch=B runs=N median_us=... mean_us=... min_us=...
 */
#define _POSIX_C_SOURCE 200809L
#include <dlpk.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_us(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static int compare(const void* a, const void* b) {
    double x = *(const double*)a, y = *(const double*)b;
    return x < y ? -1 : x > y;
}

static int fail(const char* what, dlpk_status s) {
    fprintf(stderr, "%s: %s: %s\n", what, dlpk_status_string(s), dlpk_last_error_message());
    return 1;
}

int main(int argc, char** argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: %s model.dlpk BATCH [RUNS] [THREADS]\n", argv[0]);
        return 2;
    }
    int batch = atoi(argv[2]), runs = argc > 3 ? atoi(argv[3]) : 200, threads = argc > 4 ? atoi(argv[4]) : 1;
    if (batch < 1 || runs < 1 || runs > 10000000) {
        fprintf(stderr, "BATCH and RUNS must be positive\n");
        return 2;
    }
    dlpk_model* model = NULL;
    dlpk_status s = dlpk_model_open_file(argv[1], NULL, &model);
    if (s != DLPK_OK) return fail("open", s);
    dlpk_session_options options;
    dlpk_session_options_init(&options);
    options.num_threads = threads;
    options.batch_size = batch;
    dlpk_session* session = NULL;
    s = dlpk_session_create(model, &options, &session);
    if (s != DLPK_OK) return fail("session", s);

    size_t n_in = dlpk_model_input_count(model), n_out = dlpk_model_output_count(model);
    dlpk_tensor* inputs = calloc(n_in, sizeof(dlpk_tensor));
    dlpk_tensor* outputs = calloc(n_out, sizeof(dlpk_tensor));
    for (size_t i = 0; i < n_in; i++) {
        dlpk_tensor_info info;
        dlpk_model_input_info(model, i, &info);
        size_t count = 1;
        inputs[i].dtype = info.dtype;
        inputs[i].rank = info.rank;
        for (int d = 0; d < info.rank; d++) {
            inputs[i].dims[d] = info.dims[d] < 0 ? batch : info.dims[d];
            count *= (size_t)inputs[i].dims[d];
        }
        inputs[i].size = count * dlpk_dtype_size(info.dtype);
        inputs[i].data = calloc(count ? count : 1, dlpk_dtype_size(info.dtype));
        if (info.dtype == DLPK_DTYPE_F32)
            for (size_t k = 0; k < count; k++) ((float*)inputs[i].data)[k] = (float)((k * 7919) % 1000) / 1000.0f - 0.5f;
    }
    for (size_t i = 0; i < n_out; i++) {
        dlpk_tensor_info info;
        dlpk_session_output_info(session, i, &info);
        size_t count = 1;
        for (int d = 0; d < info.rank; d++) count *= (size_t)info.dims[d];
        outputs[i].size = count * dlpk_dtype_size(info.dtype);
        outputs[i].data = malloc(outputs[i].size ? outputs[i].size : 1);
    }
    for (int w = 0; w < 10 + runs / 10; w++) {
        s = dlpk_session_run(session, inputs, n_in, outputs, n_out);
        if (s != DLPK_OK) return fail("run", s);
    }
    double* times = malloc((size_t)runs * sizeof(double));
    double sum = 0;
    for (int r = 0; r < runs; r++) {
        double t0 = now_us();
        dlpk_session_run(session, inputs, n_in, outputs, n_out);
        times[r] = now_us() - t0;
        sum += times[r];
    }
    qsort(times, (size_t)runs, sizeof(double), compare);
    printf("batch=%d runs=%d median_us=%.2f mean_us=%.2f min_us=%.2f\n", batch, runs, times[runs / 2], sum / runs, times[0]);
    for (size_t i = 0; i < n_in; i++) free(inputs[i].data);
    for (size_t i = 0; i < n_out; i++) free(outputs[i].data);
    free(inputs); free(outputs); free(times);
    dlpk_session_free(session);
    dlpk_model_free(model);
    return 0;
}
