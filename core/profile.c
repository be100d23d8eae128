/* profile.c: load and validate remedy profiles: INI files read by core/inifile.c from the table here. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/arch.h"
#include "core/cmdline.h"
#include "core/inifile.h"
#include "core/profile.h"
#include "core/token.h"

HVC_ENUM_IMPL(hvc_cond_kind, HVC_COND_LAST, "hypervisor", "guest-type", "boot-path", "kernel",
	"current-clocksource", "available-clocksource", "symptom", "sysctl-exists", "cpu-flags",
	"os-id", "arch")

#define PROFILE_SUFFIX ".profile"
#define PRIORITY_MIN (-1000)
#define PRIORITY_MAX 1000
#define STRINGIFY_(x) #x
#define STRINGIFY(x) STRINGIFY_(x)
#define TOKEN_MAX_LEN 128
#define TEXT_MAX_LEN 1024

/* The CPU flags hvclock collects (struct hvc_facts); any other flag could never hold. */
static const char *const known_cpu_flags[] = { "constant_tsc", "nonstop_tsc", "tsc_reliable" };

enum section {
	SECTION_NONE, /* before the first header */
	SECTION_PROFILE,
	SECTION_MATCH,
	SECTION_EXPECT,
	SECTION_DONE_IF,
	SECTION_CMDLINE,
	SECTION_SYSCTL,
	SECTION_LIVE,
	SECTION_TIMESYNC,
	SECTION_HOST,
};

struct parser {
	const char *path;
	struct ini *ini; /* while the reader runs */
	struct hvc_profile *p;
	enum section sec;
	int profile_line; /* line of [profile], 0 if there is none */
	int name_line;

	int err_line; /* the whole-profile checks after reading */
	char *err;
};

static _printf_(3, 4) bool fail_at(struct parser *ps, int line, const char *fmt, ...)
{
	va_list ap;

	if (ps->err)
		return false;
	va_start(ap, fmt);
	ps->err = xvasprintf(fmt, ap);
	va_end(ap);
	ps->err_line = line;
	return false;
}

/* Problems found while reading: at the reader's current line. */
#define fail(ps, ...) ini_fail((ps)->ini, __VA_ARGS__)
#define SEC_NAME(ps) ini_section_name((ps)->ini)

/* ---- value checks ------------------------------------------------------------------------- */

/* "X1", "K2", "G", or several joined by '/' ("X2/X3"). */
static bool valid_row(const char *s)
{
	bool at_start = true;

	if (!*s || strlen(s) > 16)
		return false;
	for (const char *c = s; *c; c++) {
		if (at_start) {
			if (!isupper((unsigned char)*c))
				return false;
			at_start = false;
		} else if (*c == '/') {
			at_start = true;
		} else if (!isdigit((unsigned char)*c)) {
			return false;
		}
	}
	return !at_start;
}

/* fnmatch() pattern: printable, no quotes or backslashes, every '[' closed. */
static const char *glob_problem(const char *s)
{
	if (strlen(s) > TOKEN_MAX_LEN)
		return "is too long";
	for (const char *c = s; *c; c++) {
		unsigned char u = (unsigned char)*c;
		if (u < 0x20 || u == 0x7f || strchr("\"'\\`", u))
			return "contains a quote, backslash or control character";
		if (u == '[' && !strchr(c + 1, ']'))
			return "has an unterminated '['";
	}
	return NULL;
}

/* Parameter names compare with '-' and '_' equal, as the kernel's parameq() does. */
static bool param_names_equal(const char *a, const char *b)
{
	for (;; a++, b++) {
		char x = *a == '=' ? '\0' : (*a == '-' ? '_' : *a);
		char y = *b == '=' ? '\0' : (*b == '-' ? '_' : *b);
		if (x != y)
			return false;
		if (!x)
			return true;
	}
}

static bool param_listed(char *const *l, const char *param)
{
	STRV_FOREACH (s, l)
		if (param_names_equal(*s, param))
			return true;
	return false;
}

