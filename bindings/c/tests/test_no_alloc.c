/*
 * Runs with unchanged input shapes allocate nothing: counts malloc-family calls made
 * anywhere in the process (this program interposes them, glibc only) during 1000 runs.
 * Usage: test_no_alloc FIXTURE_DIR. Last line: "N passed, N failed".
 */
#define _GNU_SOURCE
#include "dlpk.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern void* __libc_malloc(size_t);
extern void* __libc_calloc(size_t, size_t);
extern void* __libc_realloc(void*, size_t);
extern void* __libc_memalign(size_t, size_t);

static volatile long allocations;
void* malloc(size_t n) { allocations++; return __libc_malloc(n); }
void* calloc(size_t n, size_t m) { allocations++; return __libc_calloc(n, m); }
void* realloc(void* p, size_t n) { allocations++; return __libc_realloc(p, n); }
void* aligned_alloc(size_t a, size_t n) { allocations++; return __libc_memalign(a, n); }
void* memalign(size_t a, size_t n) { allocations++; return __libc_memalign(a, n); }
int posix_memalign(void** p, size_t a, size_t n) {
    allocations++;
    *p = __libc_memalign(a, n);
    return *p ? 0 : 12;
}

/* 1000 runs of FIXTURE_DIR/name at batch 8 after a first one; returns the failures. */
static int check(const char* dir, const char* name) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    dlpk_model* model = NULL;
    dlpk_session* session = NULL;
    if (dlpk_model_open_file(path, NULL, &model) != DLPK_OK || dlpk_session_create(model, NULL, &session) != DLPK_OK) {
        fprintf(stderr, "setup %s: %s\n", name, dlpk_last_error_message());
        dlpk_model_free(model);
        return 1;
    }
    static float x[8 * 64], y[8 * 10];
    for (int i = 0; i < 8 * 64; i++) x[i] = (float)((i * 37) % 101) / 50.0f - 1.0f;
    dlpk_tensor in, out;
    memset(&in, 0, sizeof in);
    memset(&out, 0, sizeof out);
    in.data = x; in.size = sizeof x; in.dtype = DLPK_DTYPE_F32; in.rank = 2; in.dims[0] = 8; in.dims[1] = 64;
    out.data = y; out.size = sizeof y;
    int failed = 0;
    /* The first run at batch 8 plans for it (allocations allowed there). */
    if (dlpk_session_run(session, &in, 1, &out, 1) != DLPK_OK) failed++;
    long before = allocations;
    for (int i = 0; i < 1000; i++)
        if (dlpk_session_run(session, &in, 1, &out, 1) != DLPK_OK) failed++;
    long during = allocations - before;
    printf("%s %s: 1000 runs made %ld allocations\n", during == 0 ? "ok  " : "FAIL", name, during);
    if (during != 0) failed++;
    /* Control: a new batch size replans, which allocates, so the counting does work. */
    in.dims[0] = 3;
    in.size = 3 * 64 * sizeof(float);
    before = allocations;
    if (dlpk_session_run(session, &in, 1, &out, 1) != DLPK_OK) failed++;
    printf("%s %s: a run with new shapes made %ld allocations (the counter works)\n",
           allocations > before ? "ok  " : "FAIL", name, allocations - before);
    if (allocations == before) failed++;
    dlpk_session_free(session);
    dlpk_model_free(model);
    return failed;
}

int main(int argc, char** argv) {
    if (argc < 2) { fprintf(stderr, "usage: %s FIXTURE_DIR\n", argv[0]); return 2; }
    /* The float MLP, and the same MLP with dynamic-range dense layers (X quantized per run). */
    const char* models[] = {"mlp.dlpk", "mlp_dynamic.dlpk"};
    int passed = 0, failed = 0;
    for (int i = 0; i < 2; i++) {
        if (check(argv[1], models[i])) failed++;
        else passed++;
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
