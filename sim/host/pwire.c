/* host/pwire: see host/pwire.h. */
#include "sim/host/pwire.h"
#include "sim/host/isim.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* The real clock, on purpose: host/ talks to a real target, whose
 * answers take real time; every wait of the suite is bounded by it. It is
 * host/'s one clock (io.c's wall_ns); the simulated worlds never read it. */
uint64_t pw_now_ns(void)
{
	return wall_ns();
}

/* Real time too, for the same reason: the target, its restarts and its
 * crashes happen on the wall clock. The one place host/'s real-TCP
 * commands sleep. */
void pw_sleep_ns(uint64_t ns)
{
	struct timespec ts = { (time_t)(ns / 1000000000ull), (long)(ns % 1000000000ull) };
	nanosleep(&ts, NULL); /* host/ is the OS boundary (DESIGN.md): real targets wait in real time */
}

bool pw_is_loopback(const char *host)
{
	struct in_addr a4;
	struct in6_addr a6;
	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, host, &a6) == 1)
		return IN6_IS_ADDR_LOOPBACK(&a6);
	return false;
}

static void log_pdu(struct pwire *w, bool from_target, enum pw_mark mark, const uint8_t *bhs, uint32_t dsl)
{
	struct pw_log *l = &w->log[w->nlog++ % PW_LOG_MAX];
	l->from_target = from_target;
	l->mark = mark;
	memcpy(l->bhs, bhs, ISCSI_BHS_LEN);
	l->dsl = dsl;
	l->at_ns = pw_now_ns() - w->t0_ns;
}

int pw_connect(struct pwire *w, const struct sim_mem *mem, const char *host, uint16_t port, bool allow_remote,
	uint64_t timeout_ns, uint64_t deadline_ns, char *why, size_t why_cap)
{
	memset(w, 0, sizeof(*w));
	w->fd = -1;
	w->mem = mem;
	w->allow_remote = allow_remote;
	w->deadline_ns = deadline_ns;
	w->t0_ns = pw_now_ns();
	if (!allow_remote && !pw_is_loopback(host)) {
		snprintf(why, why_cap, "%s is not a loopback address: the suite connects only to 127.0.0.1/::1 "
			"(--allow-remote to override)", host);
		return -1;
	}
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof(ss));
	socklen_t slen;
	struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;
	if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons(port);
		slen = sizeof(*a4);
	} else if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons(port);
		slen = sizeof(*a6);
	} else {
		snprintf(why, why_cap, "'%s' is not an IPv4 or IPv6 address", host);
		return -1;
	}
	int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(why, why_cap, "socket: %s", strerror(errno));
		return -1;
	}
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, (struct sockaddr *)&ss, slen) != 0 && errno != EINPROGRESS) {
		snprintf(why, why_cap, "connect %s:%u: %s", host, port, strerror(errno));
		close(fd);
		return -1;
	}
	uint64_t end = pw_now_ns() + timeout_ns;
	if (end > deadline_ns)
		end = deadline_ns;
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };
	uint64_t now = pw_now_ns();
	int n = now < end ? poll(&pfd, 1, (int)((end - now) / 1000000u) + 1) : 0;
	int err = 0;
	socklen_t elen = sizeof(err);
	if (n <= 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) != 0 || err != 0) {
		snprintf(why, why_cap, "connect %s:%u: %s", host, port, n <= 0 ? "timed out" : strerror(err));
		close(fd);
		return -1;
	}
	w->fd = fd;
	/* No configured window depth is known for someone else's target. */
	oproto_init(&w->oracle, mem, 0, 0);
	ipdu_rx_init(&w->rx, mem, PW_DATA_MAX);
	return 0;
}

void pw_close(struct pwire *w)
{
	if (w->fd >= 0) {
		close(w->fd);
		oproto_fini(&w->oracle);
		ipdu_rx_fini(&w->rx);
	}
	w->fd = -1;
	w->closed = true;
}