static bool check_param(struct parser *ps, const char *param, char *const *list, bool setting)
{
	if (!hvc_token_valid(HVC_TOKEN_PARAM, param))
		return fail(ps,
			"invalid kernel command line parameter '%s' (expected NAME or NAME=VALUE, "
			"name of [A-Za-z0-9_.-], value without spaces, quotes or shell characters)",
			param);
	if (setting && param_names_equal(param, "lpj"))
		return fail(ps,
			"'%s': lpj= is specific to one host CPU and must not be set by a profile "
			"(docs/remedies.md §2a: \"if you do not know this value, do not set\")",
			param);
	if (setting && param_listed(list, param))
		return fail(ps, "'%s': the parameter is set twice", param);
	return true;
}

/* ---- profile construction ----------------------------------------------------------------- */

static void conditions_free(struct hvc_condition *c, size_t n)
{
	for (size_t i = 0; i < n; i++)
		strv_free(c[i].values);
	free(c);
}

bool hvc_profile_has_host_part(const struct hvc_profile *p)
{
	return p->host_sysctls || p->host_cmdline_set || p->host_timesync_required;
}

void hvc_profile_free(struct hvc_profile *p)
{
	if (!p)
		return;
	free(p->path);
	free(p->name);
	free(p->summary);
	free(p->source);
	free(p->row);
	for (size_t i = 0; i < p->n_match; i++) {
		free(p->match[i].label);
		conditions_free(p->match[i].conds, p->match[i].n);
	}
	free(p->match);
	conditions_free(p->expect, p->n_expect);
	conditions_free(p->done_if, p->n_done_if);
	strv_free(p->cmdline_set);
	strv_free(p->cmdline_remove);
	for (size_t i = 0; i < p->n_sysctls; i++) {
		free(p->sysctls[i].key);
		free(p->sysctls[i].value);
	}
	free(p->sysctls);
	strv_free(p->live_clocksources);
	strv_free(p->host_sysctls);
	strv_free(p->host_cmdline_set);
	free(p);
}

/* The condition list the current section fills. */
static void current_conditions(struct parser *ps, struct hvc_condition ***conds, size_t **n)
{
	struct hvc_profile *p = ps->p;

	switch (ps->sec) {
	case SECTION_MATCH:
		*conds = &p->match[p->n_match - 1].conds;
		*n = &p->match[p->n_match - 1].n;
		break;
	case SECTION_EXPECT:
		*conds = &p->expect;
		*n = &p->n_expect;
		break;
	default:
		*conds = &p->done_if;
		*n = &p->n_done_if;
		break;
	}
}

static const char *enum_choices(
	const char *(*to_string)(int), int first, int last, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (int i = first; i < last && used < len; i++)
		used += (size_t)snprintf(
			buf + used, len - used, "%s%s", i == first ? "" : ", ", to_string(i));
	return buf;
}

