#include "CKernels.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <time.h>
#if defined(__x86_64__)
#include <x86intrin.h>
#endif

/* LayerKit's one thread pool: every parallel loop of the library (element-wise work, sums,
   FFT row blocks, the lane FFT, products split over threads) runs on it.

   Why not GCD: DispatchQueue.concurrentPerform(iterations: 2) with 50 us of work per
   iteration took 101-105 us (median of 2,000) on a 2-core VM, 58-65 us at best: the second
   iteration mostly ran on the caller after the first. A worker that spins on an atomic
   counter ran the same job in 50.6 us. So workers spin for about 50 us after a job (as
   OpenMP's and OpenBLAS's threads do: long enough for back-to-back calls, short enough not to
   hold the second core when nothing follows; after the first ~10 us the spin yields, so a
   worker sharing the caller's core does not slow it) and then sleep on a condition variable.

   One job at a time: a call while another thread's job holds the pool, or from inside a task,
   runs its tasks on the caller, so jobs never wait for each other and never deadlock. */

/* Spin-loop clock: the time-stamp counter on x86-64 (2-3 GHz here, so 100k ticks is about
   40-50 us), nanoseconds elsewhere. */
#if defined(__x86_64__)
static inline unsigned long long ticks(void) { return __rdtsc(); }
static inline void relax(void) { _mm_pause(); }
enum { spinTicks = 100000, yieldAfter = 20000 };
#else
static inline unsigned long long ticks(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (unsigned long long)t.tv_sec * 1000000000ULL + (unsigned long long)t.tv_nsec;
}
static inline void relax(void) {}
enum { spinTicks = 50000, yieldAfter = 10000 };
#endif

typedef struct {
    lk_task_fn fn;
    void *context;
    /* The tasks not yet claimed: front | back << 32, front ..< back. */
    _Atomic unsigned long range;
} Job;

/* The next unclaimed task from the front or the back, or -1 when none is left. */
static long claim(Job *job, int fromBack) {
    unsigned long r = atomic_load(&job->range);
    for (;;) {
        const unsigned long front = r & 0xffffffffUL, back = r >> 32;
        if (front >= back) return -1;
        const unsigned long next = fromBack ? front | (back - 1) << 32 : (front + 1) | back << 32;
        if (atomic_compare_exchange_weak(&job->range, &r, next)) return (long)(fromBack ? back - 1 : front);
    }
}

static void runTasks(Job *job, int fromBack) {
    for (long t; (t = claim(job, fromBack)) >= 0;) job->fn(job->context, t);
}

enum { maxWorkers = 63, open_ = 0, claimed = 1, closed = 2, finished = 3 };

static struct {
    pthread_mutex_t lock;
    pthread_cond_t wake;
    int workers;
    _Atomic int sleepers;
    _Atomic unsigned long generation;
    _Atomic unsigned long state[maxWorkers]; /* generation * 4 + open_/claimed/closed/finished */
    Job *_Atomic job;
} pool = {.lock = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER};

/* Held by the thread whose job runs on the pool. */
static pthread_mutex_t owner = PTHREAD_MUTEX_INITIALIZER;

/* Set on pool workers, and on a caller while its job runs: nested calls run serially. */
static _Thread_local int insideJob;

static void *worker(void *arg) {
    const long i = (long)arg;
    insideJob = 1;
    unsigned long seen = 0;
    for (;;) {
        unsigned long g = atomic_load(&pool.generation);
        const unsigned long long start = ticks();
        for (unsigned long long t = 0; g == seen && t < spinTicks; t = ticks() - start) {
            if (t < yieldAfter) {
                relax();
            } else {
                sched_yield();
            }
            g = atomic_load(&pool.generation);
        }
        if (g == seen) {
            pthread_mutex_lock(&pool.lock);
            atomic_fetch_add(&pool.sleepers, 1);
            while ((g = atomic_load(&pool.generation)) == seen) pthread_cond_wait(&pool.wake, &pool.lock);
            atomic_fetch_sub(&pool.sleepers, 1);
            pthread_mutex_unlock(&pool.lock);
        }
        seen = g;
        unsigned long expected = g * 4 + open_;
        if (atomic_compare_exchange_strong(&pool.state[i], &expected, g * 4 + claimed)) {
            runTasks(atomic_load(&pool.job), 1);
            atomic_store(&pool.state[i], g * 4 + finished);
        }
    }
    return 0;
}

void lk_parallel(long tasks, long threads, lk_task_fn fn, void *context) {
    if (tasks <= 0) return;
    Job job = {fn, context, (unsigned long)tasks << 32};
    long helpers = threads - 1;
    if (helpers > maxWorkers) helpers = maxWorkers;
    if (helpers > tasks - 1) helpers = tasks - 1;
    if (helpers <= 0 || insideJob || pthread_mutex_trylock(&owner) != 0) {
        runTasks(&job, 0);
        return;
    }
    insideJob = 1;
    pthread_mutex_lock(&pool.lock);
    while (pool.workers < helpers) {
        pthread_t t;
        if (pthread_create(&t, 0, worker, (void *)(long)pool.workers) != 0) break;
        pthread_detach(t);
        pool.workers++;
    }
    pthread_mutex_unlock(&pool.lock);
    if (helpers > pool.workers) helpers = pool.workers;
    const unsigned long g = atomic_load(&pool.generation) + 1;
    atomic_store(&pool.job, &job);
    for (long i = 0; i < pool.workers; i++) atomic_store(&pool.state[i], g * 4 + (i < helpers ? open_ : closed));
    atomic_store(&pool.generation, g);
    if (atomic_load(&pool.sleepers) > 0) {
        pthread_mutex_lock(&pool.lock);
        pthread_cond_broadcast(&pool.wake);
        pthread_mutex_unlock(&pool.lock);
    }
    runTasks(&job, 0);
    /* A worker that has not claimed its share by now is shut out; one that has is finishing
       its last task. */
    for (long i = 0; i < helpers; i++) {
        unsigned long expected = g * 4 + open_;
        if (atomic_compare_exchange_strong(&pool.state[i], &expected, g * 4 + closed)) continue;
        while (atomic_load(&pool.state[i]) != g * 4 + finished) relax();
    }
    insideJob = 0;
    pthread_mutex_unlock(&owner);
}
