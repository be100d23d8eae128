/* cmdline.c: kernel command line tokenizing and set-like editing, as the kernel parses it. */
#include <errno.h>
#include <stdint.h>

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

static char **tokenize(const char *text, size_t *ret_n)
{
	char **l = xcalloc(1, sizeof(char *));
	const char *p = text ? text : "";
	size_t n = 0;

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
		n++;
	}
	*ret_n = n;
	return l;
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
	cl->tokens = tokenize(cl->original, &cl->n);
	cl->changed = false;
}

void hvc_cmdline_finish(struct hvc_cmdline *cl)
{
	strv_free(cl->tokens);
	free(cl->original);
	cl->tokens = NULL;
	cl->original = NULL;
	cl->n = 0;
	cl->changed = false;
}

char *hvc_cmdline_format(const struct hvc_cmdline *cl)
{
	if (!cl->changed)
		return xstrdup(cl->original ? cl->original : "");
	return strv_join(cl->tokens, " ");
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

int hvc_cmdline_set(struct hvc_cmdline *cl, const char *param)
{
	struct param want, p;
	size_t sep, last, at, k = 0;
	char **l;

	if (hvc_cmdline_param_valid(param) < 0)
		return -EINVAL;
	split_token(param, &want);
	sep = separator_index(cl);
	last = find_last(cl, &want);
	if (last != SIZE_MAX) {
		split_token(cl->tokens[last], &p);
		if (values_equal(&p, &want))
			return 0;
		at = last;
	} else {
		at = sep;
		if (at == cl->n && at > 0 && is_unterminated(cl->tokens[at - 1]))
			at--;
	}

	l = xcalloc(cl->n + 2, sizeof(char *));
	for (size_t i = 0; i <= cl->n; i++) {
		if (i == at)
			l[k++] = xstrdup(param);
		if (i == cl->n)
			break;
		if (i < sep) {
			split_token(cl->tokens[i], &p);
			if (names_equal(&p, &want)) {
				free(cl->tokens[i]);
				continue;
			}
		}
		l[k++] = cl->tokens[i];
	}
	l[k] = NULL;
	free(cl->tokens);
	cl->tokens = l;
	cl->n = k;
	update_changed(cl);
	return 1;
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
static char **settled_tokens(const struct hvc_cmdline *cl, char *const *sets)
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
		if (values_equal(&p, &want))
			keep[k++] = cl->tokens[last];
	}
	return keep;
}

char *hvc_cmdline_edit(const char *text, char *const *sets, char *const *removes, bool *ret_changed,
	const char **ret_bad)
{
	struct hvc_cmdline cl;
	_cleanup_free_ char **keep = NULL;
	char *out;

	if (ret_changed)
		*ret_changed = false;
	/* Check everything first: a half-applied edit must never reach a boot config. */
	for (int pass = 0; pass < 2; pass++)
		for (char *const *p = pass ? sets : removes; p && *p; p++)
			if (hvc_cmdline_param_valid(*p) < 0) {
				if (ret_bad)
					*ret_bad = *p;
				return NULL;
			}
	if (ret_bad)
		*ret_bad = NULL;

	hvc_cmdline_parse(&cl, text);
	keep = settled_tokens(&cl, sets);
	for (char *const *p = removes; p && *p; p++)
		(void)remove_tokens(&cl, *p, keep);
	for (char *const *p = sets; p && *p; p++)
		(void)hvc_cmdline_set(&cl, *p);
	out = hvc_cmdline_format(&cl);
	if (ret_changed)
		*ret_changed = cl.changed;
	hvc_cmdline_finish(&cl);
	return out;
}
