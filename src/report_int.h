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

/* Writes the end-state table (text) or its JSON member, then forgets it. */
void tcps_end_states_text(struct tcps_writer *w);
void tcps_end_states_json(struct tcps_writer *w);

#endif
