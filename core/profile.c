/* profile.c: load and validate remedy profiles, INI files parsed with libinih. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/cmdline.h"
#include "core/profile.h"
#include "core/token.h"

HVC_ENUM_IMPL(hvc_cond_kind, HVC_COND_LAST, "hypervisor", "guest-type", "boot-path", "kernel",
	"current-clocksource", "available-clocksource", "symptom", "sysctl-exists", "cpu-flags",
	"os-id")

#define PROFILE_SUFFIX ".profile"
#define PRIORITY_MIN (-1000)
#define PRIORITY_MAX 1000
#define NAME_MAX_LEN HVC_TOKEN_NAME_MAX
#define TOKEN_MAX_LEN 128
#define TEXT_MAX_LEN 1024
/* libinih copies section names into a 50-byte buffer and silently cuts longer ones. */
#define SECTION_MAX_LEN 49

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

/* How libinih treats a line; the reader classifies each line the same way. */
enum line_kind {
	LINE_BLANK, /* empty or comment */
	LINE_SECTION,
	LINE_KEY,
	LINE_CONTINUATION, /* indented line after a key: more of that key's value */
};

struct parser {
	const char *path;
	FILE *f;
	char *buf;
	size_t cap;
	int line; /* number of the line last handed to libinih */
	enum line_kind kind; /* of that line */
	bool prev_key; /* libinih's prev_name is set: indented lines continue it */

	struct hvc_profile *p;
	enum section sec;
	char *sec_name; /* as written between the brackets */
	int sec_line;
	char **sec_keys; /* keys seen in the current section */
	char *last_key; /* for continuation lines */
	char **sections; /* every header seen, for duplicates ... */
	int *section_lines; /* ... and where */

	int profile_line; /* line of [profile], 0 if there is none */
	int name_line;

	int err_line;
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

#define fail(ps, ...) fail_at((ps), (ps)->line, __VA_ARGS__)

/* libinih's ini_find_chars_or_comment(): first of chars, or an inline ';' after whitespace. */
static char *find_chars_or_comment(char *s, const char *chars)
{
	bool was_space = false;

	while (*s && !(chars && strchr(chars, *s)) && !(was_space && *s == ';')) {
		was_space = isspace((unsigned char)*s);
		s++;
	}
	return s;
}

/* ---- value checks ------------------------------------------------------------------------- */

/* Tokens: core/token.h holds the one rule for each kind. */
static bool valid_name(const char *s)
{
	return hvc_token_valid(HVC_TOKEN_NAME, s);
}

static bool valid_clocksource(const char *s)
{
	return hvc_token_valid(HVC_TOKEN_CLOCKSOURCE, s);
}

static bool valid_sysctl_key(const char *s)
{
	return hvc_token_valid(HVC_TOKEN_SYSCTL_KEY, s);
}

static bool valid_sysctl_value(const char *s)
{
	return hvc_token_valid(HVC_TOKEN_SYSCTL_VALUE, s);
}

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
			"(shared/domain.md §2a: \"if you do not know this value, do not set\")",
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
		if (!valid_clocksource(v))
			return fail(ps, "invalid clocksource name '%s' (expected [a-z0-9_-]+)", v);
		return true;
	case HVC_COND_SYSCTL_EXISTS:
		if (!valid_sysctl_key(v))
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
		return fail(ps, "unknown key '%s' in [%s] (expected %s)", key, ps->sec_name,
			enum_choices(hvc_cond_kind_to_string, 0, HVC_COND_LAST, choices,
				sizeof(choices)));
	}
	if (kind == HVC_COND_OS_ID && ps->sec != SECTION_MATCH)
		return fail(ps,
			"os-id is a host-side hint for choosing a profile and is allowed "
			"only in [match] blocks, not in [%s]",
			ps->sec_name);

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
				ps->sec_name);
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

static bool check_cmdline_set(struct parser *ps, const char *item, char *const *list)
{
	if (!check_param(ps, item, list, true))
		return false;
	if (param_listed(ps->p->cmdline_remove, item))
		return fail(ps, "'%s' is both set and removed", item);
	return true;
}

static bool check_cmdline_remove(struct parser *ps, const char *item, char *const *list)
{
	if (!check_param(ps, item, list, false))
		return false;
	if (param_listed(ps->p->cmdline_set, item))
		return fail(ps, "'%s' is both set and removed", item);
	return true;
}

