/*
 * clock.h - the monotonic clock and sleeping, in milliseconds: retry backoff, token lifetimes,
 * waiting out a request the server may still apply.
 */
#ifndef RELKIT_CLOCK_H
#define RELKIT_CLOCK_H

#include <stdint.h>

/* milliseconds of CLOCK_MONOTONIC */
int64_t rk_mono_ms(void);
/* sleep ms milliseconds (through signals); ms <= 0 returns at once */
void rk_sleep_ms(long ms);

#endif
