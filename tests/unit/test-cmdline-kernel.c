/*
 * test-cmdline-kernel.c: core/cmdline.c against a port of the kernel's own parser.
 *
 * The oracle below restates, in this project's words, how Linux (>= 4.2; read at
 * github:torvalds/linux) splits its command line:
 *   - lib/cmdline.c, next_arg() (kernel/params.c before it moved): one parameter;
 *   - kernel/params.c, parse_args(): the loop over next_arg() that stops at `--`;
 *   - kernel/params.c, parameq()/dash2underscore(): '-' and '_' are one character in names;
 *   - lib/ctype.c, _ctype[]: isspace() is true for \t \n \v \f \r, space and 0xA0 (Latin-1).
 * The kernel acts on the last occurrence of a parameter. Each input (the editor's table rows,
 * hand-picked quirks, and random strings from a fixed seed) is checked two ways: the C
 * editor's tokens and values are the oracle's, and an edit, read back by the oracle, makes
 * every set effective, leaves nothing a remove names, keeps every other parameter's effective
 * value and the init arguments after `--`, and settles (editing its output changes nothing).
 */
#include <errno.h>
#include <stdint.h>

#include "core/cmdline.h"
#include "core/util.h"
#include "tests/harness.h"
#include "tests/unit/cmdline-cases.h"

/* ---- the oracle ---- */

static bool k_isspace(unsigned char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r') || c == 0xa0;
}

static char *k_skip_spaces(char *s)
{
	while (k_isspace((unsigned char)*s))
		s++;
	return s;
}

/*
 * next_arg(): a leading quote is dropped and opens quoting; the parameter runs to the first
 * blank outside quotes (every '"' toggles quoting); the first '=' after index 0 ends the name.
 * A value that starts with a quote loses it, and then the last character of the parameter if
 * that is a quote; a parameter that started with a quote loses its last character if that is
 * (still) a quote. The parameter is cut off in place; returns the rest, blanks skipped.
 */
static char *k_next_arg(char *args, char **param, char **val)
{
	unsigned int i, eq = 0;
	bool in_quote = false, quoted = false;

	if (*args == '"') {
		args++;
		in_quote = quoted = true;
	}
	for (i = 0; args[i]; i++) {
		if (k_isspace((unsigned char)args[i]) && !in_quote)
			break;
		if (eq == 0 && args[i] == '=')
			eq = i;
		if (args[i] == '"')
			in_quote = !in_quote;
	}
	*param = args;
	*val = NULL;
	if (eq) {
		args[eq] = '\0';
		*val = args + eq + 1;
		if (**val == '"') {
			(*val)++;
			if (args[i - 1] == '"')
				args[i - 1] = '\0';
		}
	}
	if (quoted && i > 0 && args[i - 1] == '"')
		args[i - 1] = '\0';
	if (args[i]) {
		args[i] = '\0';
		args += i + 1;
	} else {
		args += i;
	}
	return k_skip_spaces(args);
}

struct k_param {
	char *name, *val; /* val NULL: a flag */
};

/* parse_args(): every parameter before the first value-less `--`; *ret_init: what follows. */
struct k_parse {
	char *buf;
	struct k_param *p;
	size_t n, n_all; /* before `--`; all tokens, `--` and init arguments included */
	char **init; /* the init arguments' tokens (as next_arg() cuts them) */
};

static void k_parse(const char *text, struct k_parse *r)
{
	char *args, *param, *val;
	bool in_init = false;

	memset(r, 0, sizeof(*r));
	r->buf = xstrdup(text);
	r->p = xcalloc(strlen(text) + 1, sizeof(*r->p));
	r->init = xcalloc(1, sizeof(char *));
	args = k_skip_spaces(r->buf);
	while (*args) {
		args = k_next_arg(args, &param, &val);
		r->n_all++;
		if (in_init) {
			_cleanup_free_ char *t =
				val ? xasprintf("%s=%s", param, val) : xstrdup(param);
			strv_push(&r->init, t);
			continue;
		}
		if (!val && streq(param, "--")) {
			in_init = true;
			continue;
		}
		r->p[r->n++] = (struct k_param){ param, val };
	}
}

static void k_parse_free(struct k_parse *r)
{
	free(r->buf);
	free(r->p);
	strv_free(r->init);
}

