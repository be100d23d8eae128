/* cmdline.c: kernel command line tokenizing and set-like editing, as the kernel parses it. */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "core/cmdline.h"
#include "core/util.h"

/*
 * The kernel's isspace(), not libc's: its ctype table is Latin-1, so 0xA0
 * separates parameters as well, and the C locale must not decide what the
 * kernel will see.
 */
static bool kernel_isspace(char c)
{
	unsigned char u = (unsigned char)c;

	return u == ' ' || (u >= '\t' && u <= '\r') || u == 0xa0;
}

/* One token as next_arg() splits it; pointers into the token text, not terminated. */
struct param {
	const char *name;
	size_t name_len;
	const char *value; /* NULL for a flag */
	size_t value_len;
};

/*
 * Mirrors next_arg() quirk for quirk, because what matters is the name and
 * value the kernel will act on: one leading quote of the token is dropped, as
 * is a trailing quote of a quoted token or quoted value; an '=' at index 0
 * does not split.
 */
static void split_token(const char *token, struct param *p)
{
	bool quoted = token[0] == '"', value_quoted;
	const char *s = token + quoted;
	size_t len = strlen(s), eq = 0, start, end;
	bool ends_in_quote = len > 0 && s[len - 1] == '"';

	for (size_t i = 1; i < len; i++)
		if (s[i] == '=') {
			eq = i;
			break;
		}

	p->name = s;
	if (eq == 0) {
		p->name_len = quoted && ends_in_quote ? len - 1 : len;
		p->value = NULL;
		p->value_len = 0;
		return;
	}
	p->name_len = eq;
	start = eq + 1;
	end = len;
	value_quoted = start < len && s[start] == '"';
	if (value_quoted)
		start++;
	if ((quoted || value_quoted) && ends_in_quote)
		end = len - 1;
	/* `a="`: the opening quote is also the closing one. */
	if (end < start)
		end = start;
	p->value = s + start;
	p->value_len = end - start;
}

/* The kernel's parameq(): '-' and '_' are the same character in names. */
static bool names_equal(const struct param *a, const struct param *b)
{
	if (a->name_len != b->name_len)
		return false;
	for (size_t i = 0; i < a->name_len; i++) {
		char x = a->name[i] == '-' ? '_' : a->name[i];
		char y = b->name[i] == '-' ? '_' : b->name[i];
		if (x != y)
			return false;
	}
	return true;
}

static bool values_equal(const struct param *a, const struct param *b)
{
	if (!a->value || !b->value)
		return !a->value && !b->value;
	return a->value_len == b->value_len && memcmp(a->value, b->value, a->value_len) == 0;
}

/* parse_args() stops at a parameter named `--` without a value, so `"--"` counts too. */
static bool is_separator(const char *token)
{
	struct param p;

	split_token(token, &p);
	return !p.value && p.name_len == 2 && memcmp(p.name, "--", 2) == 0;
}

/*
 * An odd number of quotes means next_arg() ran to the end of the line in a
 * quote: anything appended after such a token would become part of it.
 */
static bool is_unterminated(const char *token)
{
	bool in_quote = false;

	for (const char *c = token; *c; c++)
		if (*c == '"')
			in_quote = !in_quote;
	return in_quote;
}

/* Tokens as next_arg() splits them; ret_start, ret_end (may be NULL): their byte offsets. */
static char **tokenize_spans(const char *text, size_t *ret_n, size_t **ret_start, size_t **ret_end)
{
	char **l = xcalloc(1, sizeof(char *));
	const char *t = text ? text : "", *p = t;
	size_t n = 0, *st = NULL, *en = NULL;

	for (;;) {
		const char *start;
		bool in_quote = false;

		while (kernel_isspace(*p))
			p++;
		if (!*p)
			break;
		/* A leading quote opens quoting exactly like next_arg()'s special case does. */
		for (start = p; *p && (in_quote || !kernel_isspace(*p)); p++)
			if (*p == '"')
				in_quote = !in_quote;
		strv_consume(&l, xstrndup(start, (size_t)(p - start)));
		if (ret_start) {
			st = xrealloc(st, n + 1, sizeof(size_t));
			en = xrealloc(en, n + 1, sizeof(size_t));
			st[n] = (size_t)(start - t);
			en[n] = (size_t)(p - t);
		}
		n++;
	}
	*ret_n = n;
	if (ret_start) {
		*ret_start = st;
		*ret_end = en;
	}
	return l;
}

static char **tokenize(const char *text, size_t *ret_n)
{
	return tokenize_spans(text, ret_n, NULL, NULL);
}

static size_t separator_index(const struct hvc_cmdline *cl)
{
	for (size_t i = 0; i < cl->n; i++)
		if (is_separator(cl->tokens[i]))
			return i;
	return cl->n;
}

/*
 * "Changed" means the tokens differ from the original's, not that an edit
 * ran: a remove followed by a set that puts the same token back is no
 * change, which keeps hvc_cmdline_edit() idempotent on its own output.
 */
static void update_changed(struct hvc_cmdline *cl)
{
	size_t n;
	_cleanup_strv_free_ char **orig = tokenize(cl->original, &n);

	cl->changed = n != cl->n;
	for (size_t i = 0; !cl->changed && i < n; i++)
		cl->changed = !streq(orig[i], cl->tokens[i]);
}

void hvc_cmdline_parse(struct hvc_cmdline *cl, const char *text)
{
	cl->original = xstrdup(text ? text : "");
	cl->tokens = tokenize_spans(cl->original, &cl->n, &cl->orig_start, &cl->orig_end);
	cl->orig_n = cl->n;
	cl->origin = xcalloc(cl->n + 1, sizeof(size_t));
	for (size_t i = 0; i < cl->n; i++)
		cl->origin[i] = i;
	cl->changed = false;
}