static bool check_cond_value(struct parser *ps, enum hvc_cond_kind kind, const char *v)
{
	char choices[256];
	const char *problem;
	int (*from_string)(const char *) = NULL;
	const char *(*to_string)(int) = NULL;
	int first = 1, last = 0;

	switch (kind) {
	case HVC_COND_HYPERVISOR:
		from_string = hvc_hypervisor_from_string;
		to_string = hvc_hypervisor_to_string;
		last = HVC_HYPERVISOR_LAST;
		break;
	case HVC_COND_GUEST_TYPE:
		from_string = hvc_guest_type_from_string;
		to_string = hvc_guest_type_to_string;
		last = HVC_GUEST_TYPE_LAST;
		break;
	case HVC_COND_BOOT_PATH:
		from_string = hvc_boot_path_from_string;
		to_string = hvc_boot_path_to_string;
		last = HVC_BOOT_LAST;
		break;
	case HVC_COND_SYMPTOM:
		from_string = hvc_symptom_from_string;
		to_string = hvc_symptom_to_string;
		first = 0;
		last = HVC_SYMPTOM_LAST;
		break;
	case HVC_COND_KERNEL:
	case HVC_COND_OS_ID:
		problem = glob_problem(v);
		if (problem)
			return fail(ps, "%s pattern '%s' %s", hvc_cond_kind_to_string(kind), v,
				problem);
		return true;
	case HVC_COND_CURRENT_CLOCKSOURCE:
	case HVC_COND_AVAILABLE_CLOCKSOURCE:
		if (!hvc_token_valid(HVC_TOKEN_CLOCKSOURCE, v))
			return fail(ps, "invalid clocksource name '%s' (expected [a-z0-9_-]+)", v);
		return true;
	case HVC_COND_SYSCTL_EXISTS:
		if (!hvc_token_valid(HVC_TOKEN_SYSCTL_KEY, v))
			return fail(
				ps, "invalid sysctl key '%s' (expected [a-z0-9_.]+ with a dot)", v);
		return true;
	case HVC_COND_CPU_FLAGS:
		for (size_t i = 0; i < ELEMENTSOF(known_cpu_flags); i++)
			if (streq(v, known_cpu_flags[i]))
				return true;
		return fail(ps,
			"unknown CPU flag '%s' (hvclock collects constant_tsc, nonstop_tsc, "
			"tsc_reliable)",
			v);
	case HVC_COND_ARCH:
		if (!hvc_arch_name_valid(v))
			return fail(ps,
				"invalid architecture '%s' (expected a name as libvirt and uname "
				"-m "
				"write it, e.g. x86_64, i686, aarch64)",
				v);
		return true;
	case HVC_COND_LAST:
		break;
	}
	/* "unknown" is what the model says when it does not know: not a value to test for. */
	if (!from_string || from_string(v) < first)
		return fail(ps, "unknown %s '%s' (expected %s)", hvc_cond_kind_to_string(kind), v,
			enum_choices(to_string, first, last, choices, sizeof(choices)));
	return true;
}

static bool add_condition_values(struct parser *ps, const char *key, const char *value)
{
	struct hvc_condition **conds, *c = NULL;
	size_t *n;
	int kind = hvc_cond_kind_from_string(key);
	_cleanup_strv_free_ char **items = NULL;

	if (kind < 0) {
		char choices[256];
		return fail(ps, "unknown key '%s' in [%s] (expected %s)", key, SEC_NAME(ps),
			enum_choices(hvc_cond_kind_to_string, 0, HVC_COND_LAST, choices,
				sizeof(choices)));
	}
	if (kind == HVC_COND_OS_ID && ps->sec != SECTION_MATCH)
		return fail(ps,
			"os-id is a host-side hint for choosing a profile and is allowed "
			"only in [match] blocks, not in [%s]",
			SEC_NAME(ps));

	current_conditions(ps, &conds, &n);
	for (size_t i = 0; i < *n; i++) {
		if ((*conds)[i].kind == (enum hvc_cond_kind)kind)
			c = &(*conds)[i];
		/* os-id counts only while the kernel release is unknown: with a kernel condition
		 * in the same block, the block could never hold. */
		if (ps->sec == SECTION_MATCH &&
			((kind == HVC_COND_OS_ID && (*conds)[i].kind == HVC_COND_KERNEL) ||
				(kind == HVC_COND_KERNEL && (*conds)[i].kind == HVC_COND_OS_ID)))
			return fail(ps,
				"os-id and kernel in the same [%s] block can never both hold "
				"(os-id "
				"counts only while the kernel release is unknown); put os-id in a "
				"[match:LABEL] block of its own",
				SEC_NAME(ps));
	}
	if (!c) {
		*conds = xrealloc(*conds, *n + 1, sizeof(**conds));
		c = &(*conds)[(*n)++];
		c->kind = (enum hvc_cond_kind)kind;
		c->values = xcalloc(1, sizeof(char *));
	}

	items = strv_split(value, " \t");
	STRV_FOREACH (v, items) {
		if (!check_cond_value(ps, c->kind, *v))
			return false;
		if (strv_contains(c->values, *v))
			return fail(ps, "'%s' is listed twice in %s", *v, key);
		strv_push(&c->values, *v);
	}
	return true;
}

