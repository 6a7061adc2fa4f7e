/* tid: see tid.h. */
#include "tid.h"

#include <assert.h>
#include <stdbool.h>
#include <string.h>

#include "bytes.h"
#include "scsi.h"

/* SPC-4 §7.6.4.6: byte 0 FORMAT CODE (7:6) and PROTOCOL IDENTIFIER (3:0),
 * bytes 2-3 ADDITIONAL LENGTH (at least 20, a multiple of 4), then the
 * NUL-terminated name. */
#define TID_PROTO_ISCSI 0x5u
#define TID_FORMAT_NAME 0x00u /* initiator device: the name alone */
#define TID_FORMAT_PORT 0x40u /* initiator port: name,i,0xISID */
#define TID_HDR_LEN 4u
#define TID_MIN_ADDITIONAL 20u

static_assert(TID_MAX_LEN >= TID_HDR_LEN + ((sizeof(((struct scsi_nexus *)0)->initiator_port) + 3) & ~3u),
	      "a port name fits");

uint32_t tid_parse(const uint8_t *p, uint32_t avail, char *port, size_t port_len)
{
	if (avail < TID_HDR_LEN || (p[0] & 0x0f) != TID_PROTO_ISCSI)
		return 0;
	uint8_t format = p[0] & 0xc0;
	uint32_t len = TID_HDR_LEN + get_be16(p + 2);
	if ((format != TID_FORMAT_NAME && format != TID_FORMAT_PORT) || len > avail)
		return 0;
	const char *name = (const char *)p + TID_HDR_LEN;
	size_t n = strnlen(name, len - TID_HDR_LEN);
	if (n == 0 || n == len - TID_HDR_LEN || n >= port_len)
		return 0; /* empty, unterminated or too long */
	bool has_isid = strstr(name, TID_PORT_SEP) != NULL;
	if (has_isid != (format == TID_FORMAT_PORT))
		return 0;
	memcpy(port, name, n);
	port[n] = '\0';
	return len;
}

uint32_t tid_build(const char *port, uint8_t *out)
{
	size_t n = strlen(port);
	uint32_t add = (uint32_t)((n + 1 + 3) & ~(size_t)3);
	if (add < TID_MIN_ADDITIONAL)
		add = TID_MIN_ADDITIONAL;
	memset(out, 0, TID_HDR_LEN + add);
	out[0] = (uint8_t)((strstr(port, TID_PORT_SEP) ? TID_FORMAT_PORT : TID_FORMAT_NAME) | TID_PROTO_ISCSI);
	put_be16(out + 2, (uint16_t)add);
	memcpy(out + TID_HDR_LEN, port, n);
	return TID_HDR_LEN + add;
}