void hvc_cmdline_finish(struct hvc_cmdline *cl)
{
	strv_free(cl->tokens);
	free(cl->original);
	free(cl->origin);
	free(cl->orig_start);
	free(cl->orig_end);
	cl->origin = cl->orig_start = cl->orig_end = NULL;
	cl->orig_n = 0;
	cl->tokens = NULL;
	cl->original = NULL;
	cl->n = 0;
	cl->changed = false;
}

/* Text between tokens (or at an end) that is more than spaces: a kernel <= 2.6.25 sees it. */
static bool only_spaces(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] != ' ')
			return false;
	return true;
}

static void append_gap(char **out, const char *s, size_t len, const char *otherwise)
{
	char *t = only_spaces(s, len) ? xasprintf("%s%s", *out, otherwise)
				      : xasprintf("%s%.*s", *out, (int)len, s);
	free(*out);
	*out = t;
}

char *hvc_cmdline_format(const struct hvc_cmdline *cl)
{
	const char *o = cl->original ? cl->original : "";
	char *out;

	if (!cl->changed)
		return xstrdup(o);
	out = xstrdup("");
	for (size_t k = 0; k < cl->n; k++) {
		size_t at = cl->origin[k], prev = k > 0 ? cl->origin[k - 1] : SIZE_MAX;
		char *t;

		if (k == 0 && at == 0)
			append_gap(&out, o, cl->orig_start[0], "");
		else if (k > 0 && at != SIZE_MAX && prev != SIZE_MAX && at == prev + 1)
			append_gap(&out, o + cl->orig_end[prev],
				cl->orig_start[at] - cl->orig_end[prev], " ");
		else if (k > 0)
			append_gap(&out, "", 0, " ");
		t = xasprintf("%s%s", out, cl->tokens[k]);
		free(out);
		out = t;
		if (at != SIZE_MAX && at + 1 == cl->orig_n)
			append_gap(&out, o + cl->orig_end[at], strlen(o + cl->orig_end[at]), "");
	}
	return out;
}

static bool is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		c == '_' || c == '.' || c == '-';
}

int hvc_cmdline_param_valid(const char *param)
{
	const char *eq;
	size_t name_len;

	if (!param)
		return -EINVAL;
	eq = strchr(param, '=');
	name_len = eq ? (size_t)(eq - param) : strlen(param);
	/* A leading '-' would let `--` (the init separator) or `-x` in as a "parameter". */
	if (name_len == 0 || param[0] == '-')
		return -EINVAL;
	for (size_t i = 0; i < name_len; i++)
		if (!is_name_char(param[i]))
			return -EINVAL;
	if (!eq)
		return 0;
	/*
	 * The value goes verbatim into libvirt XML, xl configs, grub.cfg and
	 * shell-quoted /etc/default/grub: anything one of them would split,
	 * unquote or expand is refused, as is non-ASCII (0xA0 splits).
	 */
	for (const char *c = eq + 1; *c; c++) {
		unsigned char u = (unsigned char)*c;
		if (u <= ' ' || u >= 0x7f || strchr("\"'\\`$;&|<>", u))
			return -EINVAL;
	}
	return 0;
}

static bool name_from_string(const char *name, struct param *p)
{
	if (!name || !*name)
		return false;
	p->name = name;
	p->name_len = strlen(name);
	p->value = NULL;
	p->value_len = 0;
	return true;
}

/* Index of the effective (last) occurrence of want's name before `--`, or SIZE_MAX. */
static size_t find_last(const struct hvc_cmdline *cl, const struct param *want)
{
	size_t sep = separator_index(cl), last = SIZE_MAX;
	struct param p;

	for (size_t i = 0; i < sep; i++) {
		split_token(cl->tokens[i], &p);
		if (names_equal(&p, want))
			last = i;
	}
	return last;
}

bool hvc_cmdline_has(const struct hvc_cmdline *cl, const char *name)
{
	struct param want;

	return name_from_string(name, &want) && find_last(cl, &want) != SIZE_MAX;
}

char *hvc_cmdline_get_value(const struct hvc_cmdline *cl, const char *name)
{
	struct param want, p;
	size_t i;

	if (!name_from_string(name, &want))
		return NULL;
	i = find_last(cl, &want);
	if (i == SIZE_MAX)
		return NULL;
	split_token(cl->tokens[i], &p);
	return p.value ? xstrndup(p.value, p.value_len) : NULL;
}

/* strict: a token holds param only if it is param's exact text (no quotes, same spelling). */
static int set_token(struct hvc_cmdline *cl, const char *param, bool strict)
{
	struct param want, p;
	size_t sep, last, at, k = 0, *origin;
	char **l;

	if (hvc_cmdline_param_valid(param) < 0)
		return -EINVAL;
	split_token(param, &want);
	sep = separator_index(cl);
	last = find_last(cl, &want);
	if (last != SIZE_MAX) {
		split_token(cl->tokens[last], &p);
		if (values_equal(&p, &want) && (!strict || streq(cl->tokens[last], param)))
			return 0;
		at = last;
	} else {
		at = sep;
		if (at == cl->n && at > 0 && is_unterminated(cl->tokens[at - 1]))
			at--;
	}

	l = xcalloc(cl->n + 2, sizeof(char *));
	origin = xcalloc(cl->n + 2, sizeof(size_t));
	for (size_t i = 0; i <= cl->n; i++) {
		if (i == at) {
			/* In the place of the last occurrence: keep the text around it. */
			origin[k] = last != SIZE_MAX ? cl->origin[last] : SIZE_MAX;
			l[k++] = xstrdup(param);
		}
		if (i == cl->n)
			break;
		if (i < sep) {
			split_token(cl->tokens[i], &p);
			if (names_equal(&p, &want)) {
				free(cl->tokens[i]);
				continue;
			}
		}
		origin[k] = cl->origin[i];
		l[k++] = cl->tokens[i];
	}
	l[k] = NULL;
	free(cl->tokens);
	free(cl->origin);
	cl->tokens = l;
	cl->origin = origin;
	cl->n = k;
	update_changed(cl);
	return 1;
}