static bool check_host_cmdline(struct parser *ps, const char *item, char *const *list)
{
	return check_param(ps, item, list, true);
}

static bool check_clocksource(struct parser *ps, const char *item, _unused_ char *const *list)
{
	if (!valid_clocksource(item))
		return fail(ps, "invalid clocksource name '%s' (expected [a-z0-9_-]+)", item);
	return true;
}

static bool check_host_sysctl(struct parser *ps, const char *item, char *const *list)
{
	const char *eq = strchr(item, '=');
	_cleanup_free_ char *key = eq ? xstrndup(item, (size_t)(eq - item)) : NULL;

	if (!eq)
		return fail(ps, "host sysctl '%s': expected KEY=VALUE", item);
	if (!valid_sysctl_key(key))
		return fail(ps,
			"host sysctl '%s': invalid sysctl key '%s' (expected [a-z0-9_.]+ "
			"with a dot)",
			item, key);
	if (!valid_sysctl_value(eq + 1))
		return fail(ps,
			"host sysctl '%s': invalid sysctl value '%s' (expected "
			"[A-Za-z0-9_.,:/+-]+: no spaces, quotes or control characters)",
			item, eq + 1);
	STRV_FOREACH (s, list)
		if (strncmp(*s, item, (size_t)(eq - item) + 1) == 0)
			return fail(ps, "host sysctl '%s' is set twice", key);
	return true;
}

static bool parse_bool(struct parser *ps, const char *key, const char *value, bool *ret)
{
	if (streq(value, "yes") || streq(value, "true"))
		*ret = true;
	else if (streq(value, "no") || streq(value, "false"))
		*ret = false;
	else
		return fail(ps, "bad boolean '%s' for %s (expected yes, no, true or false)", value,
			key);
	return true;
}

static bool parse_priority(struct parser *ps, const char *value, int *ret)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(value, &end, 10);
	if (errno || end == value || *end || v < PRIORITY_MIN || v > PRIORITY_MAX)
		return fail(ps, "bad priority '%s' (expected an integer from %d to %d)", value,
			PRIORITY_MIN, PRIORITY_MAX);
	*ret = (int)v;
	return true;
}

static bool set_text(
	struct parser *ps, const char *key, char **dst, const char *value, bool continuation)
{
	_cleanup_free_ char *s = continuation ? xasprintf("%s %s", *dst, value) : xstrdup(value);

	if (!string_is_printable(s))
		return fail(ps, "%s contains a control character", key);
	if (strlen(s) > TEXT_MAX_LEN)
		return fail(ps, "%s is longer than %d characters", key, TEXT_MAX_LEN);
	free(*dst);
	*dst = TAKE_PTR(s);
	return true;
}

static bool set_token(struct parser *ps, const char *key, char **dst, const char *value)
{
	if (strpbrk(value, " \t"))
		return fail(ps, "%s takes one value, got '%s'", key, value);
	free_and_strdup(dst, value);
	return true;
}

/* Keys that take one value; every other key takes a list or text. */
static bool key_is_scalar(enum section sec, const char *key)
{
	switch (sec) {
	case SECTION_PROFILE:
		return !streq(key, "summary") && !streq(key, "source");
	case SECTION_SYSCTL:
	case SECTION_TIMESYNC:
		return true;
	default:
		return false;
	}
}

static bool handle_profile_key(struct parser *ps, const char *key, const char *value, bool cont)
{
	struct hvc_profile *p = ps->p;

	if (streq(key, "name")) {
		if (!set_token(ps, key, &p->name, value))
			return false;
		if (!valid_name(p->name))
			return fail(ps,
				"invalid name '%s' (expected [a-z0-9-]+, at most %d "
				"characters, not starting with '-')",
				p->name, NAME_MAX_LEN);
		ps->name_line = ps->line;
		return true;
	}
	if (streq(key, "summary"))
		return set_text(ps, key, &p->summary, value, cont);
	if (streq(key, "source"))
		return set_text(ps, key, &p->source, value, cont);
	if (streq(key, "row")) {
		if (!set_token(ps, key, &p->row, value))
			return false;
		if (!valid_row(p->row))
			return fail(ps,
				"invalid row '%s' (expected a shared/domain.md §4 row such "
				"as X1, K2 or G, several joined by '/')",
				p->row);
		return true;
	}
	if (streq(key, "priority"))
		return parse_priority(ps, value, &p->priority);
	if (streq(key, "auto"))
		return parse_bool(ps, key, value, &p->auto_select);
	return fail(ps,
		"unknown key '%s' in [profile] (expected name, summary, source, row, "
		"priority, auto)",
		key);
}