/* Append space-separated items of value to *list, each checked. */
static bool add_list(struct parser *ps, const char *key, char ***list, const char *value,
	bool (*check)(struct parser *ps, const char *item, char *const *list))
{
	_cleanup_strv_free_ char **items = strv_split(value, " \t");

	STRV_FOREACH (v, items) {
		if (!check(ps, *v, *list))
			return false;
		if (strv_contains(*list, *v))
			return fail(ps, "'%s' is listed twice in %s", *v, key);
		strv_push(list, *v);
	}
	return true;
}

/* [cmdline] set and remove: each parameter in at most one of the two lists. */
static bool check_cmdline_edit(struct parser *ps, const char *item, char *const *list, bool setting)
{
	if (!check_param(ps, item, list, setting))
		return false;
	if (param_listed(setting ? ps->p->cmdline_remove : ps->p->cmdline_set, item))
		return fail(ps, "'%s' is both set and removed", item);
	return true;
}

static bool check_cmdline_set(struct parser *ps, const char *item, char *const *list)
{
	return check_cmdline_edit(ps, item, list, true);
}

static bool check_cmdline_remove(struct parser *ps, const char *item, char *const *list)
{
	return check_cmdline_edit(ps, item, list, false);
}

static bool check_host_cmdline(struct parser *ps, const char *item, char *const *list)
{
	return check_param(ps, item, list, true);
}

static bool check_clocksource(struct parser *ps, const char *item, _unused_ char *const *list)
{
	if (!hvc_token_valid(HVC_TOKEN_CLOCKSOURCE, item))
		return fail(ps, "invalid clocksource name '%s' (expected [a-z0-9_-]+)", item);
	return true;
}

static bool check_host_sysctl(struct parser *ps, const char *item, char *const *list)
{
	const char *eq = strchr(item, '=');
	_cleanup_free_ char *key = eq ? xstrndup(item, (size_t)(eq - item)) : NULL;

	if (!eq)
		return fail(ps, "host sysctl '%s': expected KEY=VALUE", item);
	if (!hvc_token_valid(HVC_TOKEN_SYSCTL_KEY, key))
		return fail(ps,
			"host sysctl '%s': invalid sysctl key '%s' (expected [a-z0-9_.]+ "
			"with a dot)",
			item, key);
	if (!hvc_token_valid(HVC_TOKEN_SYSCTL_VALUE, eq + 1))
		return fail(ps,
			"host sysctl '%s': invalid sysctl value '%s' (expected "
			"[A-Za-z0-9_.,:/+-]+: no spaces, quotes or control characters)",
			item, eq + 1);
	STRV_FOREACH (s, list)
		if (strncmp(*s, item, (size_t)(eq - item) + 1) == 0)
			return fail(ps, "host sysctl '%s' is set twice", key);
	return true;
}

/* ---- the schema: one parser per kind of key ------------------------------------------------ */

#define PS(ini) ((struct parser *)ini_userdata(ini))

static bool parse_bool(
	struct ini *ini, const char *key, const char *value, _unused_ int ltype, void *target)
{
	if (ini_bool_value(value, target) < 0)
		return ini_fail(ini, "bad boolean '%s' for %s (expected yes, no, true or false)",
			value, key);
	return true;
}

static bool parse_priority(struct ini *ini, _unused_ const char *key, const char *value,
	_unused_ int ltype, void *target)
{
	if (ini_int_value(value, PRIORITY_MIN, PRIORITY_MAX, target) < 0)
		return ini_fail(ini, "bad priority '%s' (expected an integer from %d to %d)", value,
			PRIORITY_MIN, PRIORITY_MAX);
	return true;
}

/* summary, source: printable text; an indented line adds to it after a space. */
static bool parse_text(
	struct ini *ini, const char *key, const char *value, _unused_ int ltype, void *target)
{
	char **dst = target;
	_cleanup_free_ char *s =
		ini_continued(ini) ? xasprintf("%s %s", *dst, value) : xstrdup(value);

	if (!string_is_printable(s))
		return ini_fail(ini, "%s contains a control character", key);
	if (strlen(s) > TEXT_MAX_LEN)
		return ini_fail(ini, "%s is longer than %d characters", key, TEXT_MAX_LEN);
	free(*dst);
	*dst = TAKE_PTR(s);
	return true;
}