int hvc_cmdline_set(struct hvc_cmdline *cl, const char *param)
{
	return set_token(cl, param, false);
}

/* Tokens in keep (compared by address) survive even if they match. */
static int remove_tokens(struct hvc_cmdline *cl, const char *param, char *const *keep)
{
	struct param want, p;
	size_t sep, k = 0;

	if (hvc_cmdline_param_valid(param) < 0)
		return -EINVAL;
	split_token(param, &want);
	sep = separator_index(cl);
	for (size_t i = 0; i < cl->n; i++) {
		bool kept = false;

		for (char *const *t = keep; t && *t && !kept; t++)
			kept = *t == cl->tokens[i];
		if (i < sep && !kept) {
			split_token(cl->tokens[i], &p);
			if (names_equal(&p, &want) && (!want.value || values_equal(&p, &want))) {
				free(cl->tokens[i]);
				continue;
			}
		}
		cl->origin[k] = cl->origin[i];
		cl->tokens[k++] = cl->tokens[i];
	}
	if (k == cl->n)
		return 0;
	cl->tokens[k] = NULL;
	cl->n = k;
	update_changed(cl);
	return 1;
}

int hvc_cmdline_remove(struct hvc_cmdline *cl, const char *param)
{
	return remove_tokens(cl, param, NULL);
}

/*
 * The effective tokens that already hold what the sets leave for their names.
 * Removing one and letting its set add it back would move it behind every
 * later append on each run, so the edit would never settle.
 */
static char **settled_tokens(const struct hvc_cmdline *cl, char *const *sets, bool strict)
{
	char **keep = xcalloc(strv_length(sets) + 1, sizeof(char *));
	size_t k = 0;

	for (char *const *s = sets; s && *s; s++) {
		struct param want, later, p;
		bool overridden = false;
		size_t last;

		split_token(*s, &want);
		for (char *const *t = s + 1; *t && !overridden; t++) {
			split_token(*t, &later);
			overridden = names_equal(&later, &want);
		}
		if (overridden)
			continue;
		last = find_last(cl, &want);
		if (last == SIZE_MAX)
			continue;
		split_token(cl->tokens[last], &p);
		if (values_equal(&p, &want) && (!strict || streq(cl->tokens[last], *s)))
			keep[k++] = cl->tokens[last];
	}
	return keep;
}

/*
 * What follows `--`, for the kernels that parse it anyway (before 3.15): every
 * token a remove names goes, every token of a set's name becomes the set.
 */
static void edit_past_separator(struct hvc_cmdline *cl, char *const *sets, char *const *removes)
{
	size_t sep = separator_index(cl), k = sep;

	for (size_t i = sep; i < cl->n; i++) {
		struct param p, want;
		bool gone = false;
		const char *to = NULL;

		split_token(cl->tokens[i], &p);
		for (char *const *r = removes; i > sep && r && *r && !gone; r++) {
			split_token(*r, &want);
			gone = names_equal(&p, &want) && (!want.value || values_equal(&p, &want));
		}
		for (char *const *st = sets; i > sep && !gone && st && *st; st++) {
			split_token(*st, &want);
			if (names_equal(&p, &want))
				to = *st; /* the last set of a name wins */
		}
		if (gone) {
			free(cl->tokens[i]);
			continue;
		}
		if (to && !streq(to, cl->tokens[i])) {
			free(cl->tokens[i]);
			cl->tokens[i] = xstrdup(to);
		}
		cl->origin[k] = cl->origin[i];
		cl->tokens[k++] = cl->tokens[i];
	}
	cl->tokens[k] = NULL;
	cl->n = k;
	update_changed(cl);
}

/* The edit, its parameters already checked. */
static char *edit_text(const char *text, char *const *sets, char *const *removes, bool strict,
	bool past_separator, bool *ret_changed)
{
	struct hvc_cmdline cl;
	_cleanup_free_ char **keep = NULL;
	char *out;

	hvc_cmdline_parse(&cl, text);
	keep = settled_tokens(&cl, sets, strict);
	for (char *const *p = removes; p && *p; p++)
		(void)remove_tokens(&cl, *p, keep);
	for (char *const *p = sets; p && *p; p++)
		(void)set_token(&cl, *p, strict);
	if (past_separator)
		edit_past_separator(&cl, sets, removes);
	out = hvc_cmdline_format(&cl);
	if (ret_changed)
		*ret_changed = cl.changed;
	hvc_cmdline_finish(&cl);
	return out;
}

static const char *first_invalid(char *const *sets, char *const *removes)
{
	for (int pass = 0; pass < 2; pass++)
		for (char *const *p = pass ? sets : removes; p && *p; p++)
			if (hvc_cmdline_param_valid(*p) < 0)
				return *p;
	return NULL;
}

char *hvc_cmdline_edit(const char *text, char *const *sets, char *const *removes, bool *ret_changed,
	const char **ret_bad)
{
	/* Check everything first: a half-applied edit must never reach a boot config. */
	const char *bad = first_invalid(sets, removes);

	if (ret_changed)
		*ret_changed = false;
	if (ret_bad)
		*ret_bad = bad;
	if (bad)
		return NULL;
	return edit_text(text, sets, removes, false, false, ret_changed);
}

/* ---- how each kernel generation reads the line ---- */