/* Show bytes to the oracle and sort out whose fault an objection is. */
static void oracle_feed(struct pwire *w, bool from_target, const uint8_t *p, size_t len, enum pw_mark mark)
{
	if (mark == PW_HIDDEN)
		w->blind = true; /* the oracle's framing would be off from here on */
	if (w->blind || len == 0 || w->oracle_stopped)
		return;
	if (w->target_fault[0] != '\0' || w->suite_fault[0] != '\0')
		return; /* the oracle stops at its first objection */
	if (oproto_bytes(&w->oracle, from_target, p, len))
		return;
	if (from_target) {
		snprintf(w->target_fault, sizeof(w->target_fault), "%s", w->oracle.why);
		w->target_fault_after_broken = w->expected_faults > 0;
	} else if (mark == PW_BROKEN) {
		/* What the test broke on purpose; the oracle goes on watching,
		 * unless the PDU broke its framing: then it can follow no more. */
		w->expected_faults++;
		w->oracle.violations = 0;
		w->oracle.why[0] = '\0';
		if (w->oracle.rx[0].state == IPDU_BROKEN)
			w->blind = true;
	} else {
		snprintf(w->suite_fault, sizeof(w->suite_fault), "%s", w->oracle.why);
	}
}

static int wait_fd(struct pwire *w, short events, uint64_t end)
{
	uint64_t now = pw_now_ns();
	if (now >= end)
		return 0;
	struct pollfd pfd = { .fd = w->fd, .events = events };
	uint64_t ms = (end - now + 999999u) / 1000000u;
	int n = poll(&pfd, 1, ms > 60000 ? 60000 : (int)ms);
	return n < 0 && errno == EINTR ? 0 : n;
}

int pw_send_raw(struct pwire *w, const uint8_t *p, size_t len, enum pw_mark mark)
{
	if (w->fd < 0 || w->closed)
		return -1;
	oracle_feed(w, false, p, len, mark);
	size_t off = 0;
	while (off < len) {
		ssize_t n = send(w->fd, p + off, len - off, MSG_NOSIGNAL);
		if (n > 0) {
			off += (size_t)n;
			w->sent_bytes += (uint64_t)n;
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (wait_fd(w, POLLOUT, w->deadline_ns) <= 0 && pw_now_ns() >= w->deadline_ns)
				return -1;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		w->closed = true;
		return -1;
	}
	return 0;
}

int pw_send(struct pwire *w, const struct ipdu_tx *tx, enum pw_mark mark)
{
	log_pdu(w, false, mark, tx->bhs, pdu_dsl(tx->bhs));
	for (int i = 0; i < tx->iovcnt; i++)
		if (pw_send_raw(w, tx->iov[i].iov_base, tx->iov[i].iov_len, mark) != 0)
			return -1;
	return 0;
}

enum pw_rx pw_recv(struct pwire *w, uint64_t timeout_ns, struct pw_pdu *out)
{
	uint64_t end = pw_now_ns() + timeout_ns;
	if (end > w->deadline_ns)
		end = w->deadline_ns;
	if (w->fd < 0)
		return PW_CLOSED;
	for (;;) {
		while (w->in_off < w->in_len) {
			size_t used;
			const uint8_t *p = w->in + w->in_off;
			enum ipdu_rx_result r = ipdu_rx_feed(&w->rx, p, w->in_len - w->in_off, &used);
			oracle_feed(w, true, p, used, PW_CLEAN);
			w->in_off += used;
			if (r == IPDU_MORE)
				continue;
			if (r != IPDU_READY)
				return PW_GARBLED;
			memcpy(out->bhs, w->rx.bhs, ISCSI_BHS_LEN);
			out->data = w->rx.data;
			out->dsl = w->rx.dsl;
			log_pdu(w, true, PW_CLEAN, out->bhs, out->dsl);
			return PW_PDU;
		}
		if (w->closed)
			return PW_CLOSED;
		w->in_off = w->in_len = 0;
		ssize_t n = recv(w->fd, w->in, sizeof(w->in), 0);
		if (n > 0) {
			w->in_len = (size_t)n;
			w->recv_bytes += (uint64_t)n;
			continue;
		}
		if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
			w->closed = true;
			return PW_CLOSED;
		}
		if (wait_fd(w, POLLIN, end) == 0 && pw_now_ns() >= end)
			return PW_TIMEOUT;
	}
}

