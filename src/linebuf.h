/* linebuf.h - a bounded line builder: writers format records without printf */
#ifndef TCPS_LINEBUF_H
#define TCPS_LINEBUF_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/*
 * printf parses its format on every call; a record with twenty numbers costs
 * microseconds, which over millions of connections is most of a run. A line
 * is built here with plain appends and written with one fwrite. Appends past
 * the capacity are dropped, never overrun (curl's dynbuf "toobig" idea).
 */
#define LINEBUF_CAP 2048

struct linebuf {
	size_t n;
	char b[LINEBUF_CAP];
};

static inline void lb_mem(struct linebuf *l, const char *s, size_t len)
{
	if (len > LINEBUF_CAP - l->n)
		len = LINEBUF_CAP - l->n;
	memcpy(l->b + l->n, s, len);
	l->n += len;
}

static inline void lb_str(struct linebuf *l, const char *s) { lb_mem(l, s, strlen(s)); }

static inline void lb_chr(struct linebuf *l, char c)
{
	if (l->n < LINEBUF_CAP)
		l->b[l->n++] = c;
}

/* Unsigned decimal, at least `width` digits (zero-padded). */
static inline void lb_uint(struct linebuf *l, uint64_t v, int width)
{
	char d[20];
	int i = 0;
	do {
		d[i++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (i < width && i < 20)
		d[i++] = '0';
	while (i)
		lb_chr(l, d[--i]);
}

static inline void lb_int(struct linebuf *l, int64_t v)
{
	if (v < 0) {
		lb_chr(l, '-');
		lb_uint(l, (uint64_t)0 - (uint64_t)v, 1);
	} else {
		lb_uint(l, (uint64_t)v, 1);
	}
}

static inline void lb_write(const struct linebuf *l, FILE *f) { fwrite(l->b, 1, l->n, f); }

#endif