static const char *const gen_names[HVC_LINUX_GEN_LAST] = {
	"unknown",
	"2.6.18-2.6.25",
	"2.6.26-3.14",
	"3.15-4.1",
	"4.2+",
};

const char *hvc_linux_gen_to_string(enum hvc_linux_gen gen)
{
	return gen < HVC_LINUX_GEN_LAST ? gen_names[gen] : "unknown";
}

bool hvc_linux_release_version(const char *release, unsigned long v[3])
{
	const char *p = release;
	char *end;

	v[0] = v[1] = v[2] = 0;
	if (!p || !isdigit((unsigned char)*p))
		return false;
	for (int i = 0; i < 3; i++) {
		if (!isdigit((unsigned char)*p))
			break;
		v[i] = strtoul(p, &end, 10);
		p = end;
		if (*p != '.')
			break;
		p++;
	}
	return !(v[0] < 2 || (v[0] == 2 && v[1] < 6) || v[0] > 99);
}

enum hvc_linux_gen hvc_linux_gen_from_release(const char *release)
{
	unsigned long v[3];

	if (!hvc_linux_release_version(release, v))
		return HVC_LINUX_GEN_UNKNOWN;
	if (v[0] == 2 && v[2] <= 25)
		return HVC_LINUX_GEN_2_6_18;
	if (v[0] == 2 || (v[0] == 3 && v[1] <= 14))
		return HVC_LINUX_GEN_2_6_26;
	if (v[0] == 3 || (v[0] == 4 && v[1] < 2))
		return HVC_LINUX_GEN_3_15;
	return HVC_LINUX_GEN_4_2;
}

size_t hvc_linux_cmdline_max(const char *release, bool xen_pv)
{
	unsigned long v[3];
	/* COMMAND_LINE_SIZE counts the NUL; so does Xen's MAX_GUEST_CMDLINE. */
	size_t max = 2047;

	if (!hvc_linux_release_version(release, v) || (v[0] == 2 && v[2] <= 26))
		max = 255;
	return xen_pv && max > 1023 ? 1023 : max;
}

long hvc_cmdline_growth(const char *old, const char *new)
{
	size_t o = old ? strlen(old) : 0, n = new ? strlen(new) : 0;
	/* A value that appears where there was none also brings its separating space. */
	return (long)n - (long)o + (o == 0 && n > 0);
}

int hvc_cmdline_fits_running(
	const char *release, bool xen_pv, const char *running, long growth, char **ret_why)
{
	size_t max = hvc_linux_cmdline_max(release, xen_pv), len;

	*ret_why = NULL;
	if (!running || growth <= 0)
		return 0;
	len = strlen(running);
	if (len + (size_t)growth <= max)
		return 0;
	*ret_why = xasprintf("the running kernel line (/proc/cmdline, %zu bytes) would grow to %zu "
			     "bytes, "
			     "past the limit of %zu bytes for %s%s%s (Linux cuts the end, where "
			     "the edit goes)",
		len, len + (size_t)growth, max, release ? "Linux " : "a kernel of unknown release",
		release ? release : "", xen_pv ? " as a Xen PV guest" : "");
	return -E2BIG;
}

static bool gen_isspace(enum hvc_linux_gen gen, char c)
{
	return gen == HVC_LINUX_GEN_2_6_18 ? c == ' ' : kernel_isspace(c);
}

/*
 * next_arg() of generation gen, on a writable copy: *param and *val point
 * into it (val NULL for a flag). Returns the rest, separators skipped.
 */
static char *gen_next_arg(enum hvc_linux_gen gen, char *args, char **param, char **val)
{
	size_t i, equals = 0;
	bool in_quote = false, quoted = false;

	if (*args == '"') {
		args++;
		in_quote = quoted = true;
	}
	for (i = 0; args[i]; i++) {
		if (gen_isspace(gen, args[i]) && !in_quote)
			break;
		if (equals == 0 && args[i] == '=')
			equals = i;
		if (args[i] == '"')
			in_quote = !in_quote;
	}
	*param = args;
	*val = NULL;
	if (equals) {
		args[equals] = '\0';
		*val = args + equals + 1;
		if (**val == '"') {
			(*val)++;
			if (args[i - 1] == '"')
				args[i - 1] = '\0';
		}
		/* Before 4.2 a quoted token lost its closing quote only if it had a value. */
		if (gen != HVC_LINUX_GEN_4_2 && quoted && args[i - 1] == '"')
			args[i - 1] = '\0';
	}
	if (gen == HVC_LINUX_GEN_4_2 && quoted && i > 0 && args[i - 1] == '"')
		args[i - 1] = '\0';
	if (args[i]) {
		args[i] = '\0';
		args += i + 1;
	} else {
		args += i;
	}
	while (gen_isspace(gen, *args))
		args++;
	return args;
}

struct kparam {
	char *name, *val;
	bool init; /* after a `--` that ends the kernel's parameters (3.15 and later) */
};

struct kread {
	char *buf;
	struct kparam *p;
	size_t n;
};

/* parse_args() of generation gen over text. */
static void gen_read(enum hvc_linux_gen gen, const char *text, struct kread *r)
{
	char *args, *param, *val;
	bool init = false;

	r->buf = xstrdup(text ? text : "");
	r->p = xcalloc(strlen(r->buf) + 1, sizeof(*r->p));
	r->n = 0;
	args = r->buf;
	while (gen_isspace(gen, *args))
		args++;
	while (*args) {
		args = gen_next_arg(gen, args, &param, &val);
		if (!init && gen >= HVC_LINUX_GEN_3_15 && !val && streq(param, "--")) {
			init = true;
			continue;
		}
		r->p[r->n++] = (struct kparam){ param, val, init };
	}
}

static void kread_done(struct kread *r)
{
	free(r->buf);
	free(r->p);
}

