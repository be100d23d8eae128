/* policy.c: evaluate profile conditions against a guest's facts and pick a remedy. */
#include <fnmatch.h>
#include <stdio.h>

#include "core/arch.h"
#include "core/policy.h"

void hvc_decision_finish(struct hvc_decision *d)
{
	free(d->reason);
	strv_free(d->unverified);
	memset(d, 0, sizeof(*d));
}

const char *hvc_policy_kernel_release(const struct hvc_guest *g)
{
	return g->facts.kernel_release;
}

static enum hvc_tristate any_of(char *const *values, const char *fact)
{
	if (!fact)
		return HVC_UNKNOWN;
	return strv_contains(values, fact) ? HVC_YES : HVC_NO;
}

static enum hvc_tristate any_glob(char *const *globs, const char *fact)
{
	if (!fact)
		return HVC_UNKNOWN;
	STRV_FOREACH (gl, globs)
		if (fnmatch(*gl, fact, 0) == 0)
			return HVC_YES;
	return HVC_NO;
}

static enum hvc_tristate sysctl_exists(const struct hvc_guest *g, const char *key)
{
	size_t n = strlen(key);

	/* The one key whose presence the inspection reports on its own (docs/remedies.md §3b). */
	if (streq(key, "xen.independent_wallclock") &&
		g->facts.has_independent_wallclock != HVC_UNKNOWN)
		return g->facts.has_independent_wallclock;
	if (!g->facts.inspected)
		return HVC_UNKNOWN;
	STRV_FOREACH (s, g->facts.sysctls)
		if (strncmp(*s, key, n) == 0 && (*s)[n] == '=')
			return HVC_YES;
	return HVC_NO;
}

static enum hvc_tristate cpu_flag(const struct hvc_guest *g, const char *flag)
{
	if (streq(flag, "constant_tsc"))
		return g->facts.constant_tsc;
	if (streq(flag, "nonstop_tsc"))
		return g->facts.nonstop_tsc;
	if (streq(flag, "tsc_reliable"))
		return g->facts.tsc_reliable;
	return HVC_NO;
}

enum hvc_tristate hvc_condition_eval(const struct hvc_condition *c, const struct hvc_guest *g)
{
	const struct hvc_facts *f = &g->facts;
	enum hvc_tristate r;

	switch (c->kind) {
	case HVC_COND_HYPERVISOR:
		if (g->hypervisor == HVC_HYPERVISOR_UNKNOWN)
			return HVC_UNKNOWN;
		return any_of(c->values, hvc_hypervisor_to_string(g->hypervisor));
	case HVC_COND_GUEST_TYPE:
		if (g->type == HVC_GUEST_TYPE_UNKNOWN)
			return HVC_UNKNOWN;
		return any_of(c->values, hvc_guest_type_to_string(g->type));
	case HVC_COND_BOOT_PATH:
		if (g->boot == HVC_BOOT_UNKNOWN)
			return HVC_UNKNOWN;
		return any_of(c->values, hvc_boot_path_to_string(g->boot));
	case HVC_COND_KERNEL:
		return any_glob(c->values, f->kernel_release);
	case HVC_COND_CURRENT_CLOCKSOURCE:
		return any_of(c->values, f->current_clocksource);
	case HVC_COND_AVAILABLE_CLOCKSOURCE:
		if (!f->available_clocksources)
			return HVC_UNKNOWN;
		STRV_FOREACH (v, c->values)
			if (strv_contains(f->available_clocksources, *v))
				return HVC_YES;
		return HVC_NO;
	case HVC_COND_SYMPTOM:
		if (!f->inspected)
			return HVC_UNKNOWN;
		STRV_FOREACH (v, c->values)
			if (hvc_facts_has_symptom(f, hvc_symptom_from_string(*v)))
				return HVC_YES;
		return HVC_NO;
	case HVC_COND_SYSCTL_EXISTS:
	case HVC_COND_CPU_FLAGS:
		/* All listed keys/flags must hold; unknown if one is unknown and none fails. */
		r = HVC_YES;
		STRV_FOREACH (v, c->values) {
			enum hvc_tristate t = c->kind == HVC_COND_SYSCTL_EXISTS
				? sysctl_exists(g, *v)
				: cpu_flag(g, *v);
			if (t == HVC_NO)
				return HVC_NO;
			if (t == HVC_UNKNOWN)
				r = HVC_UNKNOWN;
		}
		return r;
	case HVC_COND_OS_ID:
		/* A host-side hint: once the kernel release is known, the kernel decides. */
		if (f->kernel_release)
			return HVC_NO;
		return any_glob(c->values, g->os_id);
	case HVC_COND_ARCH:
		if (!g->arch)
			return HVC_UNKNOWN;
		STRV_FOREACH (v, c->values)
			if (hvc_arch_matches(*v, g->arch))
				return HVC_YES;
		return HVC_NO;
	case HVC_COND_LAST:
		break;
	}
	return HVC_NO;
}

