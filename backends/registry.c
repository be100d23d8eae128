/* registry.c: the table of backends by URI scheme, and opening a connection through it. */
#include <assert.h>
#include <errno.h>

#include "config.h"
#include "backends/registry.h"

/*
 * A backend this build has not is a row with impl NULL: the conditions are
 * constant, so no reference to a missing backend is emitted.
 */
const struct hvc_backend_entry hvc_backends[] = {
	{
		/* qemu://, xen://, test:// and their +ssh forms: libvirt's own schemes. */
		.name = "libvirt",
		.schemes = NULL,
		.impl = HVC_HAS_LIBVIRT ? &hvc_libvirt_backend_impl : NULL,
	},
	{
		.name = "libxl",
		.schemes = (const char *const[]){ "xl", "libxl", NULL },
		.impl = HVC_HAS_LIBXL ? &hvc_libxl_backend_impl : NULL,
	},
	{ .name = NULL },
};

/* True when uri starts with "scheme:" (case-sensitive, as libvirt's own schemes). */
static bool has_scheme(const char *uri, const char *scheme)
{
	size_t n = strlen(scheme);

	return uri && strncmp(uri, scheme, n) == 0 && uri[n] == ':';
}

const struct hvc_backend_entry *hvc_backend_for_uri(const char *uri)
{
	const struct hvc_backend_entry *other = NULL;

	for (const struct hvc_backend_entry *e = hvc_backends; e->name; e++) {
		if (!e->schemes) {
			other = e;
			continue;
		}
		for (size_t i = 0; e->schemes[i]; i++)
			if (has_scheme(uri, e->schemes[i]))
				return e;
	}
	assert(other);
	return other;
}

bool hvc_uri_is_libxl(const char *uri)
{
	return streq(hvc_backend_for_uri(uri)->name, "libxl");
}

int hvc_backend_open(
	const char *uri, bool read_only, struct hvc_backend **ret, struct hvc_error *err)
{
	const struct hvc_backend_entry *e = hvc_backend_for_uri(uri);

	if (!e->impl)
		return hvc_error_set(err, -EOPNOTSUPP,
			"cannot connect to '%s': hvclock was built without the %s backend", uri,
			e->name);
	return e->impl->open(uri, read_only, ret, err);
}
