/* registry.h: the compiled-in backends, looked up by the scheme of a connection URI. */
#pragma once

#include <stdbool.h>

#include "core/backend.h"

extern const struct hvc_backend_impl hvc_libvirt_backend_impl;
extern const struct hvc_backend_impl hvc_libxl_backend_impl;

/*
 * One backend (libvirt's uriSchemes shape): the URI schemes it claims, and its
 * operations, NULL when this build has it not. The row with schemes NULL takes
 * every URI no other row claims (libvirt knows its own many schemes and their
 * "+ssh" forms).
 */
struct hvc_backend_entry {
	const char *name; /* "libvirt", "libxl": --version, messages */
	const char *const *schemes; /* NULL-terminated; NULL = every other scheme */
	const struct hvc_backend_impl *impl; /* NULL: not compiled in (or a module) */
	/*
	 * A loadable module (libvirt's driver modules are the model): the file
	 * NAME.so in HVC_MODULEDIR ($HVCLOCK_MODULE_DIR overrides it; hvclock's own
	 * tests), dlopen'd only when a URI needs this backend, so a host without it
	 * never loads its libraries. It exports hvc_NAME_backend_impl. NULL: none.
	 */
	const char *module;
	const char *package; /* the Debian package that installs the module */
};

/* Every backend hvclock knows, compiled in or not; ends with a row whose name is NULL. */
extern const struct hvc_backend_entry hvc_backends[];

/* The row for uri: the one claiming its scheme, else the catch-all row. Never NULL. */
const struct hvc_backend_entry *hvc_backend_for_uri(const char *uri);

/*
 * Open a backend for uri, chosen by its scheme among the rows above. Errors:
 * -EOPNOTSUPP (this build has not that backend), or the backend's own
 * (unreachable hypervisor, not a dom0, ...). ret is the caller's
 * (hvc_backend_destroy()).
 */
int hvc_backend_open(
	const char *uri, bool read_only, struct hvc_backend **ret, struct hvc_error *err);

/*
 * The module file of e (allocated), or NULL when e is not a module. hvclock
 * --version lists a module backend only when its file exists.
 */
char *hvc_backend_module_path(const struct hvc_backend_entry *e);

/* The URI names the libxl backend: scheme "xl:" or "libxl:" (xl:///, libxl:///). */
bool hvc_uri_is_libxl(const char *uri);
