/* registry.h: the compiled-in backends, looked up by URI scheme. */
#pragma once

#include "core/backend.h"

#if HVC_HAS_LIBVIRT
extern const struct hvc_backend_impl hvc_libvirt_backend_impl;
#endif

/* Names of the compiled-in backends, for --version. NULL-terminated. */
extern const char *const hvc_backend_names[];
