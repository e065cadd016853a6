/* test_source_live.c - live capture, the interface list and dropping root
 * (suite "source"); the capture itself needs root and is skipped without it */
#define _DEFAULT_SOURCE /* mkstemp, setitimer, sigaction */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "digest.h"
#include "suites.h"
#include "tcpstate/tcpstate.h"

#define NO_DEVICE "tcps-nodev0"

/* What a user without capture rights gets: NULL when all is as it should
 * be, else what is not. self: the user the process is. */
static const char *check_unprivileged(const char *self, char *err)
{
	struct tcps_source *s;
	if (tcps_source_open_live(&s, NO_DEVICE, NULL, err) != TCPS_E_PERM || !strstr(err, NO_DEVICE))
		return "open_live on a missing device: not TCPS_E_PERM naming it";
	if (tcps_source_open_live(&s, "lo", NULL, err) != TCPS_E_PERM ||
	    strcmp(err, "no permission to capture on lo: run as root or give the binary CAP_NET_RAW and"
			" CAP_NET_ADMIN (setcap)"))
		return "open_live on lo: not TCPS_E_PERM with the setcap advice";
	if (tcps_drop_privileges("root", err) != TCPS_E_PERM ||
	    strcmp(err, "cannot become user root: only root can change user"))
		return "becoming root again was not refused";
	if (tcps_drop_privileges(self, err) != TCPS_OK)
		return "becoming the user the process already is failed";
	return NULL;
}

/* Root: the missing device is missing; then, in a child that became nobody,
 * what a user gets. Anyone else: what a user gets, here. */
static void test_open_live_errors(void)
{
	char err[TCPS_ERRBUF_SIZE];
	struct tcps_source *s;
	const char *wrong;
	struct tcps_live_options big = { .buffer_kib = UINT32_MAX };
	CU_ASSERT_EQUAL(tcps_source_open_live(&s, "lo", &big, err), TCPS_E_BADARG);
	CU_ASSERT_PTR_NULL(s);
	if (geteuid() != 0) {
		const struct passwd *pw = getpwuid(getuid());
		CU_ASSERT_PTR_NOT_NULL_FATAL(pw);
		char self[256];
		snprintf(self, sizeof self, "%s", pw->pw_name);
		wrong = check_unprivileged(self, err);
		if (wrong)
			fprintf(stderr, "\n%s (\"%s\")\n", wrong, err);
		CU_ASSERT_PTR_NULL(wrong);
		return;
	}
	CU_ASSERT_EQUAL(tcps_source_open_live(&s, NO_DEVICE, NULL, err), TCPS_E_NODEV);
	CU_ASSERT_STRING_EQUAL(err, "no such device " NO_DEVICE " (tcpstate -D lists them)");
	if (!getpwnam("nobody")) {
		printf("\n  skipped: no user nobody to check what a user gets\n");
		return;
	}
	fflush(NULL); /* the child's exit must not write our buffers twice */
	pid_t pid = fork();
	CU_ASSERT_FATAL(pid >= 0);
	if (pid == 0) {
		/* _exit: no exit handlers (LeakSanitizer's among them) in the copy. */
		if (tcps_drop_privileges("nobody", err) != TCPS_OK)
			wrong = "cannot become nobody";
		else if (setuid(0) == 0 || getuid() == 0 || geteuid() == 0 || getegid() == 0)
			wrong = "root came back after becoming nobody";
		else
			wrong = check_unprivileged("nobody", err);
		if (wrong)
			fprintf(stderr, "\nas nobody: %s (\"%s\")\n", wrong, err);
		_exit(wrong != NULL);
	}
	int status;
	CU_ASSERT_EQUAL(waitpid(pid, &status, 0), pid);
	CU_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void test_drop_to_missing_user(void)
{
	char err[TCPS_ERRBUF_SIZE];
	CU_ASSERT_EQUAL(tcps_drop_privileges("no-such-user-xyz", err), TCPS_E_BADARG);
	CU_ASSERT_STRING_EQUAL(err, "no such user no-such-user-xyz");
}

struct devices_seen {
	unsigned n, lo, any, unnamed;
	bool lo_loopback, lo_up, any_loopback;
};

static void on_device(void *ctx, const struct tcps_device *d)
{
	struct devices_seen *v = ctx;
	v->n++;
	if (!d->name || !d->name[0])
		v->unnamed++;
	else if (!strcmp(d->name, "lo")) {
		v->lo++;
		v->lo_loopback = d->loopback;
		v->lo_up = d->up;
	} else if (!strcmp(d->name, "any")) {
		v->any++;
		v->any_loopback = d->loopback;
	}
}

static void test_list_devices(void)
{
	char err[TCPS_ERRBUF_SIZE];
	struct devices_seen v = { 0 };
	CU_ASSERT_EQUAL_FATAL(tcps_source_list_devices(on_device, &v, err), TCPS_OK);
	CU_ASSERT_EQUAL(v.unnamed, 0);
	CU_ASSERT_EQUAL(v.lo, 1);
	CU_ASSERT_TRUE(v.lo_loopback);
	CU_ASSERT_TRUE(v.lo_up);
	CU_ASSERT(v.any <= 1);
	if (v.any)
		CU_ASSERT_FALSE(v.any_loopback);
}

/* The TCP flags of an Ethernet/IPv4 segment to or from port 9; -1 for
 * any other packet. */
static int port9_flags(const struct tcps_packet *p)
{
	const uint8_t *b = p->bytes;
	if (p->caplen < 14 + 20 || b[12] != 0x08 || b[13] != 0x00 || b[14 + 9] != 6)
		return -1;
	unsigned ihl = (b[14] & 0x0fu) * 4u;
	if (ihl < 20 || p->caplen < 14 + ihl + 14)
		return -1;
	const uint8_t *t = b + 14 + ihl;
	if ((t[0] << 8 | t[1]) != 9 && (t[2] << 8 | t[3]) != 9)
		return -1;
	return t[13];
}

static struct sockaddr_in localhost_port9(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(9) };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return a;
}

