/* registry.h: the compiled-in backends, looked up by URI scheme. */
#pragma once

#include "core/backend.h"

#if HVC_HAS_LIBVIRT
extern const struct hvc_backend_impl hvc_libvirt_backend_impl;
#endif
#if HVC_HAS_LIBXL
extern const struct hvc_backend_impl hvc_libxl_backend_impl;
#endif

/* Names of the compiled-in backends, for --version. NULL-terminated. */
extern const char *const hvc_backend_names[];

/* The URI names the libxl backend: scheme "xl:" or "libxl:" (xl:///, libxl:///). */
bool hvc_uri_is_libxl(const char *uri);
