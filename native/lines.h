/*
 * The line reader both native pieces use on their socket to the jvs service (jvs-init reads its
 * launch program, jvs-client the service's answers): a buffer that holds at least one whole line,
 * grown up to LINE_MAX_LEN, and %XX hex digits. Header-only: each is one static binary of its own.
 */
#ifndef JVS_LINES_H
#define JVS_LINES_H

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define LINE_MAX_LEN (1 << 20) /* a longer line is a protocol error */

struct lines {
	char *buf;
	size_t cap, pos, len;
};

/* One read() from FD into the buffer: > 0, 0 at EOF, -1 on error (E2BIG: line too long). */
static ssize_t lines_fill(struct lines *in, int fd)
{
	ssize_t r;

	if (in->pos > 0) { /* compact: the buffer only has to hold one line */
		memmove(in->buf, in->buf + in->pos, in->len - in->pos);
		in->len -= in->pos;
		in->pos = 0;
	}
	if (in->len == in->cap) { /* grow for long lines (seccomp programs) */
		size_t ncap = in->cap ? in->cap * 2 : 4096;
		char *nb = ncap <= LINE_MAX_LEN ? realloc(in->buf, ncap) : NULL;
		if (!nb) {
			errno = E2BIG;
			return -1;
		}
		in->buf = nb;
		in->cap = ncap;
	}
	do
		r = read(fd, in->buf + in->len, in->cap - in->len);
	while (r < 0 && errno == EINTR);
	if (r > 0)
		in->len += r;
	return r;
}

/* The next complete line already buffered (without its '\n'), or NULL. */
static char *lines_take(struct lines *in)
{
	char *l = in->buf + in->pos;
	char *nl = in->pos < in->len ? memchr(l, '\n', in->len - in->pos) : NULL;

	if (!nl)
		return NULL;
	*nl = '\0';
	in->pos = nl + 1 - in->buf;
	return l;
}

/* The value of one hex digit, or -1. */
static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

#endif
