/* A small thread pool for dlk_parallel_for: helpers sleep on a condition variable between
 * calls (no spinning), so threads = 1 costs nothing and idle helpers use no CPU. */
#include "internal.h"
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#define MAX_HELPERS 63

/* Tasks are dealt out in contiguous ranges, one per participant (the caller is 0), so that
 * a thread gets the same part of the work on every call (its cache keeps that data); a
 * participant that finishes early then takes tasks from the others' ranges, so a thread
 * that the OS has descheduled does not hold everyone up. */
typedef struct {
    void (*fn)(void *ctx, int task);
    void *ctx;
    int tasks;
    int parts;
    int next[MAX_HELPERS + 1];  /* atomic: next task of each range */
    int end[MAX_HELPERS + 1];
} job;

static void job_init(job *j, void (*fn)(void *, int), void *ctx, int tasks, int parts) {
    j->fn = fn;
    j->ctx = ctx;
    j->tasks = tasks;
    j->parts = parts;
    for (int p = 0; p < parts; p++) {
        j->next[p] = (int)((long)tasks * p / parts);
        j->end[p] = (int)((long)tasks * (p + 1) / parts);
    }
}

static void run_tasks(job *j, int self) {
    for (int q = 0; q < j->parts; q++) {
        int p = (self + q) % j->parts;
        for (;;) {
            int t = __atomic_fetch_add(&j->next[p], 1, __ATOMIC_RELAXED);
            if (t >= j->end[p]) break;
            j->fn(j->ctx, t);
        }
    }
}

static pthread_mutex_t call_lock = PTHREAD_MUTEX_INITIALIZER;  /* one pooled call at a time */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static pthread_cond_t done = PTHREAD_COND_INITIALIZER;
static job current;
static unsigned generation;
static int participants;   /* helpers taking part in the current generation */
static unsigned pending;   /* participants not finished yet */
static int helper_count;   /* helpers created so far */
static unsigned born_at[MAX_HELPERS];  /* generation when each helper was created */

/* After a call, helpers keep polling this long before sleeping, so that back-to-back calls
 * (layer after layer) do not each pay a wake-up, which on a loaded machine can cost more than
 * a small GEMM. threads = 1 never involves helpers; idle helpers sleep. DLPK_THREAD_POLL_US
 * (read once; 0 = sleep at once) changes the default of 100 µs. */
static double poll_seconds(void) {
    static long micros = -1;   /* -1 until read */
    long us = __atomic_load_n(&micros, __ATOMIC_RELAXED);
    if (us < 0) {
        const char *env = getenv("DLPK_THREAD_POLL_US");
        us = env && *env ? strtol(env, NULL, 10) : 100;
        if (us < 0) us = 0;
        if (us > 100000) us = 100000;
        __atomic_store_n(&micros, us, __ATOMIC_RELAXED);
    }
    return (double)us * 1e-6;
}
#define POLL_SECONDS poll_seconds()

static double seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* Polls until `*word` differs from `old` or POLL_SECONDS pass; returns 1 if it changed. */
static int poll_change(const unsigned *word, unsigned old) {
    double window = POLL_SECONDS;
    if (window <= 0) return __atomic_load_n(word, __ATOMIC_ACQUIRE) != old;
    double until = seconds() + window;
    for (int i = 1;; i++) {
        if (__atomic_load_n(word, __ATOMIC_ACQUIRE) != old) return 1;
        if ((i & 63) == 0 && seconds() > until) return 0;
#if defined(__x86_64__)
        __builtin_ia32_pause();
#elif defined(__aarch64__)
        __asm__ volatile("yield");
#endif
    }
}

static void *helper_main(void *arg) {
    int id = (int)(intptr_t)arg;
    pthread_mutex_lock(&lock);
    /* Not the current generation: a call may have started before this thread got the lock. */
    unsigned seen = born_at[id];
    pthread_mutex_unlock(&lock);
    for (;;) {
        poll_change(&generation, seen);
        pthread_mutex_lock(&lock);
        while (generation == seen) pthread_cond_wait(&wake, &lock);
        seen = generation;
        int part = id < participants;
        pthread_mutex_unlock(&lock);
        if (!part) continue;
        run_tasks(&current, id + 1);
        pthread_mutex_lock(&lock);
        __atomic_store_n(&pending, pending - 1, __ATOMIC_RELEASE);
        if (pending == 0) pthread_cond_signal(&done);
        pthread_mutex_unlock(&lock);
    }
    return NULL;
}

/* Creates helpers up to `want`; returns how many exist (creation may fail). */
static int ensure_helpers(int want) {
    while (helper_count < want) {
        pthread_t t;
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        pthread_mutex_lock(&lock);
        born_at[helper_count] = generation;
        int rc = pthread_create(&t, &attr, helper_main, (void *)(intptr_t)helper_count);
        if (rc == 0) helper_count++;
        pthread_mutex_unlock(&lock);
        pthread_attr_destroy(&attr);
        if (rc != 0) break;
    }
    return helper_count;
}

typedef struct { job *j; int self; } spawned;
static void *spawned_main(void *arg) {
    spawned *s = arg;
    run_tasks(s->j, s->self);
    return NULL;
}

/* Used when another thread holds the pool: plain threads for this call only. */
static void run_spawned(int threads, job *j) {
    pthread_t ids[MAX_HELPERS];
    spawned args[MAX_HELPERS];
    int n = 0;
    for (int i = 0; i < threads - 1; i++) {
        args[n] = (spawned){j, n + 1};
        if (pthread_create(&ids[n], NULL, spawned_main, &args[n]) != 0) break;
        n++;
    }
    run_tasks(j, 0);   /* ranges of threads that failed to start are taken over here */
    for (int i = 0; i < n; i++) pthread_join(ids[i], NULL);
}

void dlk_parallel_for(int threads, int tasks, void (*fn)(void *ctx, int task), void *ctx) {
    if (tasks <= 0) return;
    if (threads > tasks) threads = tasks;
    if (threads > MAX_HELPERS + 1) threads = MAX_HELPERS + 1;
    if (threads <= 1) {
        for (int t = 0; t < tasks; t++) fn(ctx, t);
        return;
    }
    if (pthread_mutex_trylock(&call_lock) != 0) {
        job j;
        job_init(&j, fn, ctx, tasks, threads);
        run_spawned(threads, &j);
        return;
    }
    int helpers = ensure_helpers(threads - 1);
    if (helpers > threads - 1) helpers = threads - 1;
    pthread_mutex_lock(&lock);
    job_init(&current, fn, ctx, tasks, helpers + 1);
    participants = helpers;
    __atomic_store_n(&pending, (unsigned)helpers, __ATOMIC_RELEASE);
    __atomic_store_n(&generation, generation + 1, __ATOMIC_RELEASE);
    pthread_cond_broadcast(&wake);
    pthread_mutex_unlock(&lock);
    run_tasks(&current, 0);
    /* Brief poll before sleeping on `done`: helpers usually finish about when we do. */
    while (__atomic_load_n(&pending, __ATOMIC_ACQUIRE) > 0) {
        unsigned left = __atomic_load_n(&pending, __ATOMIC_ACQUIRE);
        if (left == 0 || !poll_change(&pending, left)) break;
    }
    pthread_mutex_lock(&lock);
    while (pending > 0) pthread_cond_wait(&done, &lock);
    pthread_mutex_unlock(&lock);
    pthread_mutex_unlock(&call_lock);
}
