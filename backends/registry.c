/* registry.c: the table of backends by URI scheme, and opening a connection through it. */
#include <assert.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

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
		.impl = HVC_HAS_LIBVIRT && !HVC_LIBVIRT_MODULE ? &hvc_libvirt_backend_impl : NULL,
		.module = HVC_LIBVIRT_MODULE ? "libvirt" : NULL,
		.package = "hvclock",
	},
	{
		.name = "libxl",
		.schemes = (const char *const[]){ "xl", "libxl", NULL },
		.impl = HVC_HAS_LIBXL && !HVC_LIBXL_MODULE ? &hvc_libxl_backend_impl : NULL,
		.module = HVC_LIBXL_MODULE ? "libxl" : NULL,
		.package = "hvclock-xen",
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

char *hvc_backend_module_path(const struct hvc_backend_entry *e)
{
	const char *dir = getenv("HVCLOCK_MODULE_DIR");
	_cleanup_free_ char *exe = NULL, *uninstalled = NULL;

	if (!e->module)
		return NULL;
	if (!dir || !*dir) {
		/* The build tree's binary loads the build tree's modules (as its profiles). */
		exe = realpath("/proc/self/exe", NULL);
		uninstalled = realpath(HVC_UNINSTALLED_EXE, NULL);
		dir = exe && uninstalled && streq(exe, uninstalled) ? HVC_UNINSTALLED_MODULEDIR
								    : HVC_MODULEDIR;
	}
	return xasprintf("%s/%s.so", dir, e->module);
}

static int module_impl_locked(const struct hvc_backend_entry *e, const char *uri,
	const struct hvc_backend_impl **ret, struct hvc_error *err);

static int module_impl(const struct hvc_backend_entry *e, const char *uri,
	const struct hvc_backend_impl **ret, struct hvc_error *err)
{
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	int r;

	pthread_mutex_lock(&lock);
	r = module_impl_locked(e, uri, ret, err);
	pthread_mutex_unlock(&lock);
	return r;
}

/*
 * The operations of a module backend: its file checked like hvclock's other
 * trusted input (root's, not writable by others, nor any directory above it),
 * then that same file loaded (through /proc/self/fd) and kept for the process.
 * Hosts are opened from several threads at once (cmd/common.c): one at a time
 * here, so a module is checked and loaded once.
 */
static int module_impl_locked(const struct hvc_backend_entry *e, const char *uri,
	const struct hvc_backend_impl **ret, struct hvc_error *err)
{
	static const struct hvc_backend_impl *loaded[8];
	size_t slot = (size_t)(e - hvc_backends);
	_cleanup_free_ char *path = hvc_backend_module_path(e), *sym = NULL, *via = NULL;
	void *handle;
	int fd, r;

	assert(slot < sizeof(loaded) / sizeof(loaded[0]));
	if (loaded[slot]) {
		*ret = loaded[slot];
		return 0;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		if (r == -ENOENT)
			return hvc_error_set(err, -EOPNOTSUPP,
				"cannot connect to '%s': the %s backend is not installed (%s is "
				"missing; Debian: package %s)",
				uri, e->name, path, e->package);
		return hvc_error_set(
			err, r, "cannot connect to '%s': %s: %s", uri, path, strerror(-r));
	}
	r = hvc_check_trusted(path, fd, false, err);
	if (r < 0) {
		close(fd);
		hvc_error_prefix(err, "cannot connect to '%s': %s backend module", uri, e->name);
		return r;
	}
	via = xasprintf("/proc/self/fd/%d", fd);
	handle = dlopen(via, RTLD_NOW | RTLD_LOCAL);
	close(fd);
	if (!handle)
		return hvc_error_set(err, -ELIBBAD, "cannot connect to '%s': cannot load %s: %s",
			uri, path, dlerror());
	sym = xasprintf("hvc_%s_backend_impl", e->module);
	loaded[slot] = dlsym(handle, sym);
	if (!loaded[slot]) {
		dlclose(handle);
		return hvc_error_set(
			err, -ELIBBAD, "cannot connect to '%s': %s has no %s", uri, path, sym);
	}
	*ret = loaded[slot];
	return 0;
}

int hvc_backend_open(
	const char *uri, bool read_only, struct hvc_backend **ret, struct hvc_error *err)
{
	const struct hvc_backend_entry *e = hvc_backend_for_uri(uri);
	const struct hvc_backend_impl *impl = e->impl;
	int r;

	if (!impl && !e->module)
		return hvc_error_set(err, -EOPNOTSUPP,
			"cannot connect to '%s': hvclock was built without the %s backend", uri,
			e->name);
	if (!impl) {
		r = module_impl(e, uri, &impl, err);
		if (r < 0)
			return r;
	}
	return impl->open(uri, read_only, ret, err);
}
