/* backend.c: the wrappers callers use instead of touching impl-> directly. */
#include <errno.h>

#include "core/backend.h"

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

int hvc_backend_host(struct hvc_backend *b, struct hvc_guest **ret, struct hvc_error *err)
{
	*ret = NULL;
	if (!b->impl->host)
		return 0;
	return b->impl->host(b, ret, err);
}