/* parameq(): names equal with '-' and '_' the same. */
static bool k_parameq(const char *a, const char *b)
{
	for (; *a || *b; a++, b++) {
		char x = *a == '-' ? '_' : *a, y = *b == '-' ? '_' : *b;
		if (x != y)
			return false;
	}
	return true;
}

/* The effective (last) occurrence of name, or NULL. */
static const struct k_param *k_effective(const struct k_parse *r, const char *name)
{
	const struct k_param *last = NULL;

	for (size_t i = 0; i < r->n; i++)
		if (k_parameq(r->p[i].name, name))
			last = &r->p[i];
	return last;
}

/* ---- the checks ---- */

static void report_input(const char *what, const char *s)
{
	printf("# %s: \"", what);
	for (const unsigned char *c = (const unsigned char *)s; *c; c++)
		if (*c < 0x20 || *c >= 0x7f || *c == '"' || *c == '\\')
			printf("\\x%02x", *c);
		else
			putchar(*c);
	printf("\"\n");
}

static bool failed_once(bool cond, const char *what, const char *in)
{
	if (cond)
		return false;
	if (!hvc_test_case_failed)
		report_input(what, in);
	hvc_test_case_failed = 1;
	return true;
}

/* The C tokenizer and value lookup say what the oracle says. */
static void check_tokens(const char *text)
{
	struct hvc_cmdline cl;
	struct k_parse r;

	hvc_cmdline_parse(&cl, text);
	k_parse(text, &r);
	failed_once(cl.n == r.n_all, "token count differs from the kernel's", text);
	for (size_t i = 0; i < r.n; i++) {
		const struct k_param *e;
		_cleanup_free_ char *v = NULL;

		if (!*r.p[i].name)
			continue; /* `""`: the editor takes no empty name */
		e = k_effective(&r, r.p[i].name);
		v = hvc_cmdline_get_value(&cl, r.p[i].name);
		if (failed_once(hvc_cmdline_has(&cl, r.p[i].name),
			    "a parameter the kernel sees is missing", text) ||
			failed_once(streq_ptr(v, e->val),
				"effective value differs from the kernel's", text))
			break;
	}
	k_parse_free(&r);
	hvc_cmdline_finish(&cl);
}

static char *param_name(const char *param)
{
	return xstrndup(param, strcspn(param, "="));
}

static bool names_in(char *const *l, const char *name)
{
	STRV_FOREACH (p, l) {
		_cleanup_free_ char *n = param_name(*p);
		if (k_parameq(n, name))
			return true;
	}
	return false;
}

/* What the kernel makes of edit(text) is what the edit promises. */
static void check_edit(const char *text, char *const *set, char *const *remove)
{
	_cleanup_free_ char *out = NULL, *again = NULL;
	bool changed = false, changed_again = true;
	struct k_parse in, o;

	out = hvc_cmdline_edit(text, set, remove, &changed, NULL);
	if (failed_once(out != NULL, "edit refused valid parameters", text))
		return;
	k_parse(text, &in);
	k_parse(out, &o);

	/* Every set holds: the last set of each name is the effective value. */
	STRV_FOREACH (s, set) {
		_cleanup_free_ char *name = param_name(*s);
		const char *eq = strchr(*s, '=');
		const struct k_param *e;
		bool later = false;

		for (char *const *t = s + 1; *t; t++) {
			_cleanup_free_ char *n = param_name(*t);
			later = later || k_parameq(n, name);
		}
		if (later)
			continue;
		e = k_effective(&o, name);
		if (failed_once(e && streq_ptr(e->val, eq ? eq + 1 : NULL),
			    "a set is not effective", text))
			break;
	}
	/* Nothing a remove names is left (sets of the same name win). */
	STRV_FOREACH (rm, remove) {
		_cleanup_free_ char *name = param_name(*rm);
		const char *eq = strchr(*rm, '=');

		if (names_in(set, name))
			continue;
		for (size_t i = 0; i < o.n; i++)
			if (k_parameq(o.p[i].name, name) && (!eq || streq_ptr(o.p[i].val, eq + 1)))
				failed_once(false, "a removed parameter is left", text);
	}
	/* Every other parameter keeps its effective value. */
	for (size_t i = 0; i < in.n; i++) {
		const struct k_param *a, *b;
		bool touched = names_in(set, in.p[i].name) || names_in(remove, in.p[i].name);

		if (touched || !*in.p[i].name)
			continue;
		a = k_effective(&in, in.p[i].name);
		b = k_effective(&o, in.p[i].name);
		if (failed_once(
			    b && streq_ptr(a->val, b->val), "an untouched parameter changed", text))
			break;
	}
	/* The init arguments after `--` are the same tokens. */
	failed_once(strv_length(in.init) == strv_length(o.init), "init arguments changed", text);
	for (size_t i = 0; in.init[i] && o.init[i]; i++)
		failed_once(streq(in.init[i], o.init[i]), "init arguments changed", text);
	/* The edit settles. */
	again = hvc_cmdline_edit(out, set, remove, &changed_again, NULL);
	failed_once(again && !changed_again && streq(again, out), "the edit does not settle", text);

	k_parse_free(&in);
	k_parse_free(&o);
}

