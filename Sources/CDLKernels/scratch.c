/* Per-thread scratch memory for packing, kept between calls (grow only) so that a GEMM does
 * not page-fault fresh buffers every time; freed when its thread exits. */
#include "internal.h"
#include <pthread.h>
#include <stdlib.h>

typedef struct { void *p[2]; size_t cap[2]; } scratch;

static pthread_key_t key;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void release(void *v) {
    scratch *s = v;
    dlk_kernels_aligned_free(s->p[0]);
    dlk_kernels_aligned_free(s->p[1]);
    free(s);
}
static void make_key(void) { pthread_key_create(&key, release); }

void *dlk_scratch(int slot, size_t bytes) {
    pthread_once(&once, make_key);
    scratch *s = pthread_getspecific(key);
    if (!s) {
        s = calloc(1, sizeof *s);
        if (!s) return NULL;
        pthread_setspecific(key, s);
    }
    if (s->cap[slot] < bytes) {
        dlk_kernels_aligned_free(s->p[slot]);
        s->p[slot] = dlk_kernels_aligned_alloc(bytes);
        s->cap[slot] = s->p[slot] ? bytes : 0;
    }
    return s->p[slot];
}