static bool set_token(struct ini *ini, const char *key, char **dst, const char *value)
{
	if (strpbrk(value, " \t"))
		return ini_fail(ini, "%s takes one value, got '%s'", key, value);
	free_and_strdup(dst, value);
	return true;
}

static bool valid_name(const char *s)
{
	return hvc_token_valid(HVC_TOKEN_NAME, s);
}

static bool valid_sysctl_value(const char *s)
{
	return hvc_token_valid(HVC_TOKEN_SYSCTL_VALUE, s);
}

/* One-value keys: ltype picks the check and its message. */
enum { TOKEN_NAME, TOKEN_ROW, TOKEN_SYSCTL_VALUE };
static const struct {
	bool (*valid)(const char *s);
	const char *what, *expected;
} token_keys[] = {
	[TOKEN_NAME] = { valid_name, "name",
		"(expected [a-z0-9-]+, at most " STRINGIFY(
			HVC_TOKEN_NAME_MAX) " characters, not starting with '-')" },
	[TOKEN_ROW] = { valid_row, "row",
		"(expected a docs/remedies.md §4 row such as X1, K2 or G, several joined by "
		"'/')" },
	[TOKEN_SYSCTL_VALUE] = { valid_sysctl_value, "sysctl value",
		"(expected [A-Za-z0-9_.,:/+-]+: no spaces, quotes or control characters)" },
};

static bool parse_token(
	struct ini *ini, const char *key, const char *value, int ltype, void *target)
{
	char **dst = target;

	if (!set_token(ini, key, dst, value))
		return false;
	if (!token_keys[ltype].valid(*dst))
		return ini_fail(ini, "invalid %s '%s' %s", token_keys[ltype].what, *dst,
			token_keys[ltype].expected);
	if (ltype == TOKEN_NAME)
		PS(ini)->name_line = ini_line(ini);
	return true;
}

static bool parse_condition(struct ini *ini, const char *key, const char *value, _unused_ int ltype,
	_unused_ void *target)
{
	return add_condition_values(PS(ini), key, value);
}

/* A list key: ltype is the item check from list_checks[]. */
enum {
	CHECK_CMDLINE_SET,
	CHECK_CMDLINE_REMOVE,
	CHECK_HOST_CMDLINE,
	CHECK_CLOCKSOURCE,
	CHECK_HOST_SYSCTL
};
static bool (*const list_checks[])(struct parser *ps, const char *item, char *const *list) = {
	[CHECK_CMDLINE_SET] = check_cmdline_set,
	[CHECK_CMDLINE_REMOVE] = check_cmdline_remove,
	[CHECK_HOST_CMDLINE] = check_host_cmdline,
	[CHECK_CLOCKSOURCE] = check_clocksource,
	[CHECK_HOST_SYSCTL] = check_host_sysctl,
};

static bool parse_list(struct ini *ini, const char *key, const char *value, int ltype, void *target)
{
	return add_list(PS(ini), key, target, value, list_checks[ltype]);
}

/* ---- sections ----------------------------------------------------------------------------- */

static bool profile_section(struct ini *ini, const char *name, void *userdata, void **ret_object)
{
	static const struct {
		const char *name;
		enum section sec;
	} plain[] = {
		{ "profile", SECTION_PROFILE },
		{ "expect", SECTION_EXPECT },
		{ "done-if", SECTION_DONE_IF },
		{ "cmdline", SECTION_CMDLINE },
		{ "live", SECTION_LIVE },
		{ "timesync", SECTION_TIMESYNC },
		{ "host", SECTION_HOST },
	};
	struct parser *ps = userdata;

	ps->ini = ini;
	*ret_object = ps->p;
	for (size_t i = 0; i < ELEMENTSOF(plain); i++)
		if (streq(name, plain[i].name))
			ps->sec = plain[i].sec;
	if (ps->sec == SECTION_PROFILE)
		ps->profile_line = ini_line(ini);
	return true;
}