void pw_oracle_stop(struct pwire *w) { w->oracle_stopped = true; }

void pw_set_digests(struct pwire *w, bool header, bool data)
{
	w->header_digest = w->rx.header_digest = header;
	w->data_digest = w->rx.data_digest = data;
}

static const char *stage_name(unsigned s)
{
	static const char *const names[4] = { "SEC", "OP", "RSV", "FFP" };
	return names[s & 3u];
}

void pw_describe(const uint8_t *bhs, uint32_t dsl, char *out, size_t cap)
{
	uint8_t op = pdu_opcode(bhs), f = pdu_flags(bhs);
	int n = snprintf(out, cap, "%s%s ITT 0x%08x", pdu_opcode_name(op), pdu_immediate(bhs) ? " (I)" : "",
		pdu_itt(bhs));
	if (n < 0 || (size_t)n >= cap)
		return;
	char *p = out + n;
	size_t left = cap - (size_t)n;
	bool ini = op < ISCSI_OP_NOP_IN;
	switch (op) {
	case ISCSI_OP_LOGIN_REQ:
	case ISCSI_OP_LOGIN_RSP:
		n = snprintf(p, left, " %s%sCSG %s NSG %s ver %u/%u TSIH %u", (f & ISCSI_LOGIN_TRANSIT) ? "T " : "",
			(f & ISCSI_LOGIN_CONTINUE) ? "C " : "", stage_name(f >> ISCSI_LOGIN_CSG_SHIFT),
			stage_name(f), bhs[PDU_LOGIN_VERSION_MAX], bhs[PDU_LOGIN_VERSION_MIN],
			get_be16(bhs + PDU_LOGIN_TSIH));
		if (op == ISCSI_OP_LOGIN_RSP && n > 0 && (size_t)n < left)
			n += snprintf(p + n, left - (size_t)n, " status 0x%04x", get_be16(bhs + PDU_LOGIN_STATUS));
		break;
	case ISCSI_OP_SCSI_CMD:
		n = snprintf(p, left, " %s%s%sEDTL %u CDB %02x", (f & ISCSI_FLAG_FINAL) ? "F " : "",
			(f & ISCSI_CMD_READ) ? "R " : "", (f & ISCSI_CMD_WRITE) ? "W " : "",
			pdu_w(bhs, PDU_SCSI_CMD_EDTL), bhs[PDU_SCSI_CMD_CDB]);
		break;
	case ISCSI_OP_SCSI_RSP:
		n = snprintf(p, left, " response %u status 0x%02x flags 0x%02x residual %u", bhs[PDU_SCSI_RSP_RESPONSE],
			bhs[PDU_SCSI_RSP_STATUS], f, pdu_w(bhs, PDU_SCSI_RSP_RESIDUAL_COUNT));
		break;
	case ISCSI_OP_DATA_OUT:
	case ISCSI_OP_DATA_IN:
		n = snprintf(p, left, " %s%sTTT 0x%08x DataSN %u offset %u", (f & ISCSI_FLAG_FINAL) ? "F " : "",
			(op == ISCSI_OP_DATA_IN && (f & ISCSI_DATAIN_STATUS)) ? "S " : "", pdu_w(bhs, PDU_DATA_OUT_TTT),
			pdu_w(bhs, PDU_DATA_OUT_DATASN), pdu_w(bhs, PDU_DATA_OUT_BUFFER_OFFSET));
		break;
	case ISCSI_OP_R2T:
		n = snprintf(p, left, " TTT 0x%08x R2TSN %u offset %u length %u", pdu_w(bhs, PDU_R2T_TTT),
			pdu_w(bhs, PDU_R2T_R2TSN), pdu_w(bhs, PDU_R2T_BUFFER_OFFSET), pdu_w(bhs, PDU_R2T_DESIRED_LENGTH));
		break;
	case ISCSI_OP_TMF_REQ:
		n = snprintf(p, left, " function %u RTT 0x%08x", f & ISCSI_FUNCTION_MASK, pdu_w(bhs, PDU_TMF_REF_TASK_TAG));
		break;
	case ISCSI_OP_TMF_RSP:
		n = snprintf(p, left, " response %u", bhs[PDU_TMF_RESPONSE]);
		break;
	case ISCSI_OP_LOGOUT_REQ:
		n = snprintf(p, left, " reason %u CID %u", f & ISCSI_FUNCTION_MASK, get_be16(bhs + PDU_LOGOUT_CID));
		break;
	case ISCSI_OP_LOGOUT_RSP:
		n = snprintf(p, left, " response %u Time2Wait %u Time2Retain %u", bhs[PDU_LOGOUT_RESPONSE],
			get_be16(bhs + PDU_LOGOUT_TIME2WAIT), get_be16(bhs + PDU_LOGOUT_TIME2RETAIN));
		break;
	case ISCSI_OP_REJECT:
		n = snprintf(p, left, " reason 0x%02x", bhs[PDU_REJECT_REASON]);
		break;
	case ISCSI_OP_NOP_OUT:
	case ISCSI_OP_NOP_IN:
	case ISCSI_OP_TEXT_REQ:
	case ISCSI_OP_TEXT_RSP:
		n = snprintf(p, left, " %s%sTTT 0x%08x", (f & ISCSI_FLAG_FINAL) ? "F " : "",
			(f & ISCSI_TEXT_CONTINUE) ? "C " : "", pdu_w(bhs, PDU_TEXT_TTT));
		break;
	case ISCSI_OP_ASYNC:
		n = snprintf(p, left, " event %u", bhs[PDU_ASYNC_EVENT]);
		break;
	default:
		n = 0;
		break;
	}
	if (n < 0 || (size_t)n >= left)
		return;
	p += n;
	left -= (size_t)n;
	if (ini)
		snprintf(p, left, " CmdSN %u ExpStatSN %u dsl %u", pdu_w(bhs, PDU_INI_CMDSN), pdu_w(bhs, PDU_INI_EXPSTATSN),
			dsl);
	else
		snprintf(p, left, " StatSN %u ExpCmdSN %u MaxCmdSN %u dsl %u", pdu_w(bhs, PDU_TGT_STATSN),
			pdu_w(bhs, PDU_TGT_EXPCMDSN), pdu_w(bhs, PDU_TGT_MAXCMDSN), dsl);
}

void pw_log_text(const struct pwire *w, char *out, size_t cap)
{
	size_t len = 0;
	out[0] = '\0';
	uint64_t first = w->nlog > PW_LOG_MAX ? w->nlog - PW_LOG_MAX : 0;
	for (uint64_t i = first; i < w->nlog && len + 1 < cap; i++) {
		const struct pw_log *l = &w->log[i % PW_LOG_MAX];
		char d[256];
		pw_describe(l->bhs, l->dsl, d, sizeof(d));
		int n = snprintf(out + len, cap - len, "    %6.3fs %s %s%s\n", (double)l->at_ns / 1e9,
			l->from_target ? "<-" : "->", d, l->mark == PW_CLEAN ? "" : " [broken on purpose]");
		if (n < 0)
			break;
		len += (size_t)n;
		if (len >= cap)
			len = cap - 1;
	}
}