/* "kernel 2.6.32-754.el6.x86_64 (host kernel path)", for reasons. */
static char *describe_fact(enum hvc_cond_kind k, const struct hvc_guest *g)
{
	const struct hvc_facts *f = &g->facts;

	switch (k) {
	case HVC_COND_HYPERVISOR:
		return xasprintf("hypervisor %s", hvc_hypervisor_to_string(g->hypervisor));
	case HVC_COND_GUEST_TYPE:
		return xasprintf("guest type %s", hvc_guest_type_to_string(g->type));
	case HVC_COND_BOOT_PATH:
		return xasprintf("boot path %s", hvc_boot_path_to_string(g->boot));
	case HVC_COND_KERNEL:
		if (!f->kernel_release)
			return xstrdup("kernel release unknown");
		return xasprintf("kernel %s (%s)", f->kernel_release,
			f->kernel_release_source ? f->kernel_release_source : "guest");
	case HVC_COND_CURRENT_CLOCKSOURCE:
		return xasprintf("current clocksource %s", strna(f->current_clocksource));
	case HVC_COND_AVAILABLE_CLOCKSOURCE: {
		_cleanup_free_ char *a = strv_join(f->available_clocksources, " ");
		return xasprintf(
			"available clocksources %s", f->available_clocksources ? a : "n/a");
	}
	case HVC_COND_SYMPTOM:
		return xstrdup(f->inspected ? "kernel log symptoms" : "kernel log not read yet");
	case HVC_COND_SYSCTL_EXISTS:
		return xstrdup("sysctl keys");
	case HVC_COND_CPU_FLAGS:
		return xstrdup("CPU flags");
	case HVC_COND_OS_ID:
		return xasprintf("OS %s (libosinfo)", strna(g->os_id));
	case HVC_COND_ARCH:
		return xasprintf("arch %s", g->arch ? g->arch : "unknown");
	case HVC_COND_LAST:
		break;
	}
	return xstrdup("?");
}

static char *describe_conds(const struct hvc_condition *c, size_t n, const struct hvc_guest *g)
{
	_cleanup_strv_free_ char **parts = NULL;
	for (size_t i = 0; i < n; i++)
		strv_consume(&parts, describe_fact(c[i].kind, g));
	return strv_join(parts, ", ");
}

/* Index of the first [match] block that holds, or -1. */
static ssize_t match_block(const struct hvc_profile *p, const struct hvc_guest *g)
{
	for (size_t b = 0; b < p->n_match; b++) {
		bool all = true;
		for (size_t i = 0; i < p->match[b].n && all; i++)
			all = hvc_condition_eval(&p->match[b].conds[i], g) == HVC_YES;
		if (all)
			return (ssize_t)b;
	}
	return -1;
}

static bool all_hold(const struct hvc_condition *c, size_t n, const struct hvc_guest *g)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (hvc_condition_eval(&c[i], g) != HVC_YES)
			return false;
	return true;
}

/* The first [expect] condition known to be false, or NULL; fills unverified. */
static const struct hvc_condition *check_expect(
	const struct hvc_profile *p, const struct hvc_guest *g, char ***unverified)
{
	for (size_t i = 0; i < p->n_expect; i++) {
		const struct hvc_condition *c = &p->expect[i];
		enum hvc_tristate t = hvc_condition_eval(c, g);
		if (t == HVC_NO)
			return c;
		if (t == HVC_UNKNOWN && unverified) {
			_cleanup_free_ char *v = strv_join(c->values, " ");
			strv_consume(unverified,
				xasprintf("%s %s", hvc_cond_kind_to_string(c->kind), v));
		}
	}
	return NULL;
}

static void finish_choice(
	const struct hvc_profile *p, const struct hvc_guest *g, struct hvc_decision *d, char *why)
{
	d->profile = p;
	if (all_hold(p->done_if, p->n_done_if, g)) {
		_cleanup_free_ char *facts = describe_conds(p->done_if, p->n_done_if, g);
		d->nothing_to_do = true;
		d->reason = xasprintf("%s; nothing to do: %s", why, facts);
		free(why);
	} else {
		d->reason = why;
	}
}