/* [match] and [match:LABEL]: one more block. */
static bool match_section(struct ini *ini, const char *name, void *userdata, void **ret_object)
{
	struct parser *ps = userdata;
	struct hvc_profile *p = ps->p;

	ps->ini = ini;
	if (name[5] == ':' && !hvc_token_valid(HVC_TOKEN_NAME, name + 6))
		return ini_fail(ini,
			"invalid block label in [%s] (expected [match:LABEL], LABEL of [a-z0-9-]+)",
			name);
	ps->sec = SECTION_MATCH;
	p->match = xrealloc(p->match, p->n_match + 1, sizeof(*p->match));
	p->match[p->n_match++] = (struct hvc_match_block){
		.label = xstrdup(name[5] == ':' ? name + 6 : ""),
	};
	*ret_object = p;
	return true;
}

/* [sysctl:KEY]: its keys fill a new struct hvc_sysctl. */
static bool sysctl_section(struct ini *ini, const char *name, void *userdata, void **ret_object)
{
	struct parser *ps = userdata;
	struct hvc_profile *p = ps->p;

	ps->ini = ini;
	if (!hvc_token_valid(HVC_TOKEN_SYSCTL_KEY, name + 7))
		return ini_fail(ini,
			"invalid sysctl key '%s' in [%s] (expected [a-z0-9_.]+ with a dot)",
			name + 7, name);
	ps->sec = SECTION_SYSCTL;
	p->sysctls = xrealloc(p->sysctls, p->n_sysctls + 1, sizeof(*p->sysctls));
	p->sysctls[p->n_sysctls++] = (struct hvc_sysctl){
		.key = xstrdup(name + 7),
		.only_if_exists = true,
	};
	*ret_object = &p->sysctls[p->n_sysctls - 1];
	return true;
}

static bool sysctl_section_end(struct ini *ini, void *userdata)
{
	struct hvc_profile *p = ((struct parser *)userdata)->p;

	if (!p->sysctls[p->n_sysctls - 1].value)
		return ini_fail_at(
			ini, ini_section_line(ini), "[%s] has no 'value'", ini_section_name(ini));
	return true;
}

static const struct ini_section profile_sections[] = {
	{ "profile", profile_section, NULL,
		"(expected name, summary, source, row, priority, auto)" },
	{ "match", match_section, NULL, NULL },
	{ "match:", match_section, NULL, NULL },
	{ "expect", profile_section, NULL, NULL },
	{ "done-if", profile_section, NULL, NULL },
	{ "cmdline", profile_section, NULL, "(expected set, remove)" },
	{ "sysctl:", sysctl_section, sysctl_section_end, "(expected value, only-if-exists)" },
	{ "live", profile_section, NULL, "(expected clocksource)" },
	{ "timesync", profile_section, NULL, "(expected required)" },
	{ "host", profile_section, NULL, "(expected sysctl, cmdline-set, timesync)" },
};

#define P(f) offsetof(struct hvc_profile, f)

static const struct ini_item profile_items[] = {
	{ "profile", "name", parse_token, TOKEN_NAME, P(name), 0 },
	{ "profile", "summary", parse_text, 0, P(summary), INI_LIST },
	{ "profile", "source", parse_text, 0, P(source), INI_LIST },
	{ "profile", "row", parse_token, TOKEN_ROW, P(row), 0 },
	{ "profile", "priority", parse_priority, 0, P(priority), 0 },
	{ "profile", "auto", parse_bool, 0, P(auto_select), 0 },
	/* Condition sections take any key; the parser knows the condition names. */
	{ "match", NULL, parse_condition, 0, 0, INI_LIST },
	{ "match:", NULL, parse_condition, 0, 0, INI_LIST },
	{ "expect", NULL, parse_condition, 0, 0, INI_LIST },
	{ "done-if", NULL, parse_condition, 0, 0, INI_LIST },
	{ "cmdline", "set", parse_list, CHECK_CMDLINE_SET, P(cmdline_set), INI_LIST },
	{ "cmdline", "remove", parse_list, CHECK_CMDLINE_REMOVE, P(cmdline_remove), INI_LIST },
	{ "sysctl:", "value", parse_token, TOKEN_SYSCTL_VALUE, offsetof(struct hvc_sysctl, value),
		0 },
	{ "sysctl:", "only-if-exists", parse_bool, 0, offsetof(struct hvc_sysctl, only_if_exists),
		0 },
	{ "live", "clocksource", parse_list, CHECK_CLOCKSOURCE, P(live_clocksources), INI_LIST },
	{ "timesync", "required", parse_bool, 0, P(timesync_required), 0 },
	{ "host", "sysctl", parse_list, CHECK_HOST_SYSCTL, P(host_sysctls), INI_LIST },
	{ "host", "cmdline-set", parse_list, CHECK_HOST_CMDLINE, P(host_cmdline_set), INI_LIST },
	{ "host", "timesync", parse_bool, 0, P(host_timesync_required), 0 },
};

