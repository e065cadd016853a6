/* count_conns.c - a user's program on libtcpstate: connections and packets of a capture */
#include <stdio.h>
#include <tcpstate/tcpstate.h>

int main(int argc, char **argv)
{
	char err[TCPS_ERRBUF_SIZE];
	struct tcps_source *src;
	struct tcps_config cfg;
	struct tcps_reporter rep = { 0 };
	if (argc != 2 || tcps_source_open_file(&src, argv[1], err) != TCPS_OK)
		return 2;
	tcps_config_init(&cfg);
	struct tcps_engine *e = tcps_engine_new(&cfg, &rep, err);
	if (!e)
		return 2;
	struct tcps_packet p;
	while (tcps_source_next(src, &p, err) == 1)
		tcps_engine_feed(e, tcps_source_linktype(src), &p.ts, p.bytes, p.caplen, p.wirelen);
	tcps_engine_finish(e);
	struct tcps_totals t;
	tcps_engine_totals(e, &t);
	printf("%llu connections, %llu packets\n", (unsigned long long)t.connections, (unsigned long long)t.packets);
	tcps_engine_free(e);
	tcps_source_close(src);
	return 0;
}
