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
#define LINEBUF_CAP 4096
/* Room a line is sure of: lines gathered into one buffer are written out
 * when less than this is left, so a line is never cut shorter than alone. */
#define LINEBUF_LINE 2048

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

static const char lb_pairs[201] = "0001020304050607080910111213141516171819"
				  "2021222324252627282930313233343536373839"
				  "4041424344454647484950515253545556575859"
				  "6061626364656667686970717273747576777879"
				  "8081828384858687888990919293949596979899";

/* Decimal digits of v (1 for 0). */
static inline unsigned lb_digits(uint64_t v)
{
	unsigned n = 1;
	for (;;) {
		if (v < 10)
			return n;
		if (v < 100)
			return n + 1;
		if (v < 1000)
			return n + 2;
		if (v < 10000)
			return n + 3;
		v /= 10000;
		n += 4;
	}
}

/* The last n decimal digits of v, written backwards from end: digits
 * beyond v's own are zeros, so n above its digit count pads. Two digits per
 * division, in 32 bits once v fits (a 64-bit division by a constant costs a
 * wide multiply). */
static inline __attribute__((always_inline)) void lb_put_digits(char *end, uint64_t v, unsigned n)
{
	while (v > UINT32_MAX && n >= 2) {
		unsigned r = (unsigned)(v % 100);
		v /= 100;
		end -= 2;
		memcpy(end, lb_pairs + 2 * r, 2);
		n -= 2;
	}
	uint32_t w = (uint32_t)v;
	for (; n >= 2; n -= 2) {
		unsigned r = w % 100;
		w /= 100;
		end -= 2;
		memcpy(end, lb_pairs + 2 * r, 2);
	}
	if (n)
		end[-1] = (char)('0' + w % 10);
}

/* Unsigned decimal, at least `width` digits (zero-padded, at most 20),
 * written straight into the line: digits made in a local buffer and then
 * copied were reloaded before their stores had landed (a stalled forward).
 * Past the capacity the leading digits that fit are kept. */
static inline void lb_uint(struct linebuf *l, uint64_t v, int width)
{
	unsigned nd = lb_digits(v), w = width < 0 ? 0 : width > 20 ? 20 : (unsigned)width;
	unsigned n = nd < w ? w : nd;
	size_t at = l->n;
	if (n <= LINEBUF_CAP - at) {
		lb_put_digits(l->b + at + n, v, n);
		l->n = at + n;
		return;
	}
	char d[20];
	n = n < sizeof d ? n : sizeof d; /* (it is: for the compiler's bounds warnings) */
	lb_put_digits(d + sizeof d, v, n);
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
