/* attack: hostile initiators of a world, as data (issue 12).
 *
 * An attack is a kind, a start time, a duration and the gateway it aims
 * at, plus the few numbers its kind uses. The world plays them as
 * initiator nodes of their own next to the ordinary ones
 * (world/attackers.c); the swarm draws them from a stream of their own
 * (swarm/draw.c); the scenario format reads and writes them as `attack`
 * lines (scenario.c through attack_parse/attack_format). Attackers' own
 * I/O is never judged: the oracles judge the other initiators' service.
 * Owns nothing.
 */
#ifndef SIM_ATTACK_H
#define SIM_ATTACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum attack_kind {
	ATK_IDLE_FLOOD = 0, /* TCP connections that send no byte (or part of a Login PDU), re-opened at a rate */
	ATK_SESSION_HOG,    /* one initiator name logs in many sessions (distinct ISIDs) and keeps them */
	ATK_NO_READ,        /* sessions that pipeline large READs and NOP-Outs with data and never read */
	ATK_RESET,          /* an initiator mapping only its own LU sends target and LU resets */
	ATK_KINDS
};

/* Which task management function a reset attack sends (RFC 7143 §11.5.1). */
enum attack_tmf {
	ATMF_WARM = 0, /* TARGET WARM RESET */
	ATMF_COLD,     /* TARGET COLD RESET */
	ATMF_LU,       /* LOGICAL UNIT RESET of the attacker's own LU */
	ATMF_MIX,      /* warm, cold and LU reset in turn */
};

struct attack {
	enum attack_kind kind;
	uint64_t at_ns, dur_ns;
	int gw;                /* the gateway attacked */
	uint32_t count;        /* idle_flood: connections open at once (most); session_hog, no_read: sessions */
	uint32_t rate;         /* idle_flood: connections opened per second; session_hog: logins per second */
	uint32_t sources;      /* distinct source addresses the attacker's connections come from */
	uint32_t partial;      /* idle_flood: bytes of a Login Request each connection sends (0..47) */
	uint32_t depth;        /* no_read: READs sent per round */
	uint32_t bytes;        /* no_read: bytes each READ asks for (cut to the LU) */
	uint32_t nop_bytes;    /* no_read: data of the NOP-Out sent per round (cut to the target's MRDSL) */
	uint64_t every_ns;     /* no_read: time between rounds; reset: time between resets */
	enum attack_tmf tmf;   /* reset */
	bool permit;           /* reset: the attacker's ACL maps the victims' LU and grants target resets
				  (the defence switched off: the twin that must show the harm) */
};

#define ATTACKS_MAX 8u
#define ATTACK_COUNT_MAX 4096u   /* connections or sessions one attack holds, most */
#define ATTACK_SOURCES_MAX 250u  /* its source addresses 10.1.<node>.1 .. .250 */

struct attack_list {
	struct attack a[ATTACKS_MAX];
	unsigned n;
};

const char *attack_kind_name(enum attack_kind k);
/* The kind named s, or ATK_KINDS. */
enum attack_kind attack_kind_parse(const char *s);
/* An attack of kind k with its defaults (at 0, for 10 s, gateway 0). */
void attack_default(struct attack *a, enum attack_kind k);
/* Latest time any attack is still running. */
uint64_t attacks_last_end(const struct attack_list *l);

/* Parse "KIND key=value ..." (the words after `attack`) into a, from its
 * defaults. Returns 0, or -1 with why set. */
int attack_parse(char **toks, int n, struct attack *a, char *why, size_t why_len);
/* "KIND at=.. for=.. gw=.. key=value ..." with the keys its kind uses;
 * returns the length needed (cut to cap). */
size_t attack_format(const struct attack *a, char *buf, size_t cap);

#endif
