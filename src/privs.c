/* privs.c - becoming another user after the capture has started (tcpdump -Z) */
#define _GNU_SOURCE /* initgroups */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>
#include "tcpstate/tcpstate.h"

int tcps_drop_privileges(const char *user, char *errbuf)
{
	const struct passwd *pw = getpwnam(user);
	if (!pw) {
		snprintf(errbuf, TCPS_ERRBUF_SIZE, "no such user %s", user);
		return TCPS_E_BADARG;
	}
	uid_t uid = pw->pw_uid;
	gid_t gid = pw->pw_gid;
	if (geteuid() != 0) {
		if (getuid() == uid && geteuid() == uid)
			return TCPS_OK;
		snprintf(errbuf, TCPS_ERRBUF_SIZE, "cannot become user %s: only root can change user", user);
		return TCPS_E_PERM;
	}
	/* Groups first: once the uid is not root, they can no longer change. */
	if (initgroups(user, gid) != 0 || setgid(gid) != 0 || setuid(uid) != 0) {
		snprintf(errbuf, TCPS_ERRBUF_SIZE, "cannot become user %s: %s", user, strerror(errno));
		return TCPS_E_PERM;
	}
	/* A saved set-user-ID of 0 would let root come back. */
	if (uid != 0 && setuid(0) == 0) {
		snprintf(errbuf, TCPS_ERRBUF_SIZE, "became user %s, but root can still be regained", user);
		return TCPS_E_PERM;
	}
	return TCPS_OK;
}