static bool handle_key(struct parser *ps, const char *key, const char *value, bool cont)
{
	struct hvc_profile *p = ps->p;
	struct hvc_sysctl *s;

	switch (ps->sec) {
	case SECTION_NONE:
		return fail(
			ps, "'%s' is outside of any section (the file starts with [profile])", key);
	case SECTION_PROFILE:
		return handle_profile_key(ps, key, value, cont);
	case SECTION_MATCH:
	case SECTION_EXPECT:
	case SECTION_DONE_IF:
		return add_condition_values(ps, key, value);
	case SECTION_CMDLINE:
		if (streq(key, "set"))
			return add_list(ps, key, &p->cmdline_set, value, check_cmdline_set);
		if (streq(key, "remove"))
			return add_list(ps, key, &p->cmdline_remove, value, check_cmdline_remove);
		return fail(ps, "unknown key '%s' in [cmdline] (expected set, remove)", key);
	case SECTION_SYSCTL:
		s = &p->sysctls[p->n_sysctls - 1];
		if (streq(key, "value")) {
			if (!set_token(ps, key, &s->value, value))
				return false;
			if (!valid_sysctl_value(s->value))
				return fail(ps,
					"invalid sysctl value '%s' (expected [A-Za-z0-9_.,:/+-]+: "
					"no spaces, quotes or control characters)",
					s->value);
			return true;
		}
		if (streq(key, "only-if-exists"))
			return parse_bool(ps, key, value, &s->only_if_exists);
		return fail(ps, "unknown key '%s' in [%s] (expected value, only-if-exists)", key,
			ps->sec_name);
	case SECTION_LIVE:
		if (streq(key, "clocksource"))
			return add_list(ps, key, &p->live_clocksources, value, check_clocksource);
		return fail(ps, "unknown key '%s' in [live] (expected clocksource)", key);
	case SECTION_TIMESYNC:
		if (streq(key, "required"))
			return parse_bool(ps, key, value, &p->timesync_required);
		return fail(ps, "unknown key '%s' in [timesync] (expected required)", key);
	case SECTION_HOST:
		if (streq(key, "sysctl"))
			return add_list(ps, key, &p->host_sysctls, value, check_host_sysctl);
		if (streq(key, "cmdline-set"))
			return add_list(ps, key, &p->host_cmdline_set, value, check_host_cmdline);
		if (streq(key, "timesync"))
			return parse_bool(ps, key, value, &p->host_timesync_required);
		return fail(ps,
			"unknown key '%s' in [host] (expected sysctl, cmdline-set, timesync)", key);
	}
	return fail(ps, "internal error: unknown section state");
}

/* libinih handler: one call per "key = value" line and per continuation line. */
static int profile_handler(void *user, const char *section, const char *name, const char *raw)
{
	struct parser *ps = user;
	bool cont = ps->kind == LINE_CONTINUATION;
	_cleanup_free_ char *value = xstrdup(raw);
	const char *key;

	/* Older libinih (r55) keeps inline comments on continuation lines: drop them here. */
	*find_chars_or_comment(value, NULL) = '\0';
	strstrip(value);

	if (ps->err)
		return 0;
	/* The reader's view of the file must agree with libinih's. */
	if ((ps->kind != LINE_KEY && !cont) || !streq(section, ps->sec_name ? ps->sec_name : ""))
		return fail(ps, "internal error: libinih read this line differently from hvclock");
	if (cont) {
		key = ps->last_key;
		if (key_is_scalar(ps->sec, key))
			return fail(ps,
				"%s takes one value; an indented line continues a list or "
				"text and is not allowed here",
				key);
	} else {
		key = name;
		if (!*key)
			return fail(ps, "missing key name before '='");
		if (strv_contains(ps->sec_keys, key))
			return fail(ps, "duplicate key '%s' in [%s]", key, ps->sec_name);
		strv_push(&ps->sec_keys, key);
		free_and_strdup(&ps->last_key, key);
		if (!*value)
			return fail(ps, "key '%s' has no value", key);
	}
	return handle_key(ps, key, value, cont);
}

