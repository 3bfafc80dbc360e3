/*
 * The C test suite of libdlpk, run against the installed library by
 * bindings/c/run-tests.sh. Usage: test_dlpk FIXTURE_DIR
 *
 * FIXTURE_DIR holds the models written by the Swift tests (FileModelTests with
 * DLPK_C_FIXTURES set): mlp.dlpk / mlp_zstd.dlpk (an MLP 64-128-64-10 with dynamic
 * batch and labels), its raw weights (mlp_weights.f32) and an input, and
 * unsupported.dlpk (a node without a kernel). The reference MLP is computed here
 * in plain C loops, independently of the library.
 *
 * DLPK_TEST_RUNS sets the runs per thread of the concurrency test (default 1000).
 * The last line of output is "N passed, N failed".
 */
#include "dlpk.h"

#include <math.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int passed, failed;
static const char* current_test;
static const char* fixture_dir;

#define CHECK(cond)                                                                 \
    do {                                                                            \
        if (!(cond)) {                                                              \
            fprintf(stderr, "FAIL %s (%s:%d): %s\n  last error: %s\n", current_test, \
                    __FILE__, __LINE__, #cond, dlpk_last_error_message());          \
            test_failed = 1;                                                        \
        }                                                                           \
    } while (0)

#define CHECK_STATUS(call, expected)                                                         \
    do {                                                                                     \
        dlpk_status s_ = (call);                                                             \
        if (s_ != (expected)) {                                                              \
            fprintf(stderr, "FAIL %s (%s:%d): %s returned %d (%s), expected %d\n  last error: %s\n", \
                    current_test, __FILE__, __LINE__, #call, (int)s_, dlpk_status_string(s_), \
                    (int)(expected), dlpk_last_error_message());                             \
            test_failed = 1;                                                                 \
        }                                                                                    \
    } while (0)

#define TEST(name) static void name(int* failed_flag)
#define test_failed (*failed_flag)

/* ---------------------------------------------------------------- helpers */

static char* fixture(const char* name) {
    static char paths[8][512];
    static int next;
    char* p = paths[next++ % 8];
    snprintf(p, 512, "%s/%s", fixture_dir, name);
    return p;
}

static void* read_file(const char* path, size_t* size) {
    FILE* f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    void* data = malloc((size_t)n > 0 ? (size_t)n : 1);
    if (fread(data, 1, (size_t)n, f) != (size_t)n) { free(data); fclose(f); return NULL; }
    fclose(f);
    *size = (size_t)n;
    return data;
}

/* The MLP of the fixtures: 64 -> 128 (relu) -> 64 (relu) -> 10, weights [n][k] then bias [n]. */
static const int sizes[4] = {64, 128, 64, 10};
static float* weights;

static void reference_mlp(const float* x, int batch, float* y) {
    float a[128 * 64], b[128 * 64];
    for (int r = 0; r < batch; r++) {
        const float* w = weights;
        memcpy(a, x + r * 64, 64 * sizeof(float));
        for (int l = 0; l < 3; l++) {
            int k = sizes[l], n = sizes[l + 1];
            const float* bias = w + n * k;
            for (int j = 0; j < n; j++) {
                float acc = bias[j];
                for (int p = 0; p < k; p++) acc += a[p] * w[j * k + p];
                b[j] = (l < 2 && acc < 0) ? 0 : acc;
            }
            memcpy(a, b, (size_t)n * sizeof(float));
            w += n * k + n;
        }
        memcpy(y + r * 10, a, 10 * sizeof(float));
    }
}

static int all_close(const float* a, const float* b, int n) {
    for (int i = 0; i < n; i++)
        if (!(fabsf(a[i] - b[i]) <= 1e-5f + 1e-4f * fabsf(b[i]))) return 0;
    return 1;
}

static void fill_input(float* x, int count, unsigned seed) {
    for (int i = 0; i < count; i++) {
        seed = seed * 1664525u + 1013904223u;
        x[i] = (float)((seed >> 8) & 0xFFFF) / 32768.0f - 1.0f;
    }
}

static dlpk_tensor f32_tensor(float* data, int batch, int features) {
    dlpk_tensor t;
    memset(&t, 0, sizeof t);
    t.data = data;
    t.size = (size_t)batch * (size_t)features * sizeof(float);
    t.dtype = DLPK_DTYPE_F32;
    t.rank = 2;
    t.dims[0] = batch;
    t.dims[1] = features;
    return t;
}

static dlpk_model* open_mlp(void) {
    dlpk_model* model = NULL;
    if (dlpk_model_open_file(fixture("mlp.dlpk"), NULL, &model) != DLPK_OK) {
        fprintf(stderr, "cannot open mlp.dlpk: %s\n", dlpk_last_error_message());
        return NULL;
    }
    return model;
}

/* ------------------------------------------------------------------ tests */

TEST(versions_match_the_header) {
    CHECK(dlpk_version_number() == DLPK_VERSION_NUMBER);
    CHECK(strcmp(dlpk_version_string(), DLPK_VERSION_STRING) == 0);
    CHECK(dlpk_abi_version() == DLPK_ABI_VERSION);
    CHECK(dlpk_format_version() == DLPK_FORMAT_VERSION_MAJOR * 100 + DLPK_FORMAT_VERSION_MINOR);
}

TEST(struct_layouts_match_the_library) {
    /* The library reads these structs by offset (Sources/DLCAPI/CLayout.swift). */
    CHECK(sizeof(dlpk_tensor) == 88);
    CHECK(offsetof(dlpk_tensor, size) == 8 && offsetof(dlpk_tensor, dtype) == 16);
    CHECK(offsetof(dlpk_tensor, rank) == 20 && offsetof(dlpk_tensor, dims) == 24);
    CHECK(sizeof(dlpk_tensor_info) == 80 && offsetof(dlpk_tensor_info, dims) == 16);
    CHECK(sizeof(dlpk_session_options) == 16 && offsetof(dlpk_session_options, batch_size) == 12);
    CHECK(sizeof(dlpk_preprocessing) == 40 && offsetof(dlpk_preprocessing, mean_count) == 8);
    CHECK(offsetof(dlpk_preprocessing, mean) == 16 && offsetof(dlpk_preprocessing, std) == 32);
    CHECK(sizeof(dlpk_model_options) == 16 && offsetof(dlpk_model_options, dequantize_int8_weights) == 12);
}

TEST(status_strings) {
    CHECK(strcmp(dlpk_status_string(DLPK_OK), "ok") == 0);
    CHECK(strcmp(dlpk_status_string(DLPK_ERROR_SHAPE_MISMATCH), "shape mismatch") == 0);
    CHECK(strcmp(dlpk_status_string(DLPK_ERROR_UNSUPPORTED_OP), "unsupported op") == 0);
    CHECK(strcmp(dlpk_status_string(12345), "unknown status") == 0);
    CHECK(dlpk_dtype_size(DLPK_DTYPE_F32) == 4 && dlpk_dtype_size(DLPK_DTYPE_I64) == 8);
    CHECK(dlpk_dtype_size(99) == 0 && dlpk_dtype_size(-1) == 0);
}

TEST(open_errors_are_statuses_with_messages) {
    dlpk_model* model = (dlpk_model*)1;
    CHECK_STATUS(dlpk_model_open_file("/nonexistent/model.dlpk", NULL, &model), DLPK_ERROR_FILE_NOT_FOUND);
    CHECK(model == NULL);
    CHECK(strstr(dlpk_last_error_message(), "/nonexistent/model.dlpk") != NULL);
    CHECK_STATUS(dlpk_model_open_file(NULL, NULL, &model), DLPK_ERROR_NULL_POINTER);
    CHECK_STATUS(dlpk_model_open_file(fixture("mlp.dlpk"), NULL, NULL), DLPK_ERROR_NULL_POINTER);
    CHECK_STATUS(dlpk_model_open_file(fixture("mlp_weights.f32"), NULL, &model), DLPK_ERROR_BAD_MAGIC);

    dlpk_status s = dlpk_model_open_file(fixture("unsupported.dlpk"), NULL, &model);
    CHECK(s == DLPK_ERROR_UNSUPPORTED_OP);
    CHECK(strstr(dlpk_last_error_message(), "'matmul'") != NULL);
    CHECK(model == NULL);

    size_t size = 0;
    unsigned char* bytes = read_file(fixture("mlp.dlpk"), &size);
    CHECK(bytes != NULL);
    if (!bytes) return;
    s = dlpk_model_open_memory(bytes, size / 2, DLPK_MEMORY_COPY, NULL, &model);
    CHECK(s >= 300 && s < 400); /* a model-file error: truncated, say */
    CHECK_STATUS(dlpk_model_open_memory(bytes, size, 7, NULL, &model), DLPK_ERROR_INVALID_ARGUMENT);
    CHECK_STATUS(dlpk_model_open_memory(NULL, size, DLPK_MEMORY_COPY, NULL, &model), DLPK_ERROR_NULL_POINTER);
    bytes[size / 3] ^= 0x55; /* corrupt a byte inside the file: checksums catch it */
    s = dlpk_model_open_memory(bytes, size, DLPK_MEMORY_BORROW, NULL, &model);
    CHECK(s >= 300 && s < 400);
    free(bytes);
}

TEST(metadata_and_labels) {
    dlpk_model* model = open_mlp();
    CHECK(model != NULL);
    if (!model) return;
    CHECK(strcmp(dlpk_model_producer(model), "dlpack-tests") == 0);
    CHECK(strcmp(dlpk_model_producer_version(model), "1") == 0);
    CHECK(dlpk_model_label_count(model) == 10);
    CHECK(strcmp(dlpk_model_label(model, 3), "three") == 0);
    CHECK(dlpk_model_label(model, 10) == NULL);
    CHECK(strcmp(dlpk_model_property(model, "task"), "digits") == 0);
    CHECK(dlpk_model_property(model, "missing") == NULL);
    CHECK(dlpk_model_property(model, NULL) == NULL);
    CHECK(dlpk_model_created_at(model) == 1790000000 && dlpk_model_created_at(NULL) == 0);
    dlpk_preprocessing pre;
    CHECK_STATUS(dlpk_model_preprocessing(model, 0, &pre), DLPK_OK);
    CHECK(fabsf(pre.scale - 1.0f / 255) < 1e-9f && pre.channel_axis == 1);
    CHECK(pre.mean_count == 1 && pre.mean[0] == 0.5f);
    CHECK(pre.std_count == 2 && pre.std[0] == 0.25f && pre.std[1] == 0.5f);
    CHECK_STATUS(dlpk_model_preprocessing(model, 1, &pre), DLPK_ERROR_INVALID_ARGUMENT);
    CHECK_STATUS(dlpk_model_preprocessing(model, 0, NULL), DLPK_ERROR_NULL_POINTER);
    /* NULL models are tolerated by the getters. */
    CHECK(strcmp(dlpk_model_producer(NULL), "") == 0);
    CHECK(dlpk_model_label_count(NULL) == 0 && dlpk_model_label(NULL, 0) == NULL);
    CHECK(dlpk_model_input_count(NULL) == 0);
    dlpk_model_free(model);
}

TEST(input_and_output_introspection) {
    dlpk_model* model = open_mlp();
    if (!model) { CHECK(0); return; }
    dlpk_tensor_info info;
    CHECK(dlpk_model_input_count(model) == 1 && dlpk_model_output_count(model) == 1);
    CHECK_STATUS(dlpk_model_input_info(model, 0, &info), DLPK_OK);
    CHECK(strcmp(info.name, "x") == 0 && info.dtype == DLPK_DTYPE_F32 && info.rank == 2);
    CHECK(info.dims[0] == -1 && info.dims[1] == 64);
    CHECK_STATUS(dlpk_model_output_info(model, 0, &info), DLPK_OK);
    CHECK(strcmp(info.name, "y") == 0 && info.dims[0] == -1 && info.dims[1] == 10);
    CHECK_STATUS(dlpk_model_input_info(model, 1, &info), DLPK_ERROR_INVALID_ARGUMENT);
    CHECK_STATUS(dlpk_model_output_info(model, 0, NULL), DLPK_ERROR_NULL_POINTER);
    CHECK_STATUS(dlpk_model_input_info(NULL, 0, &info), DLPK_ERROR_NULL_POINTER);
    dlpk_model_free(model);
}

TEST(runs_match_the_reference_at_several_batch_sizes) {
    dlpk_model* model = open_mlp();
    dlpk_session* session = NULL;
    CHECK_STATUS(dlpk_session_create(model, NULL, &session), DLPK_OK);
    if (!session) { dlpk_model_free(model); return; }
    static float x[64 * 64], y[64 * 10], expected[64 * 10];
    const int batches[] = {1, 3, 64, 3};
    for (int b = 0; b < 4; b++) {
        int batch = batches[b];
        fill_input(x, batch * 64, 7u + (unsigned)b);
        dlpk_tensor in = f32_tensor(x, batch, 64);
        dlpk_tensor out;
        memset(&out, 0, sizeof out);
        out.data = y;
        out.size = sizeof y;
        CHECK_STATUS(dlpk_session_run(session, &in, 1, &out, 1), DLPK_OK);
        CHECK(out.dtype == DLPK_DTYPE_F32 && out.rank == 2 && out.dims[0] == batch && out.dims[1] == 10);
        reference_mlp(x, batch, expected);
        CHECK(all_close(y, expected, batch * 10));
    }
    dlpk_tensor_info info;
    CHECK_STATUS(dlpk_session_output_info(session, 0, &info), DLPK_OK);
    CHECK(info.dims[0] == 3 && info.dims[1] == 10);
    dlpk_session_free(session);
    dlpk_model_free(model);
}

TEST(the_input_file_of_the_swift_tests_gives_the_reference) {
    size_t size = 0;
    float* x = read_file(fixture("mlp_input_3x64.f32"), &size);
    CHECK(x != NULL && size == 3 * 64 * sizeof(float));
    if (!x) return;
    dlpk_model* models[2] = {open_mlp(), NULL};
    CHECK_STATUS(dlpk_model_open_file(fixture("mlp_zstd.dlpk"), NULL, &models[1]), DLPK_OK);
    float y[2][30], expected[30];
    reference_mlp(x, 3, expected);
    for (int m = 0; m < 2; m++) {
        dlpk_session* session = NULL;
        CHECK_STATUS(dlpk_session_create(models[m], NULL, &session), DLPK_OK);
        dlpk_tensor in = f32_tensor(x, 3, 64), out = f32_tensor(y[m], 3, 10);
        CHECK_STATUS(dlpk_session_run(session, &in, 1, &out, 1), DLPK_OK);
        CHECK(all_close(y[m], expected, 30));
        dlpk_session_free(session);
        dlpk_model_free(models[m]);
    }
    CHECK(memcmp(y[0], y[1], sizeof y[0]) == 0); /* raw and zstd blobs: the same weights */
    free(x);
}

TEST(misuse_of_run_gives_statuses) {
    dlpk_model* model = open_mlp();
    dlpk_session* session = NULL;
    CHECK_STATUS(dlpk_session_create(model, NULL, &session), DLPK_OK);
    if (!session) { dlpk_model_free(model); return; }
    float x[3 * 64] = {0}, y[3 * 10];
    dlpk_tensor in = f32_tensor(x, 3, 64), out = f32_tensor(y, 3, 10);

    dlpk_tensor bad = in;
    bad.dims[1] = 63;
    CHECK_STATUS(dlpk_session_run(session, &bad, 1, &out, 1), DLPK_ERROR_SHAPE_MISMATCH);
    CHECK(strstr(dlpk_last_error_message(), "[3, 63]") != NULL);
    bad = in;
    bad.rank = 3;
    CHECK_STATUS(dlpk_session_run(session, &bad, 1, &out, 1), DLPK_ERROR_SHAPE_MISMATCH);
    bad.rank = 99;
    CHECK_STATUS(dlpk_session_run(session, &bad, 1, &out, 1), DLPK_ERROR_SHAPE_MISMATCH);
    bad = in;
    bad.dtype = DLPK_DTYPE_I32;
    CHECK_STATUS(dlpk_session_run(session, &bad, 1, &out, 1), DLPK_ERROR_DTYPE_MISMATCH);
    bad.dtype = 77;
    CHECK_STATUS(dlpk_session_run(session, &bad, 1, &out, 1), DLPK_ERROR_DTYPE_MISMATCH);
    bad = in;
    bad.data = NULL;
    CHECK_STATUS(dlpk_session_run(session, &bad, 1, &out, 1), DLPK_ERROR_NULL_POINTER);
    bad = in;
    bad.data = (char*)x + 1;
    bad.size -= 4;
    CHECK_STATUS(dlpk_session_run(session, &bad, 1, &out, 1), DLPK_ERROR_INVALID_ARGUMENT);
    CHECK(strstr(dlpk_last_error_message(), "aligned") != NULL);
    bad = in;
    bad.size -= 4;
    CHECK_STATUS(dlpk_session_run(session, &bad, 1, &out, 1), DLPK_ERROR_BUFFER_TOO_SMALL);
    CHECK_STATUS(dlpk_session_run(session, &in, 2, &out, 1), DLPK_ERROR_INVALID_ARGUMENT);
    CHECK_STATUS(dlpk_session_run(session, &in, 1, &out, 0), DLPK_ERROR_INVALID_ARGUMENT);
    CHECK_STATUS(dlpk_session_run(session, NULL, 1, &out, 1), DLPK_ERROR_NULL_POINTER);
    CHECK_STATUS(dlpk_session_run(session, &in, 1, NULL, 1), DLPK_ERROR_NULL_POINTER);
    CHECK_STATUS(dlpk_session_run(NULL, &in, 1, &out, 1), DLPK_ERROR_NULL_POINTER);

    /* A small output buffer: the status, and the shape to size it with. */
    dlpk_tensor small;
    memset(&small, 0, sizeof small);
    small.data = y;
    small.size = 16;
    CHECK_STATUS(dlpk_session_run(session, &in, 1, &small, 1), DLPK_ERROR_BUFFER_TOO_SMALL);
    CHECK(small.rank == 2 && small.dims[0] == 3 && small.dims[1] == 10 && small.dtype == DLPK_DTYPE_F32);
    /* ...and the session still works. */
    CHECK_STATUS(dlpk_session_run(session, &in, 1, &out, 1), DLPK_OK);
    dlpk_session_free(session);
    dlpk_model_free(model);
}

TEST(options_are_checked) {
    dlpk_model* model = open_mlp();
    dlpk_session* session = NULL;
    dlpk_session_options options;
    dlpk_session_options_init(&options);
    CHECK(options.size == sizeof options && options.num_threads == 1 && options.batch_size == 1);
    options.num_threads = -3;
    CHECK_STATUS(dlpk_session_create(model, &options, &session), DLPK_ERROR_INVALID_ARGUMENT);
    CHECK(session == NULL);
    dlpk_session_options_init(&options);
    options.size = 0;
    CHECK_STATUS(dlpk_session_create(model, &options, &session), DLPK_ERROR_INVALID_ARGUMENT);
    /* An older caller whose struct ends before batch_size gets the default batch size. */
    dlpk_session_options_init(&options);
    options.size = 12;
    options.batch_size = 5;
    CHECK_STATUS(dlpk_session_create(model, &options, &session), DLPK_OK);
    dlpk_tensor_info info;
    CHECK_STATUS(dlpk_session_output_info(session, 0, &info), DLPK_OK);
    CHECK(info.dims[0] == 1);
    dlpk_session_free(session);
    CHECK_STATUS(dlpk_session_create(NULL, NULL, &session), DLPK_ERROR_NULL_POINTER);
    CHECK_STATUS(dlpk_session_create(model, NULL, NULL), DLPK_ERROR_NULL_POINTER);
    dlpk_session_options_init(NULL);
    dlpk_model_free(model);
}

TEST(run_alloc_returns_owned_outputs) {
    dlpk_model* model = open_mlp();
    dlpk_session* session = NULL;
    CHECK_STATUS(dlpk_session_create(model, NULL, &session), DLPK_OK);
    float x[5 * 64], expected[5 * 10];
    fill_input(x, 5 * 64, 99);
    reference_mlp(x, 5, expected);
    dlpk_tensor in = f32_tensor(x, 5, 64);
    dlpk_tensor* outputs = NULL;
    size_t count = 0;
    CHECK_STATUS(dlpk_session_run_alloc(session, &in, 1, &outputs, &count), DLPK_OK);
    CHECK(count == 1 && outputs != NULL);
    if (outputs) {
        CHECK(outputs[0].rank == 2 && outputs[0].dims[0] == 5 && outputs[0].size == 5 * 10 * sizeof(float));
        CHECK(all_close(outputs[0].data, expected, 50));
    }
    dlpk_tensors_free(outputs, count);
    in.dims[1] = 3;
    CHECK_STATUS(dlpk_session_run_alloc(session, &in, 1, &outputs, &count), DLPK_ERROR_SHAPE_MISMATCH);
    CHECK(outputs == NULL && count == 0);
    dlpk_session_free(session);
    dlpk_model_free(model);
}

TEST(static_sessions_use_the_callers_arena) {
    dlpk_model* model = open_mlp();
    dlpk_session_options options;
    dlpk_session_options_init(&options);
    options.batch_size = 4;
    size_t size = 0;
    CHECK_STATUS(dlpk_session_arena_size(model, &options, &size), DLPK_OK);
    CHECK(size > 0);
    unsigned char* arena = malloc(size);
    dlpk_session* session = NULL;
    CHECK_STATUS(dlpk_session_create_static(model, &options, arena, size / 4, &session), DLPK_ERROR_BUFFER_TOO_SMALL);
    CHECK_STATUS(dlpk_session_create_static(model, &options, NULL, size, &session), DLPK_ERROR_NULL_POINTER);
    CHECK_STATUS(dlpk_session_create_static(model, &options, arena, size, &session), DLPK_OK);
    float x[64 * 64], y[64 * 10], expected[4 * 10];
    fill_input(x, 64 * 64, 5);
    reference_mlp(x, 4, expected);
    dlpk_tensor in = f32_tensor(x, 4, 64), out = f32_tensor(y, 4, 10);
    CHECK_STATUS(dlpk_session_run(session, &in, 1, &out, 1), DLPK_OK);
    CHECK(all_close(y, expected, 40));
    /* A larger batch does not fit the arena: a status, never an allocation. */
    dlpk_tensor in64 = f32_tensor(x, 64, 64), out64 = f32_tensor(y, 64, 10);
    CHECK_STATUS(dlpk_session_run(session, &in64, 1, &out64, 1), DLPK_ERROR_BUFFER_TOO_SMALL);
    CHECK_STATUS(dlpk_session_run(session, &in, 1, &out, 1), DLPK_OK);
    CHECK(all_close(y, expected, 40));
    dlpk_session_free(session);
    free(arena);
    dlpk_model_free(model);
}

TEST(cancel_stops_one_run) {
    dlpk_model* model = open_mlp();
    dlpk_session* session = NULL;
    CHECK_STATUS(dlpk_session_create(model, NULL, &session), DLPK_OK);
    float x[64] = {0}, y[10];
    dlpk_tensor in = f32_tensor(x, 1, 64), out = f32_tensor(y, 1, 10);
    CHECK_STATUS(dlpk_session_cancel(session), DLPK_OK);
    CHECK_STATUS(dlpk_session_run(session, &in, 1, &out, 1), DLPK_ERROR_CANCELLED);
    CHECK_STATUS(dlpk_session_run(session, &in, 1, &out, 1), DLPK_OK);
    CHECK_STATUS(dlpk_session_cancel(NULL), DLPK_ERROR_NULL_POINTER);
    dlpk_session_free(session);
    dlpk_model_free(model);
}

struct canceller { dlpk_session* session; };

static void* cancel_soon(void* arg) {
    usleep(2000);
    dlpk_session_cancel(((struct canceller*)arg)->session);
    return NULL;
}

TEST(cancel_from_another_thread) {
    dlpk_model* model = open_mlp();
    dlpk_session* session = NULL;
    CHECK_STATUS(dlpk_session_create(model, NULL, &session), DLPK_OK);
    static float x[64 * 64], y[64 * 10];
    dlpk_tensor in = f32_tensor(x, 64, 64), out = f32_tensor(y, 64, 10);
    struct canceller c = {session};
    pthread_t thread;
    pthread_create(&thread, NULL, cancel_soon, &c);
    dlpk_status s = DLPK_OK;
    for (int i = 0; i < 100000 && s == DLPK_OK; i++) s = dlpk_session_run(session, &in, 1, &out, 1);
    pthread_join(thread, NULL);
    /* The request stays pending until a run sees it, so one run must have been cancelled. */
    if (s == DLPK_OK) s = dlpk_session_run(session, &in, 1, &out, 1);
    CHECK(s == DLPK_ERROR_CANCELLED);
    CHECK_STATUS(dlpk_session_run(session, &in, 1, &out, 1), DLPK_OK);
    dlpk_session_free(session);
    dlpk_model_free(model);
}

TEST(memory_models_copy_or_borrow) {
    size_t size = 0;
    unsigned char* bytes = read_file(fixture("mlp.dlpk"), &size);
    if (!bytes) { CHECK(0); return; }
    float x[2 * 64], y[2 * 10], expected[2 * 10];
    fill_input(x, 128, 3);
    reference_mlp(x, 2, expected);
    for (int mode = 0; mode < 2; mode++) {
        unsigned char* copy = malloc(size);
        memcpy(copy, bytes, size);
        dlpk_model* model = NULL;
        CHECK_STATUS(dlpk_model_open_memory(copy, size, mode == 0 ? DLPK_MEMORY_COPY : DLPK_MEMORY_BORROW, NULL, &model), DLPK_OK);
        if (mode == 0) { memset(copy, 0, size); free(copy); copy = NULL; } /* copied: the buffer is ours again */
        dlpk_session* session = NULL;
        CHECK_STATUS(dlpk_session_create(model, NULL, &session), DLPK_OK);
        /* The session keeps the model alive after the caller frees it. */
        dlpk_model_free(model);
        dlpk_tensor in = f32_tensor(x, 2, 64), out = f32_tensor(y, 2, 10);
        CHECK_STATUS(dlpk_session_run(session, &in, 1, &out, 1), DLPK_OK);
        CHECK(all_close(y, expected, 20));
        dlpk_session_free(session);
        free(copy);
    }
    free(bytes);
}

TEST(model_options) {
    size_t size = 0;
    unsigned char* bytes = read_file(fixture("mlp.dlpk"), &size);
    if (!bytes) { CHECK(0); return; }
    dlpk_model_options options;
    dlpk_model_options_init(&options);
    CHECK(options.size == sizeof options && options.verify_checksums == 1 && options.dequantize_int8_weights == 1);
    dlpk_model* model = NULL;
    bytes[size - 100] ^= 0x01; /* a bit flipped inside the last weight blob */
    CHECK_STATUS(dlpk_model_open_memory(bytes, size, DLPK_MEMORY_COPY, &options, &model), DLPK_ERROR_CHECKSUM_MISMATCH);
    options.verify_checksums = 0;
    CHECK_STATUS(dlpk_model_open_memory(bytes, size, DLPK_MEMORY_COPY, &options, &model), DLPK_OK);
    dlpk_model_free(model);
    options.size = 0;
    CHECK_STATUS(dlpk_model_open_memory(bytes, size, DLPK_MEMORY_COPY, &options, &model), DLPK_ERROR_INVALID_ARGUMENT);
    dlpk_model_options_init(NULL);
    free(bytes);
}

TEST(free_functions_accept_null) {
    dlpk_model_free(NULL);
    dlpk_session_free(NULL);
    dlpk_tensors_free(NULL, 0);
    CHECK(1);
}

/* 8 threads, one shared model, a session each, 1000 runs each: every result identical. */
#define THREADS 8
struct worker {
    dlpk_model* model;
    int runs;
    const float* x;
    const float* expected;
    int mismatches;
    dlpk_status status;
};

static void* worker_main(void* arg) {
    struct worker* w = arg;
    dlpk_session* session = NULL;
    w->status = dlpk_session_create(w->model, NULL, &session);
    if (w->status != DLPK_OK) return NULL;
    float y[4 * 10];
    for (int i = 0; i < w->runs; i++) {
        dlpk_tensor in = f32_tensor((float*)w->x, 4, 64), out = f32_tensor(y, 4, 10);
        dlpk_status s = dlpk_session_run(session, &in, 1, &out, 1);
        if (s != DLPK_OK) { w->status = s; break; }
        if (memcmp(y, w->expected, sizeof y) != 0) w->mismatches++;
    }
    dlpk_session_free(session);
    return NULL;
}

TEST(threads_with_own_sessions_agree) {
    const char* env = getenv("DLPK_TEST_RUNS");
    int runs = env ? atoi(env) : 1000;
    dlpk_model* model = open_mlp();
    dlpk_session* session = NULL;
    float x[4 * 64], first[4 * 10], expected[4 * 10];
    fill_input(x, 256, 11);
    CHECK_STATUS(dlpk_session_create(model, NULL, &session), DLPK_OK);
    dlpk_tensor in = f32_tensor(x, 4, 64), out = f32_tensor(first, 4, 10);
    CHECK_STATUS(dlpk_session_run(session, &in, 1, &out, 1), DLPK_OK);
    dlpk_session_free(session);
    reference_mlp(x, 4, expected);
    CHECK(all_close(first, expected, 40));

    pthread_t threads[THREADS];
    struct worker workers[THREADS];
    for (int t = 0; t < THREADS; t++) {
        workers[t] = (struct worker){model, runs, x, first, 0, DLPK_OK};
        pthread_create(&threads[t], NULL, worker_main, &workers[t]);
    }
    for (int t = 0; t < THREADS; t++) {
        pthread_join(threads[t], NULL);
        CHECK(workers[t].status == DLPK_OK);
        CHECK(workers[t].mismatches == 0);
    }
    dlpk_model_free(model);
}

static void* fail_on_this_thread(void* arg) {
    dlpk_model* model = NULL;
    dlpk_model_open_file("/nonexistent/other-thread.dlpk", NULL, &model);
    *(int*)arg = strstr(dlpk_last_error_message(), "other-thread") != NULL;
    return NULL;
}

TEST(error_messages_are_per_thread) {
    dlpk_model* model = NULL;
    dlpk_model_open_file("/nonexistent/this-thread.dlpk", NULL, &model);
    int other_saw_its_own = 0;
    pthread_t thread;
    pthread_create(&thread, NULL, fail_on_this_thread, &other_saw_its_own);
    pthread_join(thread, NULL);
    CHECK(other_saw_its_own);
    CHECK(strstr(dlpk_last_error_message(), "this-thread") != NULL);
}

/* Open, run and free in a loop: run under valgrind / LeakSanitizer by run-tests.sh. */
TEST(open_run_free_cycles) {
    for (int i = 0; i < 20; i++) {
        dlpk_model* model = open_mlp();
        dlpk_session* session = NULL;
        CHECK_STATUS(dlpk_session_create(model, NULL, &session), DLPK_OK);
        float x[2 * 64] = {0};
        dlpk_tensor in = f32_tensor(x, 2, 64);
        dlpk_tensor* outputs = NULL;
        size_t count = 0;
        CHECK_STATUS(dlpk_session_run_alloc(session, &in, 1, &outputs, &count), DLPK_OK);
        dlpk_tensors_free(outputs, count);
        in.dims[1] = 5; /* an error path, too */
        CHECK_STATUS(dlpk_session_run_alloc(session, &in, 1, &outputs, &count), DLPK_ERROR_SHAPE_MISMATCH);
        dlpk_session_free(session);
        dlpk_model_free(model);
        CHECK_STATUS(dlpk_model_open_file(fixture("unsupported.dlpk"), NULL, &model), DLPK_ERROR_UNSUPPORTED_OP);
    }
}

/* ------------------------------------------------------------------ runner */

struct test_case { const char* name; void (*run)(int*); };
#define CASE(name) { #name, name }
static const struct test_case cases[] = {
    CASE(versions_match_the_header),
    CASE(struct_layouts_match_the_library),
    CASE(status_strings),
    CASE(open_errors_are_statuses_with_messages),
    CASE(metadata_and_labels),
    CASE(input_and_output_introspection),
    CASE(runs_match_the_reference_at_several_batch_sizes),
    CASE(the_input_file_of_the_swift_tests_gives_the_reference),
    CASE(misuse_of_run_gives_statuses),
    CASE(options_are_checked),
    CASE(run_alloc_returns_owned_outputs),
    CASE(static_sessions_use_the_callers_arena),
    CASE(cancel_stops_one_run),
    CASE(cancel_from_another_thread),
    CASE(memory_models_copy_or_borrow),
    CASE(model_options),
    CASE(free_functions_accept_null),
    CASE(threads_with_own_sessions_agree),
    CASE(error_messages_are_per_thread),
    CASE(open_run_free_cycles),
};

int main(int argc, char** argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s FIXTURE_DIR [TEST_NAME]\n", argv[0]);
        return 2;
    }
    fixture_dir = argv[1];
    size_t size = 0;
    weights = read_file(fixture("mlp_weights.f32"), &size);
    if (!weights) {
        fprintf(stderr, "cannot read %s\n", fixture("mlp_weights.f32"));
        return 2;
    }
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        if (argc > 2 && strcmp(argv[2], cases[i].name) != 0) continue;
        int test_failed_flag = 0;
        current_test = cases[i].name;
        cases[i].run(&test_failed_flag);
        if (test_failed_flag) failed++; else passed++;
        printf("%s %s\n", test_failed_flag ? "FAIL" : "ok  ", cases[i].name);
    }
    free(weights);
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
