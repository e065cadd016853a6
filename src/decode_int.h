/* decode_int.h - functions shared between the decoder's layer files */
#ifndef TCPS_DECODE_INT_H
#define TCPS_DECODE_INT_H

#include <stdarg.h>
#include "decode.h"

/* Each layer takes the cursor at its header and the count of bytes that were
 * on the wire beyond the captured ones. */
enum dec_result dec_ipv4(struct cur c, uint32_t uncaptured, struct decoder_out *o);
enum dec_result dec_ipv6(struct cur c, uint32_t uncaptured, struct decoder_out *o);

/* Records a malformed verdict with a printf-style detail; returns DEC_MALFORMED. */
enum dec_result dec_malformed(struct decoder_out *o, enum tcps_malformed why, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 3, 4)))
#endif
	;

#endif
