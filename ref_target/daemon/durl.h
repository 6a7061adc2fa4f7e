/* durl: the iscsi:// URLs a running target serves, written once every
 * portal listens, so that a person or a script reaches exactly what the
 * daemon opened (the port it really bound, every target and LUN behind
 * each portal) rather than a text typed elsewhere.
 *
 * URL form: libiscsi's iscsi://HOST[:PORT]/TARGET-NAME/LUN, IPv6 in
 * brackets (RFC 3986 §3.2.2). A wildcard portal (0.0.0.0, [::]) listens on
 * every address of the host; its URLs name the loopback address, the one
 * that surely reaches it from this host.
 */
#ifndef RT_DURL_H
#define RT_DURL_H

#include <stdint.h>
#include <stdio.h>

#include "core/config.h"

/* Room for "[" + an IPv6 text + "]". */
#define DURL_HOST_MAX 48u

/* The host to put in a URL for a portal address ("127.0.0.1", "[::1]"):
 * the address itself, or the loopback address of its family when it is a
 * wildcard. Returns 1 for a wildcard, 0 otherwise. */
int durl_host(const char *address, char *host, size_t host_len);

/* For each portal i (listening on ports[i]): one "portal ..." line, then
 * one URL line per target and LUN reachable through it (its portal
 * groups' LUNs and their ACLs' LUNs, each number once). Flushes f. */
void durl_print(FILE *f, const struct rt_config *cfg, const uint16_t *ports);

#endif
