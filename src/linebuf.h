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

/* n copies of c (column padding): one memset, not a bounds check per byte. */
static inline void lb_fill(struct linebuf *l, char c, size_t n)
{
	if (n > LINEBUF_CAP - l->n)
		n = LINEBUF_CAP - l->n;
	memset(l->b + l->n, c, n);
	l->n += n;
}

static inline void lb_chr(struct linebuf *l, char c)
{
	if (l->n < LINEBUF_CAP)
		l->b[l->n++] = c;
}

/* Unsigned decimal, at least `width` digits (zero-padded, at most 20).
 * The digits are made two at a time in a local buffer and appended at once:
 * appending them one by one stored and reloaded l->n for each (a char store
 * may alias it). Past the capacity the leading digits that fit are kept. */
static inline void lb_uint(struct linebuf *l, uint64_t v, int width)
{
	static const char pairs[201] = "0001020304050607080910111213141516171819"
				       "2021222324252627282930313233343536373839"
				       "4041424344454647484950515253545556575859"
				       "6061626364656667686970717273747576777879"
				       "8081828384858687888990919293949596979899";
	char d[20];
	size_t i = sizeof d;
	while (v >= 100) { /* two digits per division */
		unsigned r = (unsigned)(v % 100);
		v /= 100;
		d[--i] = pairs[2 * r + 1];
		d[--i] = pairs[2 * r];
	}
	if (v >= 10) {
		d[--i] = pairs[2 * v + 1];
		d[--i] = pairs[2 * v];
	} else {
		d[--i] = (char)('0' + v);
	}
	size_t n = sizeof d - i, w = width < 0 ? 0 : width > 20 ? 20 : (size_t)width;
	if (n < w) {
		memset(d + sizeof d - w, '0', w - n);
		n = w;
	}
	lb_mem(l, d + sizeof d - n, n);
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

/* A stream is written by one thread at a time (the writer thread hands it
 * back before anyone else writes: report_thread.c), so glibc's lock around
 * each of hundreds of thousands of lines is pure cost. */
static inline void lb_write(const struct linebuf *l, FILE *f)
{
#if defined(__GLIBC__) && (defined(_DEFAULT_SOURCE) || defined(_GNU_SOURCE))
	fwrite_unlocked(l->b, 1, l->n, f);
#else
	fwrite(l->b, 1, l->n, f);
#endif
}

#endif
