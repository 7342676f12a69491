/* retag_budget.c - the memory the jobs' texts may take together (see retag.h) */
#include "retag.h"

#include <pthread.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t freed = PTHREAD_COND_INITIALIZER;
static size_t in_use;

size_t retag_budget_take(size_t bytes)
{
    if (bytes == 0)
        return 0;
    pthread_mutex_lock(&lock);
    /* a wheel larger than the whole budget runs alone, never forever waiting */
    while (in_use > 0 && in_use + bytes > RETAG_BUDGET)
        pthread_cond_wait(&freed, &lock);
    in_use += bytes;
    pthread_mutex_unlock(&lock);
    return bytes;
}

void retag_budget_put(size_t bytes)
{
    if (bytes == 0)
        return;
    pthread_mutex_lock(&lock);
    in_use -= bytes;
    pthread_cond_broadcast(&freed);
    pthread_mutex_unlock(&lock);
}