/* ---- sections ----------------------------------------------------------------------------- */

/* Checks when a section ends (at the next header or at the end of the file). */
static bool section_end(struct parser *ps)
{
	struct hvc_profile *p = ps->p;

	if (ps->sec == SECTION_NONE)
		return true;
	if (!ps->sec_keys)
		return fail_at(ps, ps->sec_line, "section [%s] is empty", ps->sec_name);
	if (ps->sec == SECTION_SYSCTL && !p->sysctls[p->n_sysctls - 1].value)
		return fail_at(ps, ps->sec_line, "[%s] has no 'value'", ps->sec_name);
	return true;
}

static bool section_begin(struct parser *ps, const char *name)
{
	static const struct {
		const char *name;
		enum section sec;
	} single[] = {
		{ "profile", SECTION_PROFILE },
		{ "expect", SECTION_EXPECT },
		{ "done-if", SECTION_DONE_IF },
		{ "cmdline", SECTION_CMDLINE },
		{ "live", SECTION_LIVE },
		{ "timesync", SECTION_TIMESYNC },
		{ "host", SECTION_HOST },
	};
	struct hvc_profile *p = ps->p;
	enum section sec = SECTION_NONE;
	size_t n = strv_length(ps->sections);

	if (!section_end(ps))
		return false;
	if (strlen(name) > SECTION_MAX_LEN)
		return fail(ps, "section name [%.20s...] is longer than %d characters", name,
			SECTION_MAX_LEN);

	for (size_t i = 0; i < ELEMENTSOF(single); i++)
		if (streq(name, single[i].name))
			sec = single[i].sec;
	if (streq(name, "match")) {
		sec = SECTION_MATCH;
	} else if (strncmp(name, "match:", 6) == 0) {
		if (!valid_name(name + 6))
			return fail(ps,
				"invalid block label in [%s] (expected [match:LABEL], LABEL of "
				"[a-z0-9-]+)",
				name);
		sec = SECTION_MATCH;
	} else if (strncmp(name, "sysctl:", 7) == 0) {
		if (!valid_sysctl_key(name + 7))
			return fail(ps,
				"invalid sysctl key '%s' in [%s] (expected [a-z0-9_.]+ with "
				"a dot)",
				name + 7, name);
		sec = SECTION_SYSCTL;
	}
	if (sec == SECTION_NONE)
		return fail(ps,
			"unknown section [%s] (expected profile, match, match:LABEL, expect, "
			"done-if, cmdline, sysctl:KEY, live, timesync, host)",
			name);

	for (size_t i = 0; i < n; i++)
		if (streq(ps->sections[i], name))
			return fail(ps, "duplicate section [%s] (first at line %d)", name,
				ps->section_lines[i]);
	strv_push(&ps->sections, name);
	ps->section_lines = xrealloc(ps->section_lines, n + 1, sizeof(int));
	ps->section_lines[n] = ps->line;

	ps->sec = sec;
	free_and_strdup(&ps->sec_name, name);
	ps->sec_line = ps->line;
	strv_free(ps->sec_keys);
	ps->sec_keys = NULL;
	free(ps->last_key);
	ps->last_key = NULL;

	switch (sec) {
	case SECTION_PROFILE:
		ps->profile_line = ps->line;
		break;
	case SECTION_MATCH:
		p->match = xrealloc(p->match, p->n_match + 1, sizeof(*p->match));
		p->match[p->n_match++] = (struct hvc_match_block){
			.label = xstrdup(name[5] == ':' ? name + 6 : ""),
		};
		break;
	case SECTION_SYSCTL:
		p->sysctls = xrealloc(p->sysctls, p->n_sysctls + 1, sizeof(*p->sysctls));
		p->sysctls[p->n_sysctls++] = (struct hvc_sysctl){
			.key = xstrdup(name + 7),
			.only_if_exists = true,
		};
		break;
	default:
		break;
	}
	return true;
}

/* ---- reading lines ------------------------------------------------------------------------ */

/*
 * Classify a line the way libinih's ini_parse_stream() does with its default build options
 * (comments ';' and '#' at line start, inline ';' comments, multi-line values). Section headers
 * are handled here, because libinih calls the handler for keys only: an empty or misspelled
 * section would otherwise pass unnoticed.
 */