static const struct ini_schema profile_schema = {
	.sections = profile_sections,
	.n_sections = ELEMENTSOF(profile_sections),
	.items = profile_items,
	.n_items = ELEMENTSOF(profile_items),
	.sections_hint = "(expected profile, match, match:LABEL, expect, done-if, cmdline, "
			 "sysctl:KEY, live, timesync, host)",
	.outside_hint = " (the file starts with [profile])",
};

/* ---- whole-profile checks ----------------------------------------------------------------- */

static bool profile_finish(struct parser *ps)
{
	struct hvc_profile *p = ps->p;
	const char *base = strrchr(ps->path, '/');
	size_t blen, slen = strlen(PROFILE_SUFFIX);
	bool changes;

	base = base ? base + 1 : ps->path;
	blen = strlen(base);

	if (!ps->profile_line)
		return fail_at(ps, 1, "no [profile] section");
	if (!p->name)
		return fail_at(ps, ps->profile_line, "[profile] has no 'name'");
	if (!p->summary)
		return fail_at(ps, ps->profile_line, "[profile] has no 'summary'");
	if (blen <= slen || !streq(base + blen - slen, PROFILE_SUFFIX) ||
		strlen(p->name) != blen - slen || strncmp(p->name, base, blen - slen) != 0)
		return fail_at(ps, ps->name_line,
			"name '%s' does not match the file name '%s' (a profile lives in NAME%s)",
			p->name, base, PROFILE_SUFFIX);
	if (p->n_match == 0)
		return fail_at(ps, ps->profile_line,
			"no [match] section: a profile must say which guests it is for");

	changes = p->cmdline_set || p->cmdline_remove || p->n_sysctls || p->live_clocksources ||
		hvc_profile_has_host_part(p);
	if (!changes && !p->timesync_required && p->n_done_if == 0)
		return fail_at(ps, ps->profile_line,
			"profile changes nothing: it needs [cmdline], [sysctl:KEY], [live], [host] "
			"or "
			"[timesync] required = yes, or a [done-if] if it only claims guests as "
			"fine");
	return true;
}

int hvc_profile_load(const char *path, struct hvc_profile **ret, struct hvc_error *err)
{
	struct parser ps = { .path = path };
	FILE *f;
	int r;

	*ret = NULL;
	f = fopen(path, "re");
	if (!f)
		return hvc_error_set(
			err, -errno, "%s: cannot open profile: %s", path, strerror(errno));
	r = hvc_check_trusted(path, fileno(f), false, err);
	if (r < 0) {
		fclose(f);
		return r;
	}
	ps.p = xcalloc(1, sizeof(*ps.p));
	ps.p->path = xstrdup(path);

	r = ini_parse(path, f, &profile_schema, &ps, err);
	fclose(f);
	ps.ini = NULL;
	if (r == 0 && !profile_finish(&ps))
		r = hvc_error_set(err, -EINVAL, "%s:%d: %s", path, ps.err_line, ps.err);
	if (r == 0)
		*ret = TAKE_PTR(ps.p);
	hvc_profile_free(ps.p);
	free(ps.err);
	return r;
}

/* ---- profile sets ------------------------------------------------------------------------- */