/* Names as generation gen compares them: parameq() from 4.2, strcmp() before (see cmdline.h). */
static bool gen_names_equal(enum hvc_linux_gen gen, const char *a, const char *b, size_t b_len)
{
	struct param x = { a, strlen(a), NULL, 0 }, y = { b, b_len, NULL, 0 };

	if (gen == HVC_LINUX_GEN_4_2)
		return names_equal(&x, &y);
	return x.name_len == b_len && memcmp(a, b, b_len) == 0;
}

/* Whether a parameter is one the edit names (any spelling, a kept closing quote aside). */
static bool named_by(const struct kparam *kp, char *const *sets, char *const *removes)
{
	size_t len = strlen(kp->name);
	struct param x, want;

	if (len > 0 && kp->name[len - 1] == '"')
		len--;
	x = (struct param){ kp->name, len, NULL, 0 };
	for (int pass = 0; pass < 2; pass++)
		for (char *const *s = pass ? sets : removes; s && *s; s++) {
			split_token(*s, &want);
			if (names_equal(&x, &want))
				return true;
		}
	return false;
}

static bool kparam_equal(const struct kparam *a, const struct kparam *b)
{
	return a->init == b->init && streq(a->name, b->name) && streq_ptr(a->val, b->val);
}

/* The read-back under one generation; old (may be NULL): every other parameter unchanged. */
static bool holds_one(enum hvc_linux_gen gen, const char *old, const char *text, char *const *sets,
	char *const *removes)
{
	struct kread r, o = { 0 };
	bool ok = true;

	gen_read(gen, text, &r);
	for (char *const *s = sets; ok && s && *s; s++) {
		struct param want;
		const struct kparam *last = NULL;

		split_token(*s, &want);
		/* A later set of the same name decides. */
		for (char *const *t = s + 1; *t && ok; t++) {
			struct param later;
			split_token(*t, &later);
			if (names_equal(&later, &want))
				goto next;
		}
		for (size_t i = 0; i < r.n; i++)
			if (!r.p[i].init &&
				gen_names_equal(gen, r.p[i].name, want.name, want.name_len))
				last = &r.p[i];
		ok = last &&
			(want.value ? last->val && strlen(last->val) == want.value_len &&
						memcmp(last->val, want.value, want.value_len) == 0
				    : !last->val);
	next:;
	}
	for (char *const *s = removes; ok && s && *s; s++) {
		struct param want;
		bool still = false;

		split_token(*s, &want);
		/* A set of the name may put it back: only what no set says must be gone. */
		for (char *const *t = sets; t && *t && !still; t++) {
			struct param st;
			split_token(*t, &st);
			still = names_equal(&st, &want);
		}
		for (size_t i = 0; i < r.n && !still; i++)
			if (!r.p[i].init &&
				gen_names_equal(gen, r.p[i].name, want.name, want.name_len) &&
				(!want.value ||
					(r.p[i].val && strlen(r.p[i].val) == want.value_len &&
						memcmp(r.p[i].val, want.value, want.value_len) ==
							0)))
				ok = false;
	}
	if (ok && old) {
		size_t j = 0;

		gen_read(gen, old, &o);
		for (size_t i = 0; i < o.n && ok; i++) {
			if (named_by(&o.p[i], sets, removes))
				continue;
			while (j < r.n && named_by(&r.p[j], sets, removes))
				j++;
			ok = j < r.n && kparam_equal(&o.p[i], &r.p[j]);
			j++;
		}
		while (ok && j < r.n && named_by(&r.p[j], sets, removes))
			j++;
		ok = ok && j == r.n;
		kread_done(&o);
	}
	kread_done(&r);
	return ok;
}

/* Under gen's reading, or under each for UNKNOWN; *ret_failed: the first reading that fails. */
static bool holds_all(enum hvc_linux_gen gen, const char *old, const char *text, char *const *sets,
	char *const *removes, enum hvc_linux_gen *ret_failed)
{
	for (enum hvc_linux_gen g = HVC_LINUX_GEN_2_6_18; g < HVC_LINUX_GEN_LAST; g++)
		if ((gen == HVC_LINUX_GEN_UNKNOWN || gen == g) &&
			!holds_one(g, old, text, sets, removes)) {
			if (ret_failed)
				*ret_failed = g;
			return false;
		}
	return true;
}

bool hvc_cmdline_holds_gen(
	enum hvc_linux_gen gen, const char *text, char *const *set, char *const *remove)
{
	return !first_invalid(set, remove) && holds_all(gen, NULL, text, set, remove, NULL);
}

char *hvc_cmdline_edit_gen(enum hvc_linux_gen gen, size_t max, const char *text, char *const *sets,
	char *const *removes, bool *ret_changed, char **ret_why)
{
	const char *bad = first_invalid(sets, removes);
	enum hvc_linux_gen failed = HVC_LINUX_GEN_UNKNOWN;
	char *out = NULL;

	*ret_why = NULL;
	if (ret_changed)
		*ret_changed = false;
	if (bad) {
		*ret_why = xasprintf("kernel parameter '%s' is not valid", bad);
		return NULL;
	}
	/*
	 * The plain edit first; then one that also edits what follows `--`;
	 * then each rewriting every token of a named parameter (quotes,
	 * spelling) to the set's exact text.
	 */
	for (int c = 0; c < 4 && !out; c++) {
		bool changed = false;
		char *t = edit_text(text, sets, removes, c >= 2, c % 2 == 1, &changed);

		if (holds_all(gen, text, t, sets, removes, &failed)) {
			out = t;
			if (ret_changed)
				*ret_changed = changed;
		} else
			free(t);
	}
	if (!out) {
		*ret_why = xasprintf("no edit is right for how Linux %s reads the line%s (a tab, "
				     "quote or `--` that kernels read differently)",
			hvc_linux_gen_to_string(failed),
			gen == HVC_LINUX_GEN_UNKNOWN ? ", and the kernel release is not known"
						     : "");
		return NULL;
	}
	if (max && strlen(out) > max && strlen(out) > strlen(text ? text : "")) {
		*ret_why = xasprintf(
			"the new line would be %zu bytes, more than the %zu the kernel "
			"keeps (COMMAND_LINE_SIZE; Xen's MAX_GUEST_CMDLINE for a PV "
			"guest)%s",
			strlen(out), max,
			gen == HVC_LINUX_GEN_UNKNOWN ? "; the kernel release is not known, so the "
						       "smallest limit counts"
						     : "");
		free(out);
		if (ret_changed)
			*ret_changed = false;
		return NULL;
	}
	return out;
}

