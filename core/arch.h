/* arch.h: guest architectures, and the one table of kernel parameters that exist on x86 only. */
#pragma once

#include <stdbool.h>

#include "core/profile.h"

/* An architecture name as libvirt and uname -m write it: [a-z0-9_]+, at most 32 bytes. */
bool hvc_arch_name_valid(const char *arch);

/* x86 (32 or 64 bit): x86_64, i386, i486, i586, i686. */
bool hvc_arch_is_x86(const char *arch);

/* The named set a profile's `arch` condition may give for every hvc_arch_is_x86() name. */
#define HVC_ARCH_SET_X86 "x86"

/* Whether value of an `arch` condition (a name, or HVC_ARCH_SET_X86) holds for arch (not NULL). */
bool hvc_arch_matches(const char *value, const char *arch);

/*
 * Whether a kernel parameter ("name" or "name=value"; '-' and '_' equal in
 * the name) exists only on x86 kernels, per the table in arch.c
 * (docs/remedies.md §3e). The clocksource names it lists for clocksource=
 * are x86 clocksources, also for [live].
 */
bool hvc_arch_param_x86_only(const char *param);
bool hvc_arch_clocksource_x86_only(const char *clocksource);

/*
 * What of profile p does not fit a guest of architecture arch: the first
 * x86-only [cmdline] set parameter or [live] clocksource when arch is known
 * and not x86, as a new string ("clocksource=kvm-clock", "live clocksource
 * kvm-clock"); NULL when everything fits or arch is NULL (unknown).
 */
char *hvc_arch_profile_misfit(const struct hvc_profile *p, const char *arch);
