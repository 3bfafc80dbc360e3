/* The kernels' thread pool behind dlk_parallel_for, and the one rule for how many threads a
 * piece of work is worth (dlk_split_threads / dlk_split_units).
 *
 * Measured on a 2-core machine shared with other work, the previous pool (helpers started by a
 * condition variable, the caller waiting until every helper had checked in, helpers spinning
 * 100 µs after each call) ran the digits MLP at batch 64 in 430 µs on 2 threads against 15 µs
 * on 1: the caller waited for helpers that were not on a CPU, and a spinning helper took the
 * CPU the caller needed. So here:
 *  - the caller never waits for a helper to arrive. Work is claimed unit by unit from one
 *    atomic word; the caller claims too, and a helper that comes late finds nothing left.
 *    The caller waits only for units a helper has actually started.
 *  - helpers sleep on a futex (a condition variable off Linux) and spin only briefly after a
 *    call, yielding the CPU while they do, so a caller that shares their core still runs.
 *  - a helper that finds itself on the caller's CPU leaves the work to the caller.
 *  - threads = 1, or work too small to share (dlk_split_threads), never touches the pool.
 *  - a call made while another thread holds the pool runs on its own thread (no thread is
 *    ever started per call). */
#define _GNU_SOURCE 1   /* sched_getcpu */
#include "internal.h"
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#if defined(__linux__)
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

#define MAX_HELPERS 63
#define MAX_UNITS 0xFFFFu   /* units per call: 16 bits of the claim word */

/* ---- how much work a thread must get ---- */

/* Work is costed in fp32 multiply-adds: a streamed byte costs about as much as two (GEMV reads
 * each weight once: 1×1024×1024 fp32 takes ~90 µs, not the ~15 µs its MACs alone would). A
 * share below MIN_SHARE (~8 µs on one core here) gains less than handing it over costs (a
 * futex wake, cache lines moving, a helper that may not be on a CPU). */
#define BYTE_COST 2.0
#define MIN_SHARE 524288.0
#define UNITS_PER_THREAD 4   /* a helper that arrives late still finds a share to take */

static double cost_of(double macs, double bytes) { return macs + BYTE_COST * bytes; }

int dlk_split_threads(int threads, double macs, double bytes) {
    if (threads <= 1) return 1;
    double shares = cost_of(macs, bytes) / MIN_SHARE;
    if (!(shares >= 2.0)) return 1;   /* also NaN */
    return shares < (double)threads ? (int)shares : threads;
}

int dlk_split_units(int threads, double macs, double bytes, size_t max_units) {
    if (threads <= 1 || max_units <= 1) return 1;
    double shares = cost_of(macs, bytes) / MIN_SHARE;
    double want = (double)threads * UNITS_PER_THREAD;
    if (shares < want) want = shares;
    if (want < (double)threads) want = (double)threads;
    if (want > (double)max_units) want = (double)max_units;
    return want < 1.0 ? 1 : (int)want;
}

/* ---- waiting on a 32-bit word ---- */

#if defined(__linux__)
static void word_wait(uint32_t *word, uint32_t old) {
    syscall(SYS_futex, word, FUTEX_WAIT_PRIVATE, old, NULL, NULL, 0);
}
static void word_wake(uint32_t *word, int count) {
    syscall(SYS_futex, word, FUTEX_WAKE_PRIVATE, count, NULL, NULL, 0);
}
#else
/* One lock for every word: the waker changes the word before taking it, so no wake is lost. */
static pthread_mutex_t word_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t word_changed = PTHREAD_COND_INITIALIZER;
static void word_wait(uint32_t *word, uint32_t old) {
    pthread_mutex_lock(&word_lock);
    while (__atomic_load_n(word, __ATOMIC_SEQ_CST) == old) pthread_cond_wait(&word_changed, &word_lock);
    pthread_mutex_unlock(&word_lock);
}
static void word_wake(uint32_t *word, int count) {
    (void)word;
    (void)count;
    pthread_mutex_lock(&word_lock);
    pthread_cond_broadcast(&word_changed);
    pthread_mutex_unlock(&word_lock);
}
#endif

static void cpu_relax(void) {
#if defined(__x86_64__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ volatile("yield");
#endif
}