int hvc_cmdline_text_check(const char *text, bool in_shell, const char **ret_why)
{
	const char *why = NULL;

	if (!text)
		why = "is not known";
	else if (strlen(text) > HVC_CMDLINE_MAX)
		why = "is longer than a kernel command line (2047 bytes)";
	else
		for (const char *c = text; *c && !why; c++) {
			unsigned char u = (unsigned char)*c;
			if (u < ' ' || u >= 0x7f)
				why = "holds a tab, newline or non-ASCII byte, which hvclock does "
				      "not edit";
			else if (strchr("'\\`$", u))
				why = "holds one of ' \\ ` $ (shell quoting or expansion), which "
				      "hvclock does not edit";
			else if (in_shell && u == '"')
				why = "holds a double quote inside the shell assignment, which "
				      "hvclock does not edit";
		}
	if (ret_why)
		*ret_why = why;
	return why ? -EINVAL : 0;
}

/*
 * GRUB_CMDLINE_LINUX_DEFAULT comes after GRUB_CMDLINE_LINUX on the kernel
 * line: take out what would override the edit (see hvc_boot_edit_compute()).
 */
static char *edit_override(
	const char *text, char *const *sets, char *const *removes, bool *ret_changed)
{
	struct hvc_cmdline cl;
	_cleanup_free_ char **keep = NULL;
	size_t k = 0;
	char *out;

	hvc_cmdline_parse(&cl, text);
	/* Tokens equal to a set already say what the edit says. */
	keep = xcalloc(cl.n + 1, sizeof(char *));
	for (size_t i = 0; i < cl.n; i++) {
		struct param p, want;
		split_token(cl.tokens[i], &p);
		for (char *const *s = sets; s && *s; s++) {
			split_token(*s, &want);
			if (names_equal(&p, &want) && values_equal(&p, &want)) {
				keep[k++] = cl.tokens[i];
				break;
			}
		}
	}
	for (char *const *r = removes; r && *r; r++)
		(void)remove_tokens(&cl, *r, keep);
	for (char *const *s = sets; s && *s; s++) {
		struct param want;
		_cleanup_free_ char *name = NULL;
		split_token(*s, &want);
		name = xstrndup(want.name, want.name_len);
		(void)remove_tokens(&cl, name, keep);
	}
	out = hvc_cmdline_format(&cl);
	*ret_changed = cl.changed;
	hvc_cmdline_finish(&cl);
	return out;
}

/* grubby's idea of a name: the text before the first '=' (the whole token without one). */
static bool grubby_name_is(const char *token, const char *name)
{
	size_t n = strcspn(token, "=");

	return strlen(name) == n && strncmp(token, name, n) == 0;
}

static char *grubby_name(const char *token)
{
	return xstrndup(token, strcspn(token, "="));
}

static void strv_remove_at(char **l, size_t i)
{
	free(l[i]);
	memmove(l + i, l + i + 1, (strv_length(l + i + 1) + 1) * sizeof(char *));
}

/*
 * What grubby makes of args for --remove-args/--args. bls: Fedora's
 * grubby-bls (a remove `name=value` drops the first equal token, a remove
 * `name` every `name` and `name=...`; an add drops every token of its name,
 * then all adds are appended). Else grubby.c and hvclock's sim: a remove drops
 * every token equal to it or of its name, an add replaces every token of its
 * name in place or is appended.
 */
static char *grubby_model(const char *args, char *const *removes, char *const *adds, bool bls)
{
	_cleanup_strv_free_ char **t = strv_split(args, " ");

	for (char *const *r = removes; r && *r; r++) {
		bool named = !strchr(*r, '=');
		for (size_t i = 0; t[i];) {
			if (!streq(t[i], *r) && !(named && grubby_name_is(t[i], *r))) {
				i++;
				continue;
			}
			strv_remove_at(t, i);
			if (bls && !named)
				break;
		}
	}
	for (char *const *a = adds; a && *a; a++) {
		_cleanup_free_ char *name = grubby_name(*a);
		bool done = false;
		for (size_t i = 0; t[i];) {
			if (!grubby_name_is(t[i], name)) {
				i++;
				continue;
			}
			if (bls) {
				strv_remove_at(t, i);
				continue;
			}
			free(t[i]);
			t[i] = xstrdup(*a);
			done = true;
			i++;
		}
		if (!bls && !done)
			strv_push(&t, *a);
	}
	if (bls)
		for (char *const *a = adds; a && *a; a++)
			strv_push(&t, *a);
	return strv_join(t, " ");
}

static bool grubby_makes(const char *old, const char *new, char *const *removes, char *const *adds)
{
	for (int bls = 0; bls < 2; bls++) {
		_cleanup_free_ char *got = grubby_model(old, removes, adds, bls);
		if (!streq(got, new))
			return false;
	}
	return true;
}