/* Why no profile matched: name the facts that are missing, or describe the guest. */
static char *no_match_reason(const struct hvc_guest *g)
{
	const struct hvc_facts *f = &g->facts;
	char kind[64];

	hvc_guest_kind(g, kind, sizeof(kind));
	if (g->hypervisor == HVC_HYPERVISOR_UNKNOWN)
		return xstrdup("no profile applies: hypervisor unknown");
	if (!f->inspected && !f->kernel_release)
		return xasprintf("no profile matches what the host knows (%s guest%s%s); "
				 "its kernel and clocksource are known only after inspecting it",
			kind, g->os_id ? ", OS " : "", g->os_id ? g->os_id : "");
	if (!f->inspected)
		return xasprintf("no profile matches %s guest with kernel %s (%s); modern kernels "
				 "are changed only on evidence, known after inspecting the guest",
			kind, f->kernel_release, strna(f->kernel_release_source));
	if (f->current_clocksource)
		return xasprintf("no profile applies: %s guest, kernel %s, already on %s, "
				 "no clocksource symptoms that call for a change",
			kind, strna(f->kernel_release), f->current_clocksource);
	return xasprintf(
		"no profile applies to %s guest with kernel %s", kind, strna(f->kernel_release));
}

void hvc_policy_decide(const struct hvc_profile_set *set, const struct hvc_guest *g,
	const struct hvc_profile *forced, struct hvc_decision *ret)
{
	_cleanup_strv_free_ char **rejected = NULL;

	memset(ret, 0, sizeof(*ret));

	if (forced) {
		_cleanup_free_ char *misfit = hvc_arch_profile_misfit(forced, g->arch);
		if (misfit) {
			/* Never write x86-only parameters into another architecture's guest. */
			ret->forced = true;
			ret->refused = true;
			ret->reason =
				xasprintf("profile %s refused for guest %s: it sets %s, which "
					  "exists on x86 only, and the guest's arch is %s",
					forced->name, g->name, misfit, g->arch);
			return;
		}
	}
	if (forced) {
		const struct hvc_condition *bad = check_expect(forced, g, &ret->unverified);
		ssize_t b = match_block(forced, g);
		_cleanup_free_ char *bad_fact = bad ? describe_fact(bad->kind, g) : NULL;
		ret->forced = true;
		finish_choice(forced, g, ret,
			xasprintf("profile %s chosen by the operator (--profile or the "
				  "configuration file)%s%s%s",
				forced->name,
				b < 0 ? " (its [match] does not hold for this guest)" : "",
				bad ? "; warning: contradicted by " : "", bad ? bad_fact : ""));
		return;
	}

	for (size_t i = 0; i < set->n; i++) {
		const struct hvc_profile *p = set->profiles[i];
		_cleanup_strv_free_ char **unverified = NULL;
		const struct hvc_condition *bad;
		ssize_t b;

		if (!p->auto_select)
			continue;
		b = match_block(p, g);
		if (b < 0)
			continue;
		_cleanup_free_ char *misfit = hvc_arch_profile_misfit(p, g->arch);
		if (misfit) {
			strv_consume(&rejected,
				xasprintf("%s (sets %s, x86 only; arch %s)", p->name, misfit,
					g->arch));
			continue;
		}
		bad = check_expect(p, g, &unverified);
		if (bad) {
			_cleanup_free_ char *fact = describe_fact(bad->kind, g);
			strv_consume(&rejected, xasprintf("%s (%s)", p->name, fact));
			continue;
		}
		_cleanup_free_ char *facts = describe_conds(p->match[b].conds, p->match[b].n, g);
		ret->unverified = TAKE_PTR(unverified);
		finish_choice(p, g, ret, xasprintf("matched %s", facts));
		return;
	}

	/*
	 * A remedy changes the facts it was chosen on (the guest leaves tsc), so
	 * after a rollout no profile may match any more: keep the applied one, so
	 * that plan shows it in place or waiting rather than "no remedy".
	 */
	if (g->recorded_profile) {
		const struct hvc_profile *p = hvc_profile_set_find(set, g->recorded_profile);
		if (p) {
			ret->unverified = NULL;
			finish_choice(p, g, ret,
				xasprintf("keeping %s, which hvclock applied earlier (no profile "
					  "matches the guest as it is now)",
					p->name));
			return;
		}
	}

	if (rejected) {
		_cleanup_free_ char *r = strv_join(rejected, ", ");
		ret->reason = xasprintf("no profile applies: contradicted by the guest: %s", r);
	} else {
		ret->reason = no_match_reason(g);
	}
}