static double seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* How long helpers keep looking for the next call before they sleep (and the caller for
 * helpers' last units): back-to-back calls, layer after layer, then find helpers awake.
 * Short, and yielding every few µs, because on a busy machine a spinning thread takes a CPU
 * from someone. DLPK_THREAD_POLL_US (read once; 0 = sleep at once) changes the default. */
static double poll_seconds(void) {
    static long micros = -1;   /* -1 until read */
    long us = __atomic_load_n(&micros, __ATOMIC_RELAXED);
    if (us < 0) {
        const char *env = getenv("DLPK_THREAD_POLL_US");
        us = env && *env ? strtol(env, NULL, 10) : 50;
        if (us < 0) us = 0;
        if (us > 100000) us = 100000;
        __atomic_store_n(&micros, us, __ATOMIC_RELAXED);
    }
    return (double)us * 1e-6;
}

/* Spins until *word != old or the poll window has passed; 1 if it changed. */
static int spin_until_changed(const uint32_t *word, uint32_t old) {
    if (__atomic_load_n(word, __ATOMIC_ACQUIRE) != old) return 1;
    double window = poll_seconds();
    if (window <= 0) return 0;
    double until = seconds() + window;
    for (int i = 1;; i++) {
        if (__atomic_load_n(word, __ATOMIC_ACQUIRE) != old) return 1;
        if ((i & 255) == 0) {
            if (seconds() > until) return 0;
            sched_yield();
        }
        cpu_relax();
    }
}

/* ---- the current call ---- */

/* claim_word = epoch << 32 | units << 16 | next. A unit is claimed by bumping `next` with a
 * CAS on the whole word, so a thread that read the word of an earlier call can never claim in
 * a later one. The call's fields (job_*, active_helpers) are written before its word is
 * published and rewritten only after every unit has finished, so they are stable for whoever
 * holds a claimed unit, or sees unclaimed units in the word it is about to CAS. */
static uint64_t claim_word;
static uint32_t epoch;           /* futex word: bumped when a call is published */
static uint32_t unfinished;      /* futex word: units of the current call not finished */
static uint32_t caller_asleep;   /* the caller sleeps on `unfinished` */
static uint32_t helpers_asleep;  /* helpers sleeping on `epoch` */
static int active_helpers;       /* helpers 0..<active may join the current call */
static int caller_cpu = -1;      /* the CPU the caller published from (-1: unknown) */

static void (*job_fn)(void *ctx, int task);
static void *job_ctx;
static int job_tasks;
static unsigned job_units;

static pthread_mutex_t call_lock = PTHREAD_MUTEX_INITIALIZER;  /* one pooled call at a time */
static pthread_mutex_t spawn_lock = PTHREAD_MUTEX_INITIALIZER;
static int helper_count;

/* Claims a unit of the call in progress; -1 when none is left or `helper` may not join
 * (the caller is helper -1). */
static int claim(int helper) {
    uint64_t w = __atomic_load_n(&claim_word, __ATOMIC_ACQUIRE);
    for (;;) {
        unsigned units = (unsigned)(w >> 16) & 0xFFFFu, next = (unsigned)w & 0xFFFFu;
        if (next >= units) return -1;
        if (helper >= __atomic_load_n(&active_helpers, __ATOMIC_RELAXED)) return -1;
        if (__atomic_compare_exchange_n(&claim_word, &w, w + 1, 1, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
            return (int)next;
    }
}

static int current_cpu(void) {
#if defined(__linux__)
    return sched_getcpu();
#else
    return -1;
#endif
}

/* Runs claimed units until none is left; 0 when a helper declined because the OS has put it
 * on the caller's CPU (a futex wake tends to, when no CPU is idle): taking turns there only
 * adds switches (64×512×512 int8: 0.88× of one thread). */
static int work(int helper) {
    if (helper >= 0) {
        int cpu = __atomic_load_n(&caller_cpu, __ATOMIC_RELAXED);
        if (cpu >= 0 && cpu == current_cpu()) return 0;
    }
    for (int u; (u = claim(helper)) >= 0;) {
        long lo = (long)job_tasks * u / job_units, hi = (long)job_tasks * (u + 1) / job_units;
        for (long t = lo; t < hi; t++) job_fn(job_ctx, (int)t);
        if (__atomic_sub_fetch(&unfinished, 1, __ATOMIC_SEQ_CST) == 0 &&
            __atomic_load_n(&caller_asleep, __ATOMIC_SEQ_CST))
            word_wake(&unfinished, 1);
    }
    return 1;
}

static int units_left(void) {
    uint64_t w = __atomic_load_n(&claim_word, __ATOMIC_ACQUIRE);
    return (w & 0xFFFFu) < ((w >> 16) & 0xFFFFu);
}

static void *helper_main(void *arg) {
    int id = (int)(intptr_t)arg;
    uint32_t seen = 0;   /* epoch 0 is never published */
    for (;;) {
        if (!spin_until_changed(&epoch, seen)) {
            __atomic_add_fetch(&helpers_asleep, 1, __ATOMIC_SEQ_CST);
            while (__atomic_load_n(&epoch, __ATOMIC_SEQ_CST) == seen) word_wait(&epoch, seen);
            __atomic_sub_fetch(&helpers_asleep, 1, __ATOMIC_SEQ_CST);
        }
        seen = __atomic_load_n(&epoch, __ATOMIC_ACQUIRE);
        if (work(id)) continue;
        /* On the caller's CPU: let the caller run, and join if the OS moves this thread to
         * another CPU while units are left (a long call, such as an LSTM's whole sequence). */
        double until = seconds() + poll_seconds();
        while (units_left() && seconds() < until) {
            sched_yield();
            if (work(id)) break;
        }
    }
    return NULL;
}

/* Starts helpers up to `want` (they live as long as the process); returns how many exist. */
static int ensure_helpers(int want) {
    int have = __atomic_load_n(&helper_count, __ATOMIC_ACQUIRE);
    if (have >= want) return have;
    pthread_mutex_lock(&spawn_lock);
    while (helper_count < want) {
        pthread_t t;
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        int rc = pthread_create(&t, &attr, helper_main, (void *)(intptr_t)helper_count);
        pthread_attr_destroy(&attr);
        if (rc != 0) break;
        __atomic_store_n(&helper_count, helper_count + 1, __ATOMIC_RELEASE);
    }
    have = helper_count;
    pthread_mutex_unlock(&spawn_lock);
    return have;
}

static void run_here(int tasks, void (*fn)(void *, int), void *ctx) {
    for (int t = 0; t < tasks; t++) fn(ctx, t);
}

void dlk_parallel_for(int threads, int tasks, void (*fn)(void *ctx, int task), void *ctx) {
    if (tasks <= 0) return;
    if (threads > tasks) threads = tasks;
    if (threads > MAX_HELPERS + 1) threads = MAX_HELPERS + 1;
    /* One thread, or the pool busy with another caller: this thread does it all. */
    if (threads <= 1 || pthread_mutex_trylock(&call_lock) != 0) {
        run_here(tasks, fn, ctx);
        return;
    }
    int helpers = ensure_helpers(threads - 1);
    if (helpers > threads - 1) helpers = threads - 1;
    if (helpers < 1) {
        pthread_mutex_unlock(&call_lock);
        run_here(tasks, fn, ctx);
        return;
    }
    /* The previous call has finished (all its units done), so nobody reads these now. */
    unsigned units = (unsigned)tasks < MAX_UNITS ? (unsigned)tasks : MAX_UNITS;
    job_fn = fn;
    job_ctx = ctx;
    job_tasks = tasks;
    job_units = units;
    __atomic_store_n(&active_helpers, helpers, __ATOMIC_RELAXED);
    __atomic_store_n(&caller_cpu, current_cpu(), __ATOMIC_RELAXED);
    __atomic_store_n(&unfinished, units, __ATOMIC_RELAXED);
    uint32_t e = __atomic_load_n(&epoch, __ATOMIC_RELAXED) + 1;
    if (e == 0) e = 1;
    __atomic_store_n(&claim_word, (uint64_t)e << 32 | (uint64_t)units << 16, __ATOMIC_RELEASE);
    __atomic_store_n(&epoch, e, __ATOMIC_SEQ_CST);
    if (__atomic_load_n(&helpers_asleep, __ATOMIC_SEQ_CST) > 0)
        word_wake(&epoch, helper_count > helpers ? helper_count : helpers);

    work(-1);
    /* Every unit is claimed; wait for those that helpers are still running. */
    uint32_t left;
    while ((left = __atomic_load_n(&unfinished, __ATOMIC_ACQUIRE)) != 0) {
        if (spin_until_changed(&unfinished, left)) continue;
        __atomic_store_n(&caller_asleep, 1, __ATOMIC_SEQ_CST);
        left = __atomic_load_n(&unfinished, __ATOMIC_SEQ_CST);
        if (left != 0) word_wait(&unfinished, left);
        __atomic_store_n(&caller_asleep, 0, __ATOMIC_SEQ_CST);
    }
    pthread_mutex_unlock(&call_lock);
}