/*
 * Remove/add lists for grubby, the first that works: only removals (new is
 * old with tokens taken out); the tokens that went and those that came
 * (appended); every token from the first difference on removed and new's rest
 * appended. Returns false if neither makes exactly new under both models.
 */
static bool grubby_lists(const char *old, const char *new, char ***ret_remove, char ***ret_add)
{
	_cleanup_strv_free_ char **o = strv_split(old, " "), **n = strv_split(new, " ");
	_cleanup_strv_free_ char **rm = NULL, **add = NULL;
	size_t i = 0, j = 0, common = 0;

	/* Removals only: new's tokens are old's, in order, with some left out. */
	for (i = 0; o[i]; i++)
		if (n[j] && streq(o[i], n[j]))
			j++;
		else if (!strv_contains(rm, o[i]))
			strv_push(&rm, o[i]);
	if (!n[j] && grubby_makes(old, new, rm, NULL))
		goto done;
	strv_free(rm);
	rm = NULL;

	/* Tokens that went, and those that came, the latter appended. */
	for (i = 0; o[i]; i++)
		if (!strv_contains(n, o[i]) && !strv_contains(rm, o[i]))
			strv_push(&rm, o[i]);
	for (i = 0; n[i]; i++)
		if (!strv_contains(o, n[i]))
			strv_push(&add, n[i]);
	if (grubby_makes(old, new, rm, add))
		goto done;
	strv_free(rm);
	strv_free(add);
	rm = add = NULL;

	while (o[common] && n[common] && streq(o[common], n[common]))
		common++;
	for (i = common; o[i]; i++)
		if (!strv_contains(rm, o[i]))
			strv_push(&rm, o[i]);
	for (i = common; n[i]; i++)
		strv_push(&add, n[i]);
	if (!grubby_makes(old, new, rm, add))
		return false;
done:
	*ret_remove = TAKE_PTR(rm);
	*ret_add = TAKE_PTR(add);
	return true;
}

void hvc_boot_edit_done(struct hvc_boot_edit *e)
{
	free(e->old);
	free(e->new);
	free(e->default_old);
	free(e->default_new);
	strv_free(e->grubby_remove);
	strv_free(e->grubby_add);
	memset(e, 0, sizeof(*e));
}

int hvc_boot_edit_compute(const char *release, bool xen_pv, const char *running, bool grubby,
	const char *what, const char *old, const char *default_what, const char *default_old,
	char *const *set, char *const *remove, struct hvc_boot_edit *e, char **ret_why)
{
	_cleanup_free_ char *gen_why = NULL;
	enum hvc_linux_gen gen = hvc_linux_gen_from_release(release);
	const char *why = NULL;

	if (!what)
		what = grubby ? "grubby's default kernel command line"
			      : "GRUB_CMDLINE_LINUX in /etc/default/grub";
	if (!default_what)
		default_what = "GRUB_CMDLINE_LINUX_DEFAULT in /etc/default/grub";
	bool changed = false;

	memset(e, 0, sizeof(*e));
	*ret_why = NULL;
	if (hvc_cmdline_text_check(old, !grubby, &why) < 0) {
		*ret_why = xasprintf("%s %s", what, why);
		return -EINVAL;
	}
	if (!grubby && default_old && hvc_cmdline_text_check(default_old, true, &why) < 0) {
		*ret_why = xasprintf("%s %s", default_what, why);
		return -EINVAL;
	}
	e->old = xstrdup(old);
	e->new = hvc_cmdline_edit_gen(gen, hvc_linux_cmdline_max(release, xen_pv), old, set, remove,
		&e->changed, &gen_why);
	if (!e->new) {
		*ret_why = first_invalid(set, remove) ? TAKE_PTR(gen_why)
						      : xasprintf("%s: %s", what, gen_why);
		goto fail;
	}
	if (hvc_cmdline_text_check(e->new, !grubby, &why) < 0) {
		*ret_why = xasprintf("the new value of %s %s", what, why);
		goto fail;
	}
	if (!grubby && default_old) {
		e->default_old = xstrdup(default_old);
		e->default_new = edit_override(default_old, set, remove, &changed);
		e->changed = e->changed || changed;
		/* GRUB puts _DEFAULT after GRUB_CMDLINE_LINUX: read the two back together. */
		_cleanup_free_ char *both = xasprintf("%s %s", e->new, e->default_new);
		if (!hvc_cmdline_holds_gen(gen, both, set, remove)) {
			*ret_why = xasprintf("%s would still override the edit for how Linux %s "
					     "reads the line",
				default_what, hvc_linux_gen_to_string(gen));
			goto fail;
		}
	}
	/* The kernel gets more than this value: check the whole running line grown by the edit. */
	if (hvc_cmdline_fits_running(release, xen_pv, running,
		    hvc_cmdline_growth(e->old, e->new) +
			    (e->default_old ? hvc_cmdline_growth(e->default_old, e->default_new)
					    : 0),
		    ret_why) < 0)
		goto fail;
	if (grubby && e->changed) {
		if (!grubby_lists(e->old, e->new, &e->grubby_remove, &e->grubby_add)) {
			*ret_why = xasprintf("grubby cannot make exactly '%s' from %s (it splits "
					     "on spaces and appends what it adds)",
				e->new, what);
			goto fail;
		}
		STRV_FOREACH (t, e->grubby_remove)
			if (hvc_cmdline_text_check(*t, false, NULL) < 0)
				goto fail_token;
		STRV_FOREACH (t, e->grubby_add)
			if (hvc_cmdline_text_check(*t, false, NULL) < 0)
				goto fail_token;
	}
	return 0;
fail_token:
	*ret_why = xasprintf("grubby cannot be given the arguments for '%s'", e->new);
fail:
	hvc_boot_edit_done(e);
	return -EINVAL;
}

