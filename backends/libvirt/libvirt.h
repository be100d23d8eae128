/* libvirt.h: the libvirt backend beyond the backend contract (core/backend.h). */
#pragma once

#include <libvirt/libvirt.h>

#include "core/backend.h"

/*
 * The backend's libvirt connection, borrowed (b must be a libvirt backend).
 * For tests: libvirt's test driver keeps its state per connection, so a test
 * that reads a domain's XML itself must use this one.
 */
virConnectPtr hvc_libvirt_backend_connection(struct hvc_backend *b);
