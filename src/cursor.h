/* cursor.h - the bounds-checked reader: the only code that touches packet bytes */
#ifndef TCPS_CURSOR_H
#define TCPS_CURSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/*
 * A cursor is a window [p, p+len) over borrowed bytes. Every read checks the
 * length first and returns false instead of overrunning; on failure the cursor
 * is left unchanged. Multi-byte values are assembled byte by byte in network
 * order (tcpdump's EXTRACT_BE_U_n), so there are no unaligned loads and no
 * struct overlays. Sub-cursors bound a header to the length it declares
 * (IP total length, TCP data offset, an option's length).
 */
struct cur {
	const uint8_t *p;
	size_t len;
};

static inline struct cur cur_make(const uint8_t *p, size_t len)
{
	struct cur c = { p, p ? len : 0 };
	return c;
}

static inline bool cur_has(const struct cur *c, size_t n) { return c->len >= n; }

static inline bool cur_skip(struct cur *c, size_t n)
{
	if (c->len < n)
		return false;
	c->p += n;
	c->len -= n;
	return true;
}

static inline bool cur_u8(struct cur *c, uint8_t *v)
{
	if (c->len < 1)
		return false;
	*v = c->p[0];
	c->p += 1;
	c->len -= 1;
	return true;
}

static inline bool cur_be16(struct cur *c, uint16_t *v)
{
	if (c->len < 2)
		return false;
	*v = (uint16_t)((unsigned)c->p[0] << 8 | c->p[1]);
	c->p += 2;
	c->len -= 2;
	return true;
}

static inline bool cur_be32(struct cur *c, uint32_t *v)
{
	if (c->len < 4)
		return false;
	*v = (uint32_t)c->p[0] << 24 | (uint32_t)c->p[1] << 16 |
	     (uint32_t)c->p[2] << 8 | (uint32_t)c->p[3];
	c->p += 4;
	c->len -= 4;
	return true;
}

/* Little-endian 32-bit read, for DLT_NULL's host-order family field. */
static inline bool cur_le32(struct cur *c, uint32_t *v)
{
	if (c->len < 4)
		return false;
	*v = (uint32_t)c->p[3] << 24 | (uint32_t)c->p[2] << 16 |
	     (uint32_t)c->p[1] << 8 | (uint32_t)c->p[0];
	c->p += 4;
	c->len -= 4;
	return true;
}

/* Copies n bytes out (addresses). With a constant n the copy is a load and
 * a store or two. */
static inline bool cur_copy(struct cur *c, void *dst, size_t n)
{
	if (c->len < n)
		return false;
	if (n) /* an empty cursor may have no bytes at all (p NULL) */
		memcpy(dst, c->p, n);
	c->p += n;
	c->len -= n;
	return true;
}

/* Peeks at byte off without consuming. */
static inline bool cur_peek_u8(const struct cur *c, size_t off, uint8_t *v)
{
	if (c->len <= off)
		return false;
	*v = c->p[off];
	return true;
}

/* Splits off the next n bytes as a sub-cursor and consumes them. */
static inline bool cur_sub(struct cur *c, size_t n, struct cur *sub)
{
	if (c->len < n)
		return false;
	sub->p = c->p;
	sub->len = n;
	c->p += n;
	c->len -= n;
	return true;
}

/* Shrinks the window to at most n bytes (drops link-layer padding). */
static inline void cur_limit(struct cur *c, size_t n)
{
	if (c->len > n)
		c->len = n;
}

#endif
