/* registry.c: choose the backend for a connection URI among the compiled-in ones. */
#include <errno.h>

#include "config.h"
#include "backends/registry.h"

const char *const hvc_backend_names[] = {
#if HVC_HAS_LIBVIRT
	"libvirt",
#endif
	NULL,
};

int hvc_backend_open(
	const char *uri, bool read_only, struct hvc_backend **ret, struct hvc_error *err)
{
	/*
	 * Every URI is a libvirt URI for now (qemu://, xen://, test://, and their
	 * +ssh forms); the libxl backend will claim its own scheme.
	 */
#if HVC_HAS_LIBVIRT
	return hvc_libvirt_backend_impl.open(uri, read_only, ret, err);
#else
	return hvc_error_set(err, -EOPNOTSUPP,
		"cannot connect to '%s': hvclock was built without the libvirt backend", uri);
#endif
}
