/* Thread pool and barrier (see pool.h). Workers sleep on a condition
 * variable between forward calls; inside a call, threads meet at a
 * spinning barrier after every layer (layers take microseconds to
 * milliseconds, so sleeping there would cost more than it saves), yielding
 * the CPU after a while so an oversubscribed machine still makes progress. */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>

#include "pool.h"

OCRS_HIDDEN void OCRS_POOL_SYM(__barrier)(void *pool);

enum { SPINS_BEFORE_YIELD = 4000 };

typedef struct {
    ocrs_pool *pool;
    int tid;
} worker_arg;

struct OCRS_POOL_SYM(_pool) {
    int nthreads, started;
    pthread_t *threads;
    worker_arg *args;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    uint64_t job; /* generation of the current call, under mu */
    bool quit;
    ocrs_run_fn *run;
    float *const *bufs;
    const int64_t *units;
    atomic_int arrived;
    atomic_uint phase;
};

void OCRS_POOL_SYM(__barrier)(void *p) {
    ocrs_pool *pool = p;
    unsigned phase = atomic_load(&pool->phase);
    if (atomic_fetch_add(&pool->arrived, 1) == pool->nthreads - 1) {
        atomic_store(&pool->arrived, 0);
        atomic_fetch_add(&pool->phase, 1);
        return;
    }
    for (unsigned spins = 0; atomic_load(&pool->phase) == phase; spins++)
        if (spins > SPINS_BEFORE_YIELD) sched_yield();
}

static void *worker(void *p) {
    worker_arg *a = p;
    ocrs_pool *pool = a->pool;
    uint64_t seen = 0;
    for (;;) {
        pthread_mutex_lock(&pool->mu);
        while (pool->job == seen && !pool->quit) pthread_cond_wait(&pool->cv, &pool->mu);
        seen = pool->job;
        bool quit = pool->quit;
        ocrs_run_fn *run = pool->run;
        float *const *bufs = pool->bufs;
        const int64_t *units = pool->units;
        pthread_mutex_unlock(&pool->mu);
        if (quit) return NULL;
        run(bufs, units, a->tid, pool->nthreads, pool);
    }
}

int OCRS_POOL_SYM(_pool_create)(ocrs_pool **pool_out, int num_threads) {
    ocrs_pool *pool = calloc(1, sizeof *pool);
    if (!pool) return OCRS_RT_ERR_NOMEM;
    pool->nthreads = num_threads;
    pthread_mutex_init(&pool->mu, NULL);
    pthread_cond_init(&pool->cv, NULL);
    atomic_init(&pool->arrived, 0);
    atomic_init(&pool->phase, 0);
    pool->threads = calloc((size_t)num_threads, sizeof(pthread_t));
    pool->args = calloc((size_t)num_threads, sizeof(worker_arg));
    *pool_out = pool;
    if (!pool->threads || !pool->args) return OCRS_RT_ERR_NOMEM;
    for (int t = 1; t < num_threads; t++) {
        pool->args[t] = (worker_arg){pool, t};
        if (pthread_create(&pool->threads[t], NULL, worker, &pool->args[t]) != 0) return OCRS_RT_ERR_NOMEM;
        pool->started = t;
    }
    return OCRS_RT_OK;
}

void OCRS_POOL_SYM(_pool_destroy)(ocrs_pool *pool) {
    if (!pool) return;
    pthread_mutex_lock(&pool->mu);
    pool->quit = true;
    pthread_cond_broadcast(&pool->cv);
    pthread_mutex_unlock(&pool->mu);
    for (int t = 1; t <= pool->started; t++) pthread_join(pool->threads[t], NULL);
    pthread_mutex_destroy(&pool->mu);
    pthread_cond_destroy(&pool->cv);
    free(pool->threads);
    free(pool->args);
    free(pool);
}

void OCRS_POOL_SYM(_pool_run)(ocrs_pool *pool, ocrs_run_fn *run, float *const *bufs, const int64_t *units) {
    pthread_mutex_lock(&pool->mu);
    pool->run = run;
    pool->bufs = bufs;
    pool->units = units;
    pool->job++;
    pthread_cond_broadcast(&pool->cv);
    pthread_mutex_unlock(&pool->mu);
    /* The last layer ends with a barrier: when this returns, all are done. */
    run(bufs, units, 0, pool->nthreads, pool);
}