static int profile_cmp(const void *a, const void *b)
{
	const struct hvc_profile *x = *(struct hvc_profile *const *)a;
	const struct hvc_profile *y = *(struct hvc_profile *const *)b;

	if (x->priority != y->priority)
		return x->priority > y->priority ? -1 : 1;
	return strcmp(x->name, y->name);
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int list_profile_files(const char *dir, char ***ret, struct hvc_error *err)
{
	_cleanup_strv_free_ char **names = NULL;
	size_t slen = strlen(PROFILE_SUFFIX);
	struct dirent *de;
	DIR *d;
	int fd, r;

	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return hvc_error_set(err, -errno,
			"%s: cannot open profile directory: %s (name another with --profiles-dir "
			"or $HVCLOCK_PROFILES_DIR)",
			dir, strerror(errno));
	r = hvc_check_trusted(dir, fd, true, err);
	if (r < 0) {
		close(fd);
		return r;
	}
	d = fdopendir(fd);
	if (!d) {
		r = -errno;
		close(fd);
		return hvc_error_set(
			err, r, "%s: cannot open profile directory: %s", dir, strerror(-r));
	}
	for (;;) {
		size_t len;

		errno = 0;
		de = readdir(d);
		if (!de) {
			int e = errno;
			if (e) {
				closedir(d);
				return hvc_error_set(err, -e,
					"%s: cannot read profile directory: %s", dir, strerror(e));
			}
			break;
		}
		len = strlen(de->d_name);
		/* Hidden files are editor and package manager leftovers, not profiles. */
		if (de->d_name[0] == '.' || len <= slen ||
			!streq(de->d_name + len - slen, PROFILE_SUFFIX))
			continue;
		strv_push(&names, de->d_name);
	}
	closedir(d);
	if (!names)
		return hvc_error_set(err, -ENOENT, "%s: no *%s files in the profile directory", dir,
			PROFILE_SUFFIX);
	qsort(names, strv_length(names), sizeof(char *), str_cmp);
	*ret = TAKE_PTR(names);
	return 0;
}

int hvc_profile_set_load(const char *dir, struct hvc_profile_set *ret, struct hvc_error *err)
{
	_cleanup_strv_free_ char **names = NULL;
	int r;

	memset(ret, 0, sizeof(*ret));
	r = list_profile_files(dir, &names, err);
	if (r < 0)
		return r;

	STRV_FOREACH (n, names) {
		_cleanup_free_ char *path = xasprintf("%s/%s", dir, *n);
		const struct hvc_profile *other;
		struct hvc_profile *p;
		struct stat st;

		if (stat(path, &st) < 0) {
			r = hvc_error_set(err, -errno, "%s: %s", path, strerror(errno));
			goto fail;
		}
		if (!S_ISREG(st.st_mode)) {
			r = hvc_error_set(err, -EINVAL, "%s: not a regular file", path);
			goto fail;
		}
		r = hvc_profile_load(path, &p, err);
		if (r < 0)
			goto fail;
		/* Unreachable while name = file name is enforced; kept as the set's own rule. */
		other = hvc_profile_set_find(ret, p->name);
		if (other) {
			r = hvc_error_set(err, -EEXIST,
				"%s: duplicate profile name '%s' (also in %s)", path, p->name,
				other->path);
			hvc_profile_free(p);
			goto fail;
		}
		ret->profiles = xrealloc(ret->profiles, ret->n + 1, sizeof(*ret->profiles));
		ret->profiles[ret->n++] = p;
	}
	qsort(ret->profiles, ret->n, sizeof(*ret->profiles), profile_cmp);
	return 0;
fail:
	hvc_profile_set_finish(ret);
	return r;
}

void hvc_profile_set_finish(struct hvc_profile_set *set)
{
	for (size_t i = 0; i < set->n; i++)
		hvc_profile_free(set->profiles[i]);
	free(set->profiles);
	set->profiles = NULL;
	set->n = 0;
}

const struct hvc_profile *hvc_profile_set_find(const struct hvc_profile_set *set, const char *name)
{
	for (size_t i = 0; i < set->n; i++)
		if (streq(set->profiles[i]->name, name))
			return set->profiles[i];
	return NULL;
}
