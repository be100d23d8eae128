/*
 * progress.c: the progress line on stderr while the engine works through the guests, for a
 * person at a terminal: "hvclock: done D / in flight F / failed X / left L", rewritten in
 * place (\r, then clear to the end of the line) four times a second at most, and cleared at
 * the end. Only when stderr is a terminal (and not -q): nothing else ever sees it.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "cmd/run.h"

#define PROGRESS_INTERVAL_MS 250

struct hvc_progress {
	size_t total;
	atomic_size_t started, done, failed;
	pthread_t printer;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool finished; /* under lock */
};

static void progress_print(struct hvc_progress *p)
{
	size_t started = atomic_load(&p->started), done = atomic_load(&p->done);
	size_t failed = atomic_load(&p->failed);

	/* The signal handler's message starts with a newline: it keeps a line of its own. */
	fprintf(stderr, "\r\033[Khvclock: done %zu / in flight %zu / failed %zu / left %zu", done,
		started - done, failed, p->total - started);
	fflush(stderr);
}

static void on_progress(void *data, bool done, bool failed)
{
	struct hvc_progress *p = data;

	if (!done)
		atomic_fetch_add(&p->started, 1);
	else {
		if (failed)
			atomic_fetch_add(&p->failed, 1);
		atomic_fetch_add(&p->done, 1);
	}
}

static void *printer(void *arg)
{
	struct hvc_progress *p = arg;
	struct timespec t;

	pthread_mutex_lock(&p->lock);
	while (!p->finished) {
		clock_gettime(CLOCK_REALTIME, &t);
		t.tv_nsec += PROGRESS_INTERVAL_MS * 1000000L;
		if (t.tv_nsec >= 1000000000L) {
			t.tv_sec++;
			t.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&p->cond, &p->lock, &t);
		if (!p->finished)
			progress_print(p);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

struct hvc_progress *hvc_progress_start(const struct hvc_ctx *ctx, struct hvc_engine *e, size_t n)
{
	struct hvc_progress *p;

	if (ctx->quiet || !isatty(STDERR_FILENO))
		return NULL;
	p = xcalloc(1, sizeof(*p));
	p->total = n;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->cond, NULL);
	progress_print(p);
	if (pthread_create(&p->printer, NULL, printer, p) != 0) {
		/* No printer: the first and the last line only. */
		p->printer = pthread_self();
	}
	e->progress = on_progress;
	e->progress_data = p;
	return p;
}

void hvc_progress_stop(struct hvc_progress *p, struct hvc_engine *e)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	p->finished = true;
	pthread_cond_signal(&p->cond);
	pthread_mutex_unlock(&p->lock);
	if (!pthread_equal(p->printer, pthread_self()))
		pthread_join(p->printer, NULL);
	/* The final count, then the line cleared: the report starts on a clean line. */
	progress_print(p);
	fputs("\r\033[K", stderr);
	fflush(stderr);
	e->progress = NULL;
	e->progress_data = NULL;
	pthread_cond_destroy(&p->cond);
	pthread_mutex_destroy(&p->lock);
	free(p);
}
