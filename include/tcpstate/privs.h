/* privs.h - giving up root after a live capture has started (tcpdump -Z) */
#ifndef TCPSTATE_PRIVS_H
#define TCPSTATE_PRIVS_H

/*
 * Becomes user (its groups, then its gid, then its uid) and checks that root
 * cannot be regained. Call it after opening the live sources and the files to
 * write: the capture keeps working, nothing new can be opened as root.
 * When not root, it succeeds only if the process already is that user.
 * Returns TCPS_OK, TCPS_E_BADARG ("no such user") or TCPS_E_PERM + errbuf.
 */
int tcps_drop_privileges(const char *user, char *errbuf) TCPS_WARN_UNUSED_RESULT;

#endif
