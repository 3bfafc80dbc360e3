/*
 * classify: load a .dlpk model, describe its inputs and outputs, run it on one input
 * and print the top-k classes with their labels.
 *
 *   cc classify.c $(pkg-config --cflags --libs dlpk) -o classify
 *   ./classify model.dlpk [input.f32] [k]
 *
 * input.f32 holds the raw little-endian f32 values of one sample (batch 1); without
 * it the input is all zeros.
 */
#include <dlpk.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(const char* what, dlpk_status status) {
    fprintf(stderr, "%s: %s (%d): %s\n", what, dlpk_status_string(status), (int)status, dlpk_last_error_message());
    return 1;
}

static void print_info(const char* kind, const dlpk_tensor_info* info) {
    printf("  %s '%s': dtype %d, shape [", kind, info->name, (int)info->dtype);
    for (int d = 0; d < info->rank; d++) {
        if (info->dims[d] < 0) printf("%s?", d ? ", " : "");
        else printf("%s%lld", d ? ", " : "", (long long)info->dims[d]);
    }
    printf("]\n");
}

int main(int argc, char** argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s model.dlpk [input.f32] [k]\n", argv[0]);
        return 2;
    }
    int k = argc > 3 ? atoi(argv[3]) : 3;
    printf("libdlpk %s (header %s)\n", dlpk_version_string(), DLPK_VERSION_STRING);

    dlpk_model* model = NULL;
    dlpk_status s = dlpk_model_open_file(argv[1], NULL, &model);
    if (s != DLPK_OK) return fail("open", s);
    printf("model by %s %s, %zu labels\n", dlpk_model_producer(model), dlpk_model_producer_version(model),
           dlpk_model_label_count(model));

    dlpk_tensor_info input, output;
    dlpk_model_input_info(model, 0, &input);
    dlpk_model_output_info(model, 0, &output);
    print_info("input", &input);
    print_info("output", &output);
    if (input.dtype != DLPK_DTYPE_F32 || output.dtype != DLPK_DTYPE_F32) {
        fprintf(stderr, "this example handles f32 inputs and outputs only\n");
        dlpk_model_free(model);
        return 1;
    }

    /* One sample: dynamic dimensions become 1. */
    dlpk_tensor in;
    memset(&in, 0, sizeof in);
    in.dtype = DLPK_DTYPE_F32;
    in.rank = input.rank;
    size_t count = 1;
    for (int d = 0; d < input.rank; d++) {
        in.dims[d] = input.dims[d] < 0 ? 1 : input.dims[d];
        count *= (size_t)in.dims[d];
    }
    float* x = calloc(count, sizeof(float));
    in.data = x;
    in.size = count * sizeof(float);
    if (argc > 2) {
        FILE* f = fopen(argv[2], "rb");
        if (!f || fread(x, sizeof(float), count, f) != count) {
            fprintf(stderr, "%s: cannot read %zu floats\n", argv[2], count);
            if (f) fclose(f);
            free(x);
            dlpk_model_free(model);
            return 1;
        }
        fclose(f);
    }

    dlpk_session* session = NULL;
    s = dlpk_session_create(model, NULL, &session);
    if (s != DLPK_OK) return fail("session", s);
    dlpk_tensor* outputs = NULL;
    size_t output_count = 0;
    s = dlpk_session_run_alloc(session, &in, 1, &outputs, &output_count);
    if (s != DLPK_OK) return fail("run", s);

    const float* scores = outputs[0].data;
    size_t classes = outputs[0].size / sizeof(float);
    printf("top %d of %zu:\n", k, classes);
    char* taken = calloc(classes, 1);
    for (int r = 0; r < k && (size_t)r < classes; r++) {
        size_t best = 0;
        while (taken[best]) best++;
        for (size_t c = 0; c < classes; c++)
            if (!taken[c] && scores[c] > scores[best]) best = c;
        taken[best] = 1;
        const char* label = dlpk_model_label(model, best);
        printf("  %d. class %zu %-10s %.6f\n", r + 1, best, label ? label : "", scores[best]);
    }
    free(taken);
    dlpk_tensors_free(outputs, output_count);
    dlpk_session_free(session);
    dlpk_model_free(model);
    free(x);
    return 0;
}
