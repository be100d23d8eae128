/* registry.c: choose the backend for a connection URI among the compiled-in ones. */
#include <errno.h>

#include "config.h"
#include "backends/registry.h"

const char *const hvc_backend_names[] = {
#if HVC_HAS_LIBVIRT
	"libvirt",
#endif
#if HVC_HAS_LIBXL
	"libxl",
#endif
	NULL,
};

/* True when uri starts with "scheme:" (case-sensitive, as libvirt's own schemes). */
static bool has_scheme(const char *uri, const char *scheme)
{
	size_t n = strlen(scheme);

	return uri && strncmp(uri, scheme, n) == 0 && uri[n] == ':';
}

bool hvc_uri_is_libxl(const char *uri)
{
	return has_scheme(uri, "xl") || has_scheme(uri, "libxl");
}

int hvc_backend_open(
	const char *uri, bool read_only, struct hvc_backend **ret, struct hvc_error *err)
{
	/* xl:/// and libxl:/// are the libxl backend; everything else (qemu://, xen://,
	 * test://, and their +ssh forms) is a libvirt URI. */
	if (hvc_uri_is_libxl(uri)) {
#if HVC_HAS_LIBXL
		return hvc_libxl_backend_impl.open(uri, read_only, ret, err);
#else
		return hvc_error_set(err, -EOPNOTSUPP,
			"cannot connect to '%s': hvclock was built without the libxl backend", uri);
#endif
	}
#if HVC_HAS_LIBVIRT
	return hvc_libvirt_backend_impl.open(uri, read_only, ret, err);
#else
	return hvc_error_set(err, -EOPNOTSUPP,
		"cannot connect to '%s': hvclock was built without the libvirt backend", uri);
#endif
}