static size_t strv_count_of(char *const *l, const char *s)
{
	size_t n = 0;
	for (; l && *l; l++)
		n += streq(*l, s);
	return n;
}

int hvc_boot_line_compute(const char *release, bool xen_pv, const char *running, const char *what,
	const char *old, bool in_shell, bool ostree, char *const *set, char *const *remove,
	struct hvc_boot_edit *e, char **ret_why)
{
	_cleanup_free_ char *gen_why = NULL;
	const char *why = NULL;
	_cleanup_strv_free_ char **o = NULL, **n = NULL;
	size_t common = 0;

	memset(e, 0, sizeof(*e));
	*ret_why = NULL;
	if (hvc_cmdline_text_check(old, in_shell, &why) < 0) {
		*ret_why = xasprintf("%s %s", what, why);
		return -EINVAL;
	}
	e->old = xstrdup(old);
	e->new = hvc_cmdline_edit_gen(hvc_linux_gen_from_release(release),
		hvc_linux_cmdline_max(release, xen_pv), old, set, remove, &e->changed, &gen_why);
	if (!e->new) {
		*ret_why = first_invalid(set, remove) ? TAKE_PTR(gen_why)
						      : xasprintf("%s: %s", what, gen_why);
		goto fail;
	}
	if (hvc_cmdline_text_check(e->new, in_shell, &why) < 0) {
		*ret_why = xasprintf("the new value of %s %s", what, why);
		goto fail;
	}
	if (hvc_cmdline_fits_running(
		    release, xen_pv, running, hvc_cmdline_growth(e->old, e->new), ret_why) < 0)
		goto fail;
	if (!ostree || !e->changed)
		return 0;
	if (strchr(e->old, '"') || strchr(e->new, '"')) {
		*ret_why = xasprintf("%s holds a double quote, which hvclock does not pass to "
				     "rpm-ostree kargs",
			what);
		goto fail;
	}
	o = strv_split(e->old, " ");
	n = strv_split(e->new, " ");
	while (o[common] && n[common] && streq(o[common], n[common]))
		common++;
	for (size_t i = common; o[i]; i++) {
		if (strv_count_of(o, o[i]) != 1) {
			*ret_why = xasprintf("rpm-ostree kargs --delete=%s would be ambiguous: %s "
					     "holds it more than once",
				o[i], what);
			goto fail;
		}
		strv_push(&e->grubby_remove, o[i]);
	}
	for (size_t i = common; n[i]; i++) {
		if (strv_count_of(n, n[i]) != 1) {
			*ret_why = xasprintf("the new %s would hold '%s' more than once, which "
					     "rpm-ostree kargs --delete cannot take back exactly",
				what, n[i]);
			goto fail;
		}
		strv_push(&e->grubby_add, n[i]);
	}
	return 0;
fail:
	hvc_boot_edit_done(e);
	return -EINVAL;
}

bool hvc_boot_item_id_valid(const char *id)
{
	size_t len = id ? strlen(id) : 0;
	if (len == 0 || len > 255 || id[0] == '-')
		return false;
	for (const char *c = id; *c; c++)
		if (!isalnum((unsigned char)*c) && !strchr("/._+:@-", *c))
			return false;
	return !strstr(id, "..");
}

void hvc_boot_edits_free(struct hvc_boot_edit *e, size_t n)
{
	for (size_t i = 0; e && i < n; i++)
		hvc_boot_edit_done(&e[i]);
	free(e);
}

int hvc_boot_items_compute(const char *release, bool xen_pv, const char *running,
	char *const *items, char *const *set, char *const *remove, struct hvc_boot_edit **ret,
	size_t *ret_n, bool *ret_changed, char **ret_why)
{
	size_t n = strv_length(items), i;
	struct hvc_boot_edit *e;

	*ret = NULL;
	*ret_n = 0;
	*ret_changed = false;
	*ret_why = NULL;
	if (n == 0) {
		*ret_why = xstrdup("the boot loader reported no command line to edit");
		return -EINVAL;
	}
	e = xcalloc(n, sizeof(*e));
	for (i = 0; i < n; i++) {
		const char *sp = strchr(items[i], ' ');
		_cleanup_free_ char *id =
			sp ? xstrndup(items[i], (size_t)(sp - items[i])) : xstrdup(items[i]);
		_cleanup_free_ char *what = NULL;
		bool ostree = streq(id, "rpm-ostree");
		if (!hvc_boot_item_id_valid(id)) {
			*ret_why = xstrdup("a boot loader item has a name hvclock does not send");
			goto fail;
		}
		what = ostree ? xstrdup("rpm-ostree kargs")
			: streq(id, "/etc/update-extlinux.conf")
			? xstrdup("default_kernel_opts in /etc/update-extlinux.conf")
			: xstrdup(id);
		if (hvc_boot_line_compute(release, xen_pv, running, what, sp ? sp + 1 : "",
			    streq(id, "/etc/update-extlinux.conf"), ostree, set, remove, &e[i],
			    ret_why) < 0)
			goto fail;
		*ret_changed = *ret_changed || e[i].changed;
	}
	*ret = e;
	*ret_n = n;
	return 0;
fail:
	hvc_boot_edits_free(e, n);
	return -EINVAL;
}

char *hvc_boot_items_text(char *const *items, const struct hvc_boot_edit *edits)
{
	_cleanup_strv_free_ char **parts = NULL;
	for (size_t i = 0; items && items[i]; i++) {
		const char *sp = strchr(items[i], ' ');
		size_t idlen = sp ? (size_t)(sp - items[i]) : strlen(items[i]);
		const char *v = edits ? edits[i].new : sp ? sp + 1 : "";
		strv_consume(&parts, xasprintf("%.*s: %s", (int)idlen, items[i], v));
	}
	return strv_join(parts, "; ");
}
