/* --trace's file: header at open, per-vCPU buffers appended whole. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "emu/trace/trace_writer.h"

static int write_all(int fd, const void *p, size_t len)
{
	const char *c = p;
	while (len) {
		ssize_t n = write(fd, c, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		c += n;
		len -= (size_t)n;
	}
	return 0;
}

int trace_file_open(const char *path, uint64_t tsc_khz, unsigned nr_vcpus)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	struct trace_header h = {
		.version = TRACE_VERSION,
		.record_size = sizeof(struct trace_record),
		.tsc_khz = tsc_khz,
		.nr_vcpus = nr_vcpus,
	};
	memcpy(h.magic, TRACE_MAGIC, sizeof h.magic);
	if (write_all(fd, &h, sizeof h)) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

int vcpu_trace_start(struct vcpu_trace *t, int fd, unsigned vcpu)
{
	*t = (struct vcpu_trace){ .fd = -1 };
	if (fd < 0)
		return 0;
	t->buf = calloc(TRACE_BUFFER_RECORDS, sizeof *t->buf);
	if (!t->buf)
		return -1;
	t->fd = fd;
	t->cur.vcpu = (uint16_t)vcpu;
	return 0;
}

/* A failed write loses those records: the guest runs on, untraced from
 * then on rather than stopped for it. */
static void flush(struct vcpu_trace *t)
{
	if (t->used && write_all(t->fd, t->buf, t->used * sizeof *t->buf)) {
		free(t->buf);
		t->buf = NULL;
	}
	t->used = 0;
}

void vcpu_trace_enter(struct vcpu_trace *t)
{
	if (!t->buf)
		return;
	uint64_t now = trace_rdtsc();
	if (t->pending) {
		t->cur.host_ticks = now - t->cur.tsc;
		t->buf[t->used++] = t->cur;
		t->pending = 0;
		if (t->used == TRACE_BUFFER_RECORDS) {
			flush(t);
			now = trace_rdtsc(); /* the write is tracing's own time, not the guest's */
		}
	}
	t->run_start = now;
}

void vcpu_trace_exited(struct vcpu_trace *t)
{
	if (!t->buf)
		return;
	uint64_t now = trace_rdtsc();
	uint16_t vcpu = t->cur.vcpu;
	t->cur = (struct trace_record){ .tsc = now, .guest_ticks = now - t->run_start,
					.vcpu = vcpu };
	t->pending = 1;
}

void vcpu_trace_stop(struct vcpu_trace *t)
{
	if (!t->buf)
		return;
	if (t->pending) {
		t->cur.host_ticks = trace_rdtsc() - t->cur.tsc;
		t->buf[t->used++] = t->cur;
		t->pending = 0;
	}
	flush(t);
	free(t->buf);
	t->buf = NULL;
}
