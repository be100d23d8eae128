/* backend.c: the wrappers callers use instead of touching impl-> directly. */
#include <errno.h>
#include <time.h>

#include "core/backend.h"

HVC_ENUM_IMPL(hvc_power, HVC_POWER_LAST, "shutdown", "start", "reboot", "power-off")

void hvc_backend_init(
	struct hvc_backend *b, const struct hvc_backend_impl *impl, const char *uri, bool read_only)
{
	b->impl = impl;
	b->uri = xstrdup(uri);
	b->read_only = read_only;
}

void hvc_backend_finish(struct hvc_backend *b)
{
	free(b->uri);
	b->uri = NULL;
}

void hvc_backend_destroy(struct hvc_backend *b)
{
	if (b)
		b->impl->destroy(b);
}

int hvc_backend_list_guests(struct hvc_backend *b, bool include_inactive,
	struct hvc_guest_list *out, struct hvc_error *err)
{
	return b->impl->list_guests(b, include_inactive, out, err);
}

int hvc_backend_set_boot_cmdline(struct hvc_backend *b, const struct hvc_guest *g,
	const char *expect_old, const char *new_cmdline, const struct hvc_record *rec,
	struct hvc_error *err)
{
	if (!b->impl->set_boot_cmdline)
		return hvc_error_set(err, -EOPNOTSUPP,
			"the %s backend cannot change a guest's kernel command line",
			b->impl->name);
	if (b->read_only)
		return hvc_error_set(err, -EROFS, "connection to '%s' is read-only", b->uri);
	return b->impl->set_boot_cmdline(b, g, expect_old, new_cmdline, rec, err);
}

int hvc_backend_guest_addresses(struct hvc_backend *b, const struct hvc_guest *g,
	struct hvc_guest_address **ret, unsigned *ret_n, struct hvc_error *err)
{
	*ret = NULL;
	*ret_n = 0;
	if (!b->impl->guest_addresses)
		return 0;
	return b->impl->guest_addresses(b, g, ret, ret_n, err);
}

bool hvc_backend_alive(struct hvc_backend *b)
{
	return !b || !b->impl->alive || b->impl->alive(b);
}

int hvc_backend_host(struct hvc_backend *b, struct hvc_guest **ret, struct hvc_error *err)
{
	*ret = NULL;
	if (!b->impl->host)
		return 0;
	return b->impl->host(b, ret, err);
}

bool hvc_backend_can_power(const struct hvc_backend *b, enum hvc_power what)
{
	return b->impl->power && (b->impl->power_ops & (1u << what));
}

int hvc_backend_power(struct hvc_backend *b, const struct hvc_guest *g, enum hvc_power what,
	struct hvc_error *err)
{
	if (!hvc_backend_can_power(b, what))
		return hvc_error_set(err, -EOPNOTSUPP, "the %s backend cannot %s a guest",
			b->impl->name,
			what == HVC_POWER_OFF ? "power off" : hvc_power_to_string(what));
	if (b->read_only)
		return hvc_error_set(err, -EROFS, "connection to '%s' is read-only", b->uri);
	return b->impl->power(b, g, what, err);
}

int hvc_backend_guest_state(struct hvc_backend *b, const struct hvc_guest *g, enum hvc_state *ret,
	struct hvc_error *err)
{
	if (!b->impl->guest_state)
		return hvc_error_set(err, -EOPNOTSUPP, "the %s backend cannot read a guest's state",
			b->impl->name);
	return b->impl->guest_state(b, g, ret, err);
}

int hvc_backend_wait_state(struct hvc_backend *b, const struct hvc_guest *g, enum hvc_state want,
	int64_t timeout_ms, int64_t poll_ms, struct hvc_error *err)
{
	int64_t end = hvc_now_ms() + timeout_ms;
	enum hvc_state st = HVC_STATE_UNKNOWN;

	for (;;) {
		struct hvc_error last = { 0 };
		int r = hvc_backend_guest_state(b, g, &st, &last);

		/* A state that cannot be read now (the daemon restarting) is asked again. */
		if (r == -EOPNOTSUPP || (r < 0 && hvc_now_ms() >= end))
			return hvc_error_set(err, r, "%s", last.msg);
		if (r >= 0 && st == want)
			return 0;
		if (hvc_now_ms() >= end)
			break;
		struct timespec ts = { .tv_sec = poll_ms / 1000,
			.tv_nsec = (poll_ms % 1000) * 1000000 };
		nanosleep(&ts, NULL);
	}
	if (timeout_ms % 1000)
		return hvc_error_set(err, -ETIMEDOUT, "guest '%s': still %s after %lld ms", g->name,
			hvc_state_to_string(st), (long long)timeout_ms);
	return hvc_error_set(err, -ETIMEDOUT, "guest '%s': still %s after %lld s", g->name,
		hvc_state_to_string(st), (long long)(timeout_ms / 1000));
}
