/* tcpstate.h - umbrella header of libtcpstate: version, status codes, error text */
#ifndef TCPSTATE_TCPSTATE_H
#define TCPSTATE_TCPSTATE_H

#define TCPS_VERSION_MAJOR 0
#define TCPS_VERSION_MINOR 4
#define TCPS_VERSION_PATCH 0
#define TCPS_VERSION "0.4.0"

/* Size of every error buffer the library fills (libpcap's PCAP_ERRBUF_SIZE idea). */
#define TCPS_ERRBUF_SIZE 512

#if defined(__GNUC__) || defined(__clang__)
#define TCPS_WARN_UNUSED_RESULT __attribute__((warn_unused_result))
#else
#define TCPS_WARN_UNUSED_RESULT
#endif

/*
 * Status codes. 0 is success, errors are negative. Append-only: a value, once
 * released, keeps its number and meaning forever (curl's CURLcode rule).
 */
enum tcps_status {
	TCPS_OK = 0,
	TCPS_E_NOMEM = -1,       /* an allocation failed */
	TCPS_E_IO = -2,          /* the operating system refused a read or open */
	TCPS_E_FORMAT = -3,      /* the input is not a capture libpcap can read */
	TCPS_E_BADARG = -4,      /* a caller passed an invalid argument */
	TCPS_E_FILTER = -5,      /* the BPF filter expression did not compile */
	TCPS_E_DAMAGED = -6,     /* the capture is cut or damaged part way through */
	TCPS_E_PERM = -7,        /* not allowed: capturing needs privileges, or changing user does */
	TCPS_E_NODEV = -8,       /* no such capture device */
};

/* Short English text for a status code; never NULL. */
const char *tcps_strerror(int status);

/* Library version string, e.g. "0.1.0". */
const char *tcps_version(void);

#include "tcpstate/engine.h"
#include "tcpstate/source.h"
#include "tcpstate/report.h"
#include "tcpstate/policy.h"
#include "tcpstate/baseline.h"
#include "tcpstate/privs.h"

#endif
