/* report_int.h - what the writer's two source files share */
#ifndef TCPS_REPORT_INT_H
#define TCPS_REPORT_INT_H

#include "tcpstate/tcpstate.h"
#include "linebuf.h"

void lb_endpoint(struct linebuf *l, const struct tcps_addr *a);
void lb_epoch(struct linebuf *l, const struct tcps_ts *t);
void lb_utc(struct linebuf *l, const struct tcps_ts *t);
void lb_delta(struct linebuf *l, const struct tcps_ts *a, const struct tcps_ts *b);
void lb_ns(struct linebuf *l, uint64_t ns);
void json_str_lb(struct linebuf *l, const char *s);
void json_str(FILE *f, const char *s);
/* Opens a JSON record: {"kind":KIND,"file":FILE */
void json_head(struct tcps_writer *w, const char *kind);

/* The reporter's connection callback (report_conn.c). */
void tcps_writer_on_conn(void *ctx, const struct tcps_conn_summary *c);

struct port_tally {
	uint16_t port;
	uint64_t n[2][TCPS_ST__COUNT];   /* [TCPS_RESPONDER] the servers, [TCPS_INITIATOR] their clients */
};

struct tcps_end_states {
	uint64_t all[TCPS_ST__COUNT];
	uint64_t conns;
	struct port_tally *ports;        /* by port, when written (see unsorted) */
	size_t nports, cap;
	uint32_t *slot_of;               /* [port]: its index in ports + 1, 0 if none; NULL: none made */
	bool unsorted;                   /* ports were added out of port order */
};

/* Counts c's endpoints by state, overall and per server port, in w's tally. */
void tcps_writer_tally(struct tcps_writer *w, const struct tcps_conn_summary *c);

/* Writes the tally as a table headed "TITLE of N endpoints (M connections)",
 * or as the JSON member MEMBER, then forgets it. */
void tcps_end_states_text(struct tcps_writer *w, const char *title);
void tcps_end_states_json(struct tcps_writer *w, const char *member);

/* Column widths of a connection's text records, and its endpoints' names. */
struct cols {
	size_t pkt, ep;
	char name[2][64];        /* "ip:port" of [TCPS_INITIATOR], [TCPS_RESPONDER], then spaces */
	size_t name_len[2];
};
void text_cols(const struct tcps_conn_summary *c, struct cols *k);

/* One record of c as a text line that starts with lead, or as a JSON object. */
void text_record(struct tcps_writer *w, const struct tcps_conn_summary *c, const struct tcps_record *r,
		 const struct cols *k, const char *lead);
void json_record(struct tcps_writer *w, const struct tcps_conn_summary *c, const struct tcps_record *r);

/* Opens a connection's JSON record: {"kind":KIND,"file":FILE,"conn":ID */
void json_conn_head(struct linebuf *l, const struct tcps_writer *w, const char *kind,
		    const struct tcps_conn_summary *c);

/* The line that names a connection: "conn ID A > B roles ...", the
 * endpoints' names from k (text_cols). */
void conn_header_text(struct tcps_writer *w, const struct tcps_conn_summary *c, const struct cols *k);

/* Streaming callbacks (report_stream.c). */
void tcps_writer_on_open(void *ctx, const struct tcps_conn_summary *c);
void tcps_writer_on_record(void *ctx, const struct tcps_conn_summary *c, const struct tcps_record *r);

#endif
