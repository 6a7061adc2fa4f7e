/* isess_rig: the scripted target the simulated initiator session's
 * tests talk to (test_isess.c, test_isess_erl.c): it records what the
 * session sends, feeds it the target's PDUs, logs it in and moves its
 * clock. */
#ifndef SIM_TESTS_ISESS_RIG_H
#define SIM_TESTS_ISESS_RIG_H

#include <check.h>

#include "sim/initiator/session.h"
#include "sim/base/time.h"
#include "tmem.h"

#define MAX_PDUS 64

struct harness {
	struct tmem m;
	struct isess s;
	struct isess_cfg cfg;
	struct ipdu_rx rx;          /* frames what the session sends */
	uint8_t bhs[MAX_PDUS][48];  /* PDUs sent since the last take() */
	uint32_t dsl[MAX_PDUS];
	uint8_t data[MAX_PDUS][1024];
	unsigned n;
	unsigned connects, disconnects;
	struct icmd *done[16];
	unsigned ndone;
	enum isess_event events[32];
	unsigned nevents;
	uint64_t now;
	uint32_t statsn;
};


void feed(struct harness *h, uint8_t *bhs, const uint8_t *data, uint32_t len);
void target_pdu(struct harness *h, uint8_t *bhs, uint8_t op, uint8_t flags, uint32_t itt, bool status);
void login(struct harness *h, const char *const *keys, uint32_t window);
extern const char *const plain_keys[];
struct harness *setup(void);
void teardown(struct harness *h);
void tick(struct harness *h, uint64_t to);

#endif