static bool classify_line(struct parser *ps, char *line)
{
	char *start = line, *end;

	if (ps->line == 1 && strncmp(start, "\xEF\xBB\xBF", 3) == 0)
		start += 3;
	while (isspace((unsigned char)*start))
		start++;
	end = start + strlen(start);
	while (end > start && isspace((unsigned char)end[-1]))
		*--end = '\0';

	if (!*start || *start == ';' || *start == '#') {
		ps->kind = LINE_BLANK;
		return true;
	}
	if (ps->prev_key && start > line) {
		ps->kind = LINE_CONTINUATION;
		return true;
	}
	if (*start == '[') {
		ps->kind = LINE_SECTION;
		ps->prev_key = false;
		end = find_chars_or_comment(start + 1, "]");
		if (*end != ']')
			return fail(ps, "section header without a closing ']'");
		*end = '\0';
		for (const char *c = end + 1; *c && *c != ';' && *c != '#'; c++)
			if (!isspace((unsigned char)*c))
				return fail(ps, "unexpected text after ']' of [%s]", start + 1);
		return section_begin(ps, start + 1);
	}
	end = find_chars_or_comment(start, "=:");
	if (*end != '=' && *end != ':')
		return fail(ps, "expected 'key = value', a [section] header or a comment");
	ps->kind = LINE_KEY;
	ps->prev_key = end > start; /* libinih: a non-empty name before '=' */
	return true;
}

/* libinih reader (fgets()-like): whole lines only; a line longer than libinih's buffer fails. */
static char *profile_reader(char *str, int num, void *stream)
{
	struct parser *ps = stream;
	ssize_t len;

	if (ps->err)
		return NULL;
	len = getline(&ps->buf, &ps->cap, ps->f);
	if (len < 0)
		return NULL;
	ps->line++;
	if (memchr(ps->buf, '\0', (size_t)len)) {
		fail(ps, "line contains a NUL byte");
		return NULL;
	}
	/* Leave room for the newline and the NUL, or libinih would split the line. */
	if (len - (ps->buf[len - 1] == '\n') > num - 2) {
		fail(ps,
			"line is longer than %d characters; continue a long list or text on "
			"indented lines",
			num - 2);
		return NULL;
	}
	memcpy(str, ps->buf, (size_t)len + 1);
	if (!classify_line(ps, ps->buf))
		return NULL;
	return str;
}

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
	int r, line;

	*ret = NULL;
	ps.f = fopen(path, "re");
	if (!ps.f)
		return hvc_error_set(
			err, -errno, "%s: cannot open profile: %s", path, strerror(errno));
	r = hvc_check_trusted(path, fileno(ps.f), false, err);
	if (r < 0) {
		fclose(ps.f);
		return r;
	}
	ps.p = xcalloc(1, sizeof(*ps.p));
	ps.p->path = xstrdup(path);

	r = ini_parse_stream(profile_reader, &ps, profile_handler, &ps);
	if (r == -2) {
		r = hvc_error_set(err, -ENOMEM, "%s: out of memory", path);
		goto out;
	}
	if (!ps.err && ferror(ps.f)) {
		r = hvc_error_set(err, -EIO, "%s: read error", path);
		goto out;
	}
	if (!ps.err && r == 0 && section_end(&ps))
		profile_finish(&ps);

	/* libinih returns the line of the first error; keep the handler's message for it. */
	line = ps.err ? ps.err_line : r;
	if (r > 0 && r < line)
		line = r;
	if (ps.err && line == ps.err_line) {
		r = hvc_error_set(err, -EINVAL, "%s:%d: %s", path, line, ps.err);
		goto out;
	}
	if (line > 0) {
		r = hvc_error_set(err, -EINVAL, "%s:%d: syntax error", path, line);
		goto out;
	}
	*ret = TAKE_PTR(ps.p);
	r = 0;
out:
	if (ps.f)
		fclose(ps.f);
	hvc_profile_free(ps.p);
	free(ps.buf);
	free(ps.sec_name);
	strv_free(ps.sec_keys);
	free(ps.last_key);
	strv_free(ps.sections);
	free(ps.section_lines);
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
		return hvc_error_set(
			err, -errno, "%s: cannot open profile directory: %s", dir, strerror(errno));
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