/* A few UDP datagrams to 127.0.0.1:9 (and the kernel's ICMP replies). */
static void send_udp(void)
{
	struct sockaddr_in a = localhost_port9();
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	CU_ASSERT_FATAL(fd >= 0);
	for (int i = 0; i < 3; i++)
		sendto(fd, "x", 1, 0, (struct sockaddr *)&a, sizeof a);
	close(fd);
}

/* Connects to 127.0.0.1:9: a SYN, and an RST when nothing listens there.
 * Returns true when it was refused. */
static bool connect_port9(void)
{
	struct sockaddr_in a = localhost_port9();
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	CU_ASSERT_FATAL(fd >= 0);
	bool refused = connect(fd, (struct sockaddr *)&a, sizeof a) < 0 && errno == ECONNREFUSED;
	close(fd);
	return refused;
}

static void on_alarm(int sig)
{
	(void)sig;
}

/* A signal ends a wait at once with 0: the caller then checks its flag. */
static void check_wait_interrupted(struct tcps_source *s)
{
	char err[TCPS_ERRBUF_SIZE];
	struct sigaction sa = { .sa_handler = on_alarm }, old;
	sigemptyset(&sa.sa_mask);
	CU_ASSERT_EQUAL_FATAL(sigaction(SIGALRM, &sa, &old), 0);
	struct itimerval in_100ms = { .it_value = { .tv_usec = 100000 } };
	time_t t0 = time(NULL);
	CU_ASSERT_EQUAL(setitimer(ITIMER_REAL, &in_100ms, NULL), 0);
	CU_ASSERT_EQUAL(tcps_source_wait(s, 10000, err), 0);
	CU_ASSERT(time(NULL) - t0 < 5);
	sigaction(SIGALRM, &old, NULL);
}

/* What a capture on lo saw of our own traffic. */
struct lo_seen {
	unsigned n, syn, rst, other, flagged, too_long, off_time;
	uint64_t digest;
};

/* Reads s until the SYN and the RST came (or 5 s passed), waiting when idle. */
static void read_port9(struct tcps_source *s, bool want_rst, time_t t0, struct lo_seen *v)
{
	char err[TCPS_ERRBUF_SIZE];
	struct tcps_packet p;
	while ((!v->syn || (want_rst && !v->rst)) && time(NULL) - t0 < 5) {
		int r = tcps_source_next(s, &p, err);
		if (r == TCPS_SOURCE_IDLE) {
			CU_ASSERT(tcps_source_wait(s, 100, err) >= 0);
			continue;
		}
		CU_ASSERT_EQUAL_FATAL(r, 1);
		v->n++;
		v->flagged += p.filtered_out;
		v->too_long += p.caplen > TCPS_LIVE_SNAPLEN_DEFAULT || p.caplen > p.wirelen;
		v->off_time += p.ts.sec < t0 - 1 || p.ts.sec > time(NULL) + 1 || p.ts.nsec >= 1000000000u;
		mix_packet(&v->digest, &p);
		int f = port9_flags(&p);
		if (f < 0)
			v->other++;
		else if ((f & 0x12) == 0x02)
			v->syn++;
		else if (f & 0x04)
			v->rst++;
	}
}