static void test_table_rows(void)
{
	for (size_t i = 0; i < ELEMENTSOF(edit_cases); i++) {
		const struct edit_case *c = &edit_cases[i];

		check_tokens(c->in);
		check_tokens(c->out);
		check_edit(c->in, (char *const *)c->set, (char *const *)c->remove);
	}
}

static const char *const quirks[] = {
	"",
	"   ",
	"\"",
	"\"\"",
	"\"\"\"",
	"a=\"",
	"a=\"\"",
	"\"a=b\"",
	"\"a=b c\" d",
	"a=\"b c\" d",
	"a=\"b\"c",
	"\"a\"=b",
	"a\"b c\"=d e",
	"=a b=",
	"==a",
	"a==b",
	"-- a",
	"\"--\" a",
	"--=x a",
	"a -- b -- c",
	"a\t--\tb",
	"a\240b=c\240--\240d", /* 0xA0 in octal: a hex escape would swallow the next letter */
	"\xa0\xa0",
	"a=\240b",
	"a\"\xa0\"b c",
	"a\n\nb\r\n",
	"a\vb\fc",
	"x=1 x-y=2 x_y=3",
	"clocksource=\"jiffies\" ro",
	"ro clocksource=\"tsc",
	"ro a=\"x -- b",
	"\"unterminated a b",
	"a= b=\"\" c=\"\"\"",
};

static void test_quirks(void)
{
	char *const sets[] = { "a=1", "b", "x_y=4", "clocksource=tsc", NULL };
	char *const removes[] = { "c", "x-y=2", "clocksource", "d=", NULL };

	for (size_t i = 0; i < ELEMENTSOF(quirks); i++) {
		check_tokens(quirks[i]);
		check_edit(quirks[i], sets, NULL);
		check_edit(quirks[i], NULL, removes);
		check_edit(quirks[i], sets, removes);
	}
}

/* xorshift64*: a fixed seed, the same inputs on every run and machine. */
static uint64_t rng = 0x9e3779b97f4a7c15ULL;
static uint32_t next_rand(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (uint32_t)((rng * 0x2545f4914f6cdd1dULL) >> 32);
}

static void test_random(void)
{
	static const char *const frags[] = { "a", "b", "c", "d", "x-y", "x_y", "=", "\"", " ", "  ",
		"\t", "\n", "\xa0", "--", "-- ", "1", "2", "clocksource", "tsc", "=\"", "\" ", "-",
		"_", ".", "==" };
	static const char *const pool[] = { "a", "a=1", "a=", "b", "b=2", "c=x=y", "x-y=3", "x_y",
		"d", "clocksource=tsc", "clocksource", "tsc=reliable", "x.y=1" };
	size_t runs = 10000, failures = 0;

	for (size_t r = 0; r < runs && failures < 5; r++) {
		char text[128] = "";
		char *set[4] = { 0 }, *remove[4] = { 0 };
		size_t n = next_rand() % 16, ns = next_rand() % 4, nr = next_rand() % 4;

		for (size_t i = 0; i < n; i++)
			strcat(text, frags[next_rand() % ELEMENTSOF(frags)]);
		for (size_t i = 0; i < ns; i++)
			set[i] = (char *)pool[next_rand() % ELEMENTSOF(pool)];
		for (size_t i = 0; i < nr; i++)
			remove[i] = (char *)pool[next_rand() % ELEMENTSOF(pool)];
		check_tokens(text);
		check_edit(text, set, remove);
		failures += hvc_test_case_failed ? 1 : 0;
	}
}

int main(void)
{
	static const struct hvc_test tests[] = {
		HVC_TEST(test_table_rows),
		HVC_TEST(test_quirks),
		HVC_TEST(test_random),
	};

	return hvc_test_run(tests, ELEMENTSOF(tests));
}