/* Reads the dump of the live capture back: the same packets. */
static void check_live_dump(const char *path, const struct lo_seen *v)
{
	char err[TCPS_ERRBUF_SIZE];
	struct tcps_source *s;
	struct tcps_packet p;
	uint64_t digest = DIGEST_INIT;
	unsigned n = 0;
	int r;
	CU_ASSERT_EQUAL_FATAL(tcps_source_open_file(&s, path, err), TCPS_OK);
	CU_ASSERT_EQUAL(tcps_source_linktype(s), TCPS_LINK_ETHERNET);
	while ((r = tcps_source_next(s, &p, err)) == 1) {
		n++;
		mix_packet(&digest, &p);
	}
	CU_ASSERT_EQUAL(r, 0);
	CU_ASSERT_EQUAL(n, v->n);
	CU_ASSERT_EQUAL(digest, v->digest);
	tcps_source_close(s);
}

/* Our own SYN and RST on lo, through the kernel filter "tcp port 9": UDP
 * to the same port, sent before the filter was set, is never read. */
static void test_live_loopback(void)
{
	if (geteuid() != 0) {
		printf("\n  skipped: a live capture on lo needs root\n");
		return;
	}
	char err[TCPS_ERRBUF_SIZE], dump[] = "/tmp/tcps-unit-live-XXXXXX";
	struct tcps_source *s;
	struct tcps_capture_stats st;
	struct tcps_packet p;
	struct tcps_live_options o = { .buffer_kib = 1024, .no_promisc = true };
	int fd = mkstemp(dump);
	CU_ASSERT_FATAL(fd >= 0);
	close(fd);
	time_t t0 = time(NULL);
	int rc = tcps_source_open_live(&s, "lo", &o, err);
	if (rc != TCPS_OK)
		fprintf(stderr, "\nopen_live lo: %s\n", err);
	CU_ASSERT_EQUAL_FATAL(rc, TCPS_OK);
	CU_ASSERT_TRUE(tcps_source_is_live(s));
	CU_ASSERT_EQUAL(tcps_source_linktype(s), TCPS_LINK_ETHERNET);
	CU_ASSERT_EQUAL(tcps_source_read_ahead(s, 0, err), TCPS_OK); /* does nothing */
	send_udp();
	CU_ASSERT_EQUAL(tcps_source_set_filter(s, "tcp port 9", err), TCPS_OK);
	CU_ASSERT_EQUAL(tcps_source_dump(s, dump, err), TCPS_OK);
	bool refused = connect_port9();
	struct lo_seen v = { .digest = DIGEST_INIT };
	read_port9(s, refused, t0, &v);
	CU_ASSERT_EQUAL(v.syn, 1);
	if (refused)
		CU_ASSERT_EQUAL(v.rst, 1);
	CU_ASSERT_EQUAL(v.other, 0);
	CU_ASSERT_EQUAL(v.flagged, 0);
	CU_ASSERT_EQUAL(v.too_long, 0);
	CU_ASSERT_EQUAL(v.off_time, 0);
	CU_ASSERT_NOT_EQUAL(tcps_source_next(s, &p, err), 0); /* a live capture does not end */
	CU_ASSERT_EQUAL(tcps_source_stats(s, &st, err), TCPS_OK);
	CU_ASSERT(st.received >= v.n);
	check_wait_interrupted(s);
	CU_ASSERT_EQUAL(tcps_source_flush_dump(s, err), TCPS_OK);
	tcps_source_close(s);
	check_live_dump(dump, &v);
	unlink(dump);
}

/* "any" captures with a Linux cooked header (the decoder reads both kinds). */
static void test_live_any(void)
{
	if (geteuid() != 0) {
		printf("\n  skipped: a live capture on any needs root\n");
		return;
	}
	char err[TCPS_ERRBUF_SIZE];
	struct tcps_source *s;
	CU_ASSERT_EQUAL_FATAL(tcps_source_open_live(&s, "any", NULL, err), TCPS_OK);
	int link = tcps_source_linktype(s);
	CU_ASSERT(link == TCPS_LINK_LINUX_SLL || link == TCPS_LINK_LINUX_SLL2);
	CU_ASSERT_EQUAL(tcps_source_set_filter(s, "tcp port 9", err), TCPS_OK); /* no netmask: still compiles */
	tcps_source_close(s);
}

int suite_source_live(void)
{
	static const CU_TestInfo tests[] = {
		{ "open live: errors per uid, as nobody too", test_open_live_errors },
		{ "drop privileges to a missing user", test_drop_to_missing_user },
		{ "list devices: lo, any", test_list_devices },
		{ "live on lo: kernel filter, wait, stats, dump (root)", test_live_loopback },
		{ "live on any: Linux cooked (root)", test_live_any },
		CU_TEST_INFO_NULL,
	};
	return add_suite("source", tests);
}
