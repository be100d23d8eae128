/* xlcfg.c: read xl config files with libxlutil; rewrite the kernel command line as text. */
#define LIBXL_API_VERSION 0x041400

#include <errno.h>
#include <limits.h>
#include <stdio.h>

#include <libxlutil.h>

#include "backends/libxl/xlcfg.h"

/*
 * libxlutil parses but has no writer (no setter, no serializer), so the
 * rewrite is text work: a tokenizer that follows libxlutil's lexer
 * (tools/libs/util/libxlu_cfg_l.l, Xen 4.17) finds the byte range of each
 * assignment's value, and only that range is replaced. It runs only on text
 * libxlutil has already accepted, and every result is parsed again by
 * libxlutil and compared with the original before it is handed out.
 *
 * The lexer, for reference: IDENT [a-z][._0-9a-z]*, NUMBER [0-9][0-9a-fx]*,
 * STRING '...' or "..." on one line with backslash escapes, `[ ] , = += ;`,
 * blanks [ \t], NEWLINE `\n` or `#...\n` (so a comment must end with a
 * newline: "# x" at the very end of a file is a lexical error, as are CR
 * characters and upper-case keys). Grammar: statements `IDENT = value` or
 * `IDENT += value` ended by a newline or ';' (the last one may end the file);
 * value = atom or a `[...]` list (nested, newlines allowed inside). The last
 * assignment of a key wins; `+=` appends to the value before it.
 */

/* ---- libxlutil ---- */

/* A parsed config and the report stream libxlutil writes its messages to (it must outlive cfg). */
struct xlu {
	XLU_Config *cfg;
	FILE *report;
	char *buf;
	size_t len;
};

static void xlu_close(struct xlu *x)
{
	if (x->cfg)
		xlu_cfg_destroy(x->cfg);
	if (x->report)
		fclose(x->report);
	free(x->buf);
	memset(x, 0, sizeof(*x));
}

/* libxlutil's report as one line: lines joined with "; ", no trailing newline. */
static char *report_text(struct xlu *x)
{
	char *s, *out;
	size_t o = 0;

	fflush(x->report);
	s = x->buf && x->len ? x->buf : "";
	out = xmalloc(strlen(s) * 2 + 1);
	for (const char *p = s; *p; p++) {
		if (*p == '\n') {
			if (p[1])
				o += (size_t)sprintf(out + o, "; ");
		} else {
			out[o++] = *p;
		}
	}
	out[o] = '\0';
	return out;
}

static int xlu_open(const char *text, const char *source, struct xlu *x, struct hvc_error *err)
{
	size_t n = strlen(text);
	int r;

	memset(x, 0, sizeof(*x));
	if (n > INT_MAX)
		return hvc_error_set(err, -EFBIG, "cannot parse %s: too large", source);
	x->report = open_memstream(&x->buf, &x->len);
	if (!x->report)
		return hvc_error_set(err, -errno, "cannot parse %s: %s", source, strerror(errno));
	x->cfg = xlu_cfg_init(x->report, source);
	if (!x->cfg) {
		xlu_close(x);
		return hvc_error_set(err, -ENOMEM, "cannot parse %s: out of memory", source);
	}
	r = xlu_cfg_readdata(x->cfg, text, (int)n);
	if (r) {
		_cleanup_free_ char *msg = report_text(x);
		xlu_close(x);
		return hvc_error_set(
			err, -EINVAL, "cannot parse the xl config: %s", *msg ? msg : strerror(r));
	}
	return 0;
}

/* A key's string value, or NULL when it is absent or a list. Borrowed from x. */
static const char *get_str(const struct xlu *x, const char *key)
{
	const char *v = NULL;

	if (xlu_cfg_get_string(x->cfg, key, &v, 1) != 0)
		return NULL;
	return v;
}

static bool lists_equal(const XLU_Config *ca, const XLU_ConfigList *a, const XLU_Config *cb,
	const XLU_ConfigList *b)
{
	for (int i = 0;; i++) {
		XLU_ConfigValue *va = xlu_cfg_get_listitem2(a, i),
				*vb = xlu_cfg_get_listitem2(b, i);
		if (!va || !vb)
			return !va && !vb;
		if (xlu_cfg_value_type(va) != xlu_cfg_value_type(vb))
			return false;
		if (xlu_cfg_value_type(va) == XLU_STRING) {
			char *sa = NULL, *sb = NULL;
			xlu_cfg_value_get_string(ca, va, &sa, 1);
			xlu_cfg_value_get_string(cb, vb, &sb, 1);
			if (!streq_ptr(sa, sb))
				return false;
		} else {
			XLU_ConfigList *la = NULL, *lb = NULL;
			xlu_cfg_value_get_list(ca, va, &la, 1);
			xlu_cfg_value_get_list(cb, vb, &lb, 1);
			if (!la || !lb || !lists_equal(ca, la, cb, lb))
				return false;
		}
	}
}

/* Same value (string, or list item by item, nested) for key in both, or absent from both. */
static bool key_equal(const struct xlu *a, const struct xlu *b, const char *key)
{
	const char *sa = NULL, *sb = NULL;
	XLU_ConfigList *la = NULL, *lb = NULL;
	int ra = xlu_cfg_get_string(a->cfg, key, &sa, 1);
	int rb = xlu_cfg_get_string(b->cfg, key, &sb, 1);

	if (ra != rb)
		return false;
	if (ra == 0)
		return streq(sa, sb);
	if (ra == ESRCH)
		return true;
	if (xlu_cfg_get_list(a->cfg, key, &la, NULL, 1) ||
		xlu_cfg_get_list(b->cfg, key, &lb, NULL, 1))
		return false;
	return lists_equal(a->cfg, la, b->cfg, lb);
}

/* ---- what a config boots ---- */

/* xl's type test: strncmp(buf, name, strlen(buf)) == 0, i.e. buf is a prefix of name. */
static bool xl_prefix(const char *buf, const char *name)
{
	return strncmp(buf, name, strlen(buf)) == 0;
}

bool hvc_xl_kernel_is_grub(const char *kernel)
{
	const char *base;

	if (!kernel || !*kernel)
		return false;
	base = strrchr(kernel, '/');
	base = base ? base + 1 : kernel;
	return strcasestr(base, "grub") != NULL;
}

bool hvc_xl_kernel_is_hvmloader(const char *kernel)
{
	const char *base;

	/* libxl_basename(): the part after the last '/', compared with strcmp(). */
	if (!kernel)
		return false;
	base = strrchr(kernel, '/');
	base = base ? base + 1 : kernel;
	return strcmp(base, "hvmloader") == 0;
}

enum hvc_boot_path hvc_xl_boot_path(
	enum hvc_guest_type type, const char *kernel, const char *bootloader, const char *firmware)
{
	switch (type) {
	case HVC_GUEST_TYPE_HVM:
		/* xl drops an HVM kernel= named hvmloader and boots the firmware. */
		if (hvc_xl_kernel_is_hvmloader(kernel))
			return HVC_BOOT_FIRMWARE;
		return kernel && *kernel ? HVC_BOOT_DIRECT_KERNEL : HVC_BOOT_FIRMWARE;
	case HVC_GUEST_TYPE_PV:
	case HVC_GUEST_TYPE_PVH:
		if (bootloader && *bootloader)
			return HVC_BOOT_BOOTLOADER;
		if (firmware && *firmware)
			return HVC_BOOT_PVGRUB;
		if (kernel && *kernel)
			return hvc_xl_kernel_is_grub(kernel) ? HVC_BOOT_PVGRUB
							     : HVC_BOOT_DIRECT_KERNEL;
		return HVC_BOOT_UNKNOWN;
	default:
		return HVC_BOOT_UNKNOWN;
	}
}

void hvc_xlcfg_finish(struct hvc_xlcfg *c)
{
	free(c->name);
	free(c->uuid);
	free(c->kernel);
	free(c->ramdisk);
	free(c->bootloader);
	free(c->firmware);
	free(c->cmdline);
	free(c->boot_detail);
	memset(c, 0, sizeof(*c));
}

/* The words xl takes for type= and the deprecated builder=, in xl's order of checking. */
struct xl_word {
	const char *word;
	enum hvc_guest_type type;
};
static const struct xl_word xl_types[] = {
	{ "hvm", HVC_GUEST_TYPE_HVM },
	{ "pv", HVC_GUEST_TYPE_PV },
	{ "pvh", HVC_GUEST_TYPE_PVH },
	{ NULL, 0 },
};
static const struct xl_word xl_builders[] = {
	{ "hvm", HVC_GUEST_TYPE_HVM },
	{ "generic", HVC_GUEST_TYPE_PV },
	{ NULL, 0 },
};

/* The type for buf in words (xl's prefix match), HVC_GUEST_TYPE_UNKNOWN if none. */
static enum hvc_guest_type xl_word_type(const struct xl_word *words, const char *buf)
{
	for (; words->word; words++)
		if (xl_prefix(buf, words->word))
			return words->type;
	return HVC_GUEST_TYPE_UNKNOWN;
}

static int read_type(
	const struct xlu *x, const char *source, enum hvc_guest_type *ret, struct hvc_error *err)
{
	enum hvc_guest_type t = HVC_GUEST_TYPE_UNKNOWN;
	const char *buf;

	buf = get_str(x, "type");
	if (buf) {
		t = xl_word_type(xl_types, buf);
		if (t == HVC_GUEST_TYPE_UNKNOWN)
			return hvc_error_set(err, -EINVAL,
				"%s: type=\"%s\" is not a type xl accepts (hvm, pv, pvh)", source,
				buf);
	}
	/* Deprecated since Xen 4.10, still read by xl. */
	buf = get_str(x, "builder");
	if (buf) {
		enum hvc_guest_type bt = xl_word_type(xl_builders, buf);

		if (bt == HVC_GUEST_TYPE_UNKNOWN)
			return hvc_error_set(err, -EINVAL,
				"%s: builder=\"%s\" is not one xl accepts (hvm, generic)", source,
				buf);
		if (t != HVC_GUEST_TYPE_UNKNOWN && t != bt)
			return hvc_error_set(err, -EINVAL,
				"%s: builder= and type= contradict each other", source);
		t = bt;
	}
	*ret = t == HVC_GUEST_TYPE_UNKNOWN ? HVC_GUEST_TYPE_PV : t;
	return 0;
}

static int fill(const struct xlu *x, const char *source, struct hvc_xlcfg *c, struct hvc_error *err)
{
	const char *cmdline, *root, *extra, *fw;
	int r;

	memset(c, 0, sizeof(*c));
	c->name = xstrdup_or_null(get_str(x, "name"));
	c->uuid = xstrdup_or_null(get_str(x, "uuid"));
	r = read_type(x, source, &c->type, err);
	if (r < 0)
		return r;
	c->kernel = xstrdup_or_null(get_str(x, "kernel"));
	c->ramdisk = xstrdup_or_null(get_str(x, "ramdisk"));
	c->bootloader = xstrdup_or_null(get_str(x, "bootloader"));
	fw = get_str(x, "firmware");
	if (fw && c->type != HVC_GUEST_TYPE_HVM) {
		/* PV/PVH: firmware= names a PV-GRUB image that xl turns into kernel=. */
		if (c->kernel)
			return hvc_error_set(err, -EINVAL,
				"%s: both kernel= and firmware= are set (xl refuses that)", source);
		if (!xl_prefix(fw, "pvgrub32") && !xl_prefix(fw, "pvgrub64"))
			return hvc_error_set(err, -EINVAL,
				"%s: firmware=\"%s\": xl accepts only pvgrub32 or pvgrub64 for a "
				"PV or PVH guest",
				source, fw);
		c->firmware = xstrdup(fw);
	}
	c->boot = hvc_xl_boot_path(c->type, c->kernel, c->bootloader, c->firmware);

	/* xl's parse_cmdline(). */
	cmdline = get_str(x, "cmdline");
	root = get_str(x, "root");
	extra = get_str(x, "extra");
	c->cmdline_key = cmdline ? "cmdline" : "extra";
	if (cmdline)
		c->cmdline = xstrdup(cmdline);
	else if (root && extra)
		c->cmdline = xasprintf("root=%s %s", root, extra);
	else if (root)
		c->cmdline = xasprintf("root=%s", root);
	else if (extra)
		c->cmdline = xstrdup(extra);
	c->has_cmdline = c->cmdline != NULL;

	switch (c->boot) {
	case HVC_BOOT_DIRECT_KERNEL:
		c->boot_detail = xasprintf("kernel %s", c->kernel);
		break;
	case HVC_BOOT_BOOTLOADER:
		c->boot_detail = xasprintf("bootloader %s", c->bootloader);
		break;
	case HVC_BOOT_PVGRUB:
		c->boot_detail = c->firmware ? xasprintf("PV-GRUB firmware=%s", c->firmware)
					     : xasprintf("PV-GRUB kernel %s", c->kernel);
		break;
	case HVC_BOOT_FIRMWARE:
		c->boot_detail = hvc_xl_kernel_is_hvmloader(c->kernel)
			? xasprintf("HVM firmware (xl ignores kernel=%s)", c->kernel)
			: xstrdup("HVM firmware (no kernel=)");
		break;
	default:
		c->boot_detail = xstrdup("neither kernel= nor bootloader=");
		break;
	}
	return 0;
}

int hvc_xlcfg_parse(
	const char *text, const char *source, struct hvc_xlcfg *ret, struct hvc_error *err)
{
	struct xlu x;
	int r;

	memset(ret, 0, sizeof(*ret));
	r = xlu_open(text, source, &x, err);
	if (r < 0)
		return r;
	r = fill(&x, source, ret, err);
	if (r < 0)
		hvc_xlcfg_finish(ret);
	xlu_close(&x);
	return r;
}

/* ---- the tokenizer ---- */

enum tok_kind {
	T_EOF,
	T_IDENT,
	T_NUMBER,
	T_STRING,
	T_NEWLINE, /* "\n" or "# comment\n" */
	T_EQ,
	T_ADD,
	T_SEMI,
	T_COMMA,
	T_LBRACKET,
	T_RBRACKET,
};

struct tok {
	enum tok_kind kind;
	size_t start, end;
};

static bool is_lower(char c)
{
	return c >= 'a' && c <= 'z';
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* The next token from *pos; -EINVAL where libxlutil's lexer would fail. */
static int next_token(const char *s, size_t len, size_t *pos, struct tok *t)
{
	size_t i = *pos, j;
	char c;

	while (i < len && (s[i] == ' ' || s[i] == '\t'))
		i++;
	t->start = i;
	if (i >= len) {
		t->kind = T_EOF;
		t->end = *pos = i;
		return 0;
	}
	c = s[i];
	j = i + 1;
	if (c == '\n') {
		t->kind = T_NEWLINE;
	} else if (c == '#') {
		const char *nl = memchr(s + i, '\n', len - i);
		if (!nl)
			return -EINVAL;
		j = (size_t)(nl - s) + 1;
		t->kind = T_NEWLINE;
	} else if (is_lower(c)) {
		while (j < len && (is_lower(s[j]) || is_digit(s[j]) || s[j] == '.' || s[j] == '_'))
			j++;
		t->kind = T_IDENT;
	} else if (is_digit(c)) {
		while (j < len && (is_digit(s[j]) || (s[j] >= 'a' && s[j] <= 'f') || s[j] == 'x'))
			j++;
		t->kind = T_NUMBER;
	} else if (c == '\'' || c == '"') {
		while (j < len && s[j] != c) {
			if (s[j] == '\n')
				return -EINVAL;
			if (s[j] == '\\') {
				j++;
				if (j >= len || s[j] == '\n')
					return -EINVAL;
			}
			j++;
		}
		if (j >= len)
			return -EINVAL;
		j++;
		t->kind = T_STRING;
	} else if (c == '=') {
		t->kind = T_EQ;
	} else if (c == '+' && j < len && s[j] == '=') {
		j++;
		t->kind = T_ADD;
	} else if (c == ';') {
		t->kind = T_SEMI;
	} else if (c == ',') {
		t->kind = T_COMMA;
	} else if (c == '[') {
		t->kind = T_LBRACKET;
	} else if (c == ']') {
		t->kind = T_RBRACKET;
	} else {
		return -EINVAL;
	}
	t->end = *pos = j;
	return 0;
}

enum value_kind {
	V_STRING,
	V_NUMBER,
	V_LIST,
};

/* One `key = value` / `key += value` statement, as byte offsets into the text. */
struct assign {
	char *key;
	bool add;
	size_t key_start, key_end, op_start, op_end, value_start, value_end;
	enum value_kind kind;
};

struct assigns {
	struct assign *v;
	size_t n;
};

static void assigns_finish(struct assigns *a)
{
	for (size_t i = 0; i < a->n; i++)
		free(a->v[i].key);
	free(a->v);
	memset(a, 0, sizeof(*a));
}

static int scan(const char *s, struct assigns *ret)
{
	size_t len = strlen(s), pos = 0;
	struct assigns a = { 0 };
	struct tok t, op, v;
	int r;

	for (;;) {
		struct assign *as;

		if ((r = next_token(s, len, &pos, &t)) < 0)
			goto fail;
		if (t.kind == T_EOF)
			break;
		if (t.kind == T_NEWLINE || t.kind == T_SEMI)
			continue;
		r = -EINVAL;
		if (t.kind != T_IDENT)
			goto fail;
		if (next_token(s, len, &pos, &op) < 0 || (op.kind != T_EQ && op.kind != T_ADD))
			goto fail;
		if (next_token(s, len, &pos, &v) < 0)
			goto fail;
		a.v = xrealloc(a.v, a.n + 1, sizeof(*a.v));
		as = &a.v[a.n++];
		memset(as, 0, sizeof(*as));
		as->key = xstrndup(s + t.start, t.end - t.start);
		as->add = op.kind == T_ADD;
		as->key_start = t.start;
		as->key_end = t.end;
		as->op_start = op.start;
		as->op_end = op.end;
		as->value_start = v.start;
		if (v.kind == T_STRING || v.kind == T_NUMBER) {
			as->kind = v.kind == T_STRING ? V_STRING : V_NUMBER;
			as->value_end = v.end;
		} else if (v.kind == T_LBRACKET) {
			int depth = 1;
			as->kind = V_LIST;
			while (depth > 0) {
				if (next_token(s, len, &pos, &v) < 0 || v.kind == T_EOF)
					goto fail;
				if (v.kind == T_LBRACKET)
					depth++;
				else if (v.kind == T_RBRACKET)
					depth--;
			}
			as->value_end = v.end;
		} else {
			goto fail;
		}
		if (next_token(s, len, &pos, &t) < 0)
			goto fail;
		if (t.kind == T_EOF)
			break;
		if (t.kind != T_NEWLINE && t.kind != T_SEMI)
			goto fail;
	}
	*ret = a;
	return 0;
fail:
	assigns_finish(&a);
	return r < 0 ? r : -EINVAL;
}

char **hvc_xlcfg_keys(const char *text)
{
	struct assigns a;
	char **keys = NULL;

	if (scan(text, &a) < 0)
		return NULL;
	for (size_t i = 0; i < a.n; i++)
		if (!strv_contains(keys, a.v[i].key))
			strv_push(&keys, a.v[i].key);
	assigns_finish(&a);
	return keys ? keys : xcalloc(1, sizeof(char *));
}

/* ---- the rewrite ---- */

/* value in quote character q, escaping only '\' and q (libxlutil's dequote reverses that). */
static char *quote(const char *value, char q)
{
	char *out = xmalloc(strlen(value) * 2 + 3);
	size_t o = 0;

	out[o++] = q;
	for (const char *p = value; *p; p++) {
		if (*p == '\\' || *p == q)
			out[o++] = '\\';
		out[o++] = *p;
	}
	out[o++] = q;
	out[o] = '\0';
	return out;
}

/* text with [from, to) replaced by with. */
static char *splice(const char *text, size_t from, size_t to, const char *with)
{
	return xasprintf("%.*s%s%s", (int)from, text, with, text + to);
}

static size_t line_start(const char *s, size_t at)
{
	while (at > 0 && s[at - 1] != '\n')
		at--;
	return at;
}

/* Offset of the '\n' ending the line that holds at, or strlen(s). */
static size_t line_end(const char *s, size_t at)
{
	const char *nl = strchr(s + at, '\n');
	return nl ? (size_t)(nl - s) : strlen(s);
}

static size_t line_number(const char *s, size_t at)
{
	size_t n = 1;
	for (size_t i = 0; i < at; i++)
		n += s[i] == '\n';
	return n;
}

static bool only_blanks(const char *s, size_t from, size_t to)
{
	for (size_t i = from; i < to; i++)
		if (s[i] != ' ' && s[i] != '\t')
			return false;
	return true;
}

/* Remove one statement: its whole line when it is alone there, else the statement (and its ';'). */
static char *remove_statement(const char *s, const struct assign *a)
{
	size_t ls = line_start(s, a->key_start), le = line_end(s, a->value_end), j = a->value_end;

	while (s[j] == ' ' || s[j] == '\t')
		j++;
	if (s[j] == ';') {
		j++;
		while (s[j] == ' ' || s[j] == '\t')
			j++;
	}
	if (only_blanks(s, ls, a->key_start) && j == le) {
		if (s[le] == '\n')
			return splice(s, ls, le + 1, "");
		/*
		 * The last line, without a newline: take the newline before it too (the
		 * inverse of add_statement), unless the line before ends in a comment,
		 * which libxlutil accepts only when a newline follows it.
		 */
		if (ls > 0 &&
			!memchr(s + line_start(s, ls - 1), '#', ls - 1 - line_start(s, ls - 1)))
			return splice(s, ls - 1, le, "");
		return splice(s, ls, le, "");
	}
	return splice(s, a->key_start, j, "");
}

static bool is_anchor_key(const char *k)
{
	return streq(k, "kernel") || streq(k, "ramdisk") || streq(k, "root") ||
		streq(k, "bootloader");
}

/* Add `key = value` on a new line after the anchor statement's line, laid out like it. */
static char *add_statement(
	const char *s, const struct assigns *as, const char *key, const char *value)
{
	const struct assign *anchor = NULL;
	_cleanup_free_ char *indent = NULL, *pad = NULL, *after = NULL, *q = NULL, *line = NULL;
	size_t len = strlen(s), at, klen = strlen(key);
	char qc = '"';

	for (size_t i = 0; i < as->n; i++)
		if (is_anchor_key(as->v[i].key) &&
			(!anchor || as->v[i].value_end > anchor->value_end))
			anchor = &as->v[i];
	for (size_t i = 0; !anchor && i < as->n; i++)
		if (streq(as->v[i].key, "name"))
			anchor = &as->v[i];

	if (!anchor) {
		q = quote(value, qc);
		line = xasprintf("%s = %s", key, q);
		if (len == 0)
			return xasprintf("%s\n", line);
		if (s[len - 1] == '\n')
			return xasprintf("%s%s\n", s, line);
		return xasprintf("%s\n%s", s, line);
	}

	{
		size_t ls = line_start(s, anchor->key_start);
		size_t gap = anchor->op_start - anchor->key_end;
		size_t width = (anchor->key_end - anchor->key_start) + gap;
		size_t padlen;

		indent = only_blanks(s, ls, anchor->key_start)
			? xstrndup(s + ls, anchor->key_start - ls)
			: xstrdup("");
		if (memchr(s + anchor->key_end, '\t', gap)) {
			pad = xstrndup(s + anchor->key_end, gap);
		} else {
			/* Keep the '=' column of the anchor ("kernel  = " -> "extra   = "). */
			padlen = gap == 0 ? 0 : (width > klen + 1 ? width - klen : 1);
			pad = xmalloc(padlen + 1);
			memset(pad, ' ', padlen);
			pad[padlen] = '\0';
		}
		after = only_blanks(s, anchor->op_end, anchor->value_start)
			? xstrndup(s + anchor->op_end, anchor->value_start - anchor->op_end)
			: xstrdup(" ");
		if (anchor->kind == V_STRING)
			qc = s[anchor->value_start];
	}
	q = quote(value, qc);
	line = xasprintf("%s%s%s=%s%s", indent, key, pad, after, q);
	at = line_end(s, anchor->value_end);
	if (at < len) {
		_cleanup_free_ char *ins = xasprintf("%s\n", line);
		return splice(s, at + 1, at + 1, ins);
	}
	return xasprintf("%s\n%s", s, line);
}

/* "" and NULL are both "no command line" here: the edit removes the key for either. */
static const char *norm(const char *s)
{
	return s && *s ? s : NULL;
}

/* Check the result against the original: parses, same boot, new line, every other key the same. */
static int verify(const char *orig_text, const struct xlu *orig, const struct hvc_xlcfg *oc,
	const char *text, const char *source, const char *key, const char *new_cmdline,
	struct hvc_error *err)
{
	_cleanup_strv_free_ char **keys = NULL, **keys2 = NULL;
	struct hvc_xlcfg nc = { 0 };
	struct hvc_error e = { 0 };
	struct xlu x;
	int r;

	if (xlu_open(text, source, &x, &e) < 0)
		return hvc_error_set(
			err, -EIO, "%s: the rewritten config is not valid: %s", source, e.msg);
	r = fill(&x, source, &nc, &e);
	if (r < 0) {
		r = hvc_error_set(
			err, -EIO, "%s: the rewritten config is not valid: %s", source, e.msg);
		goto out;
	}
	if (nc.type != oc->type || nc.boot != oc->boot) {
		r = hvc_error_set(err, -EIO, "%s: the rewrite changed how the guest boots", source);
		goto out;
	}
	if (!streq_ptr(norm(nc.cmdline), norm(new_cmdline))) {
		r = hvc_error_set(err, -EIO,
			"%s: the rewritten config gives the command line '%s', not '%s'", source,
			strna(nc.cmdline), strna(new_cmdline));
		goto out;
	}
	keys = hvc_xlcfg_keys(orig_text);
	keys2 = hvc_xlcfg_keys(text);
	if (!keys || !keys2) {
		r = hvc_error_set(
			err, -EIO, "%s: cannot list the keys of the rewritten config", source);
		goto out;
	}
	STRV_FOREACH (k, keys2)
		if (!strv_contains(keys, *k))
			strv_push(&keys, *k);
	STRV_FOREACH (k, keys)
		if (!streq(*k, key) && !key_equal(orig, &x, *k)) {
			r = hvc_error_set(err, -EIO, "%s: the rewrite changed %s=", source, *k);
			goto out;
		}
	r = 0;
out:
	hvc_xlcfg_finish(&nc);
	xlu_close(&x);
	return r;
}

int hvc_xlcfg_set_cmdline(const char *text, const char *source, const char *new_cmdline,
	char **ret_text, const char **ret_key, struct hvc_error *err)
{
	struct hvc_xlcfg c = { 0 };
	struct assigns as = { 0 };
	struct xlu x;
	_cleanup_free_ char *out = NULL;
	const struct assign *last = NULL;
	const char *key, *value, *root, *cur;
	int r;

	r = xlu_open(text, source, &x, err);
	if (r < 0)
		return r;
	r = fill(&x, source, &c, err);
	if (r < 0)
		goto out;

	r = -EINVAL;
	if (new_cmdline && !string_is_printable(new_cmdline)) {
		hvc_error_set(
			err, r, "%s: the new kernel command line has control characters", source);
		goto out;
	}
	switch (c.boot) {
	case HVC_BOOT_DIRECT_KERNEL:
	case HVC_BOOT_BOOTLOADER:
		break;
	case HVC_BOOT_FIRMWARE:
		hvc_error_set(err, r,
			"%s: HVM guest without kernel=%s: libxl rejects extra=/cmdline= there "
			"(\"direct boot parameters specified but kernel missing\"); change the "
			"guest's own boot loader instead",
			source,
			hvc_xl_kernel_is_hvmloader(c.kernel)
				? " (its kernel= is hvmloader, which xl drops)"
				: "");
		goto out;
	case HVC_BOOT_PVGRUB:
		hvc_error_set(err, r,
			"%s: boots PV-GRUB (%s): extra=/cmdline= go to GRUB, not to Linux; change "
			"the guest's GRUB configuration instead",
			source, c.boot_detail);
		goto out;
	default:
		hvc_error_set(err, r,
			"%s: neither kernel= nor bootloader= is set: no kernel command line to "
			"change",
			source);
		goto out;
	}

	if (scan(text, &as) < 0) {
		hvc_error_set(err, -EIO, "%s: cannot find the statements libxlutil found", source);
		goto out;
	}
	key = c.cmdline_key;
	for (size_t i = 0; i < as.n; i++) {
		if (!streq(as.v[i].key, key))
			continue;
		if (as.v[i].add) {
			hvc_error_set(err, r,
				"%s: %s= is built with '+=' (line %zu); hvclock edits only a "
				"single '%s = ...' assignment",
				source, key, line_number(text, as.v[i].key_start), key);
			goto out;
		}
		last = &as.v[i];
	}
	if (last && last->kind == V_LIST) {
		hvc_error_set(
			err, r, "%s: %s= is a list, not a string (xl ignores it)", source, key);
		goto out;
	}

	/* The value the key must get for xl to build new_cmdline. */
	value = norm(new_cmdline);
	root = get_str(&x, "root");
	if (streq(key, "extra") && root) {
		_cleanup_free_ char *prefix = xasprintf("root=%s", root);
		size_t n = strlen(prefix);

		if (!value || strncmp(value, prefix, n) != 0 || (value[n] && value[n] != ' ')) {
			hvc_error_set(err, r,
				"%s: root=%s is set, so xl starts the command line with '%s'; the "
				"new one ('%s') does not",
				source, root, prefix, strna(value));
			goto out;
		}
		value = value[n] ? value + n + 1 : NULL;
	}

	if (!value && streq(key, "cmdline") && (root || get_str(&x, "extra"))) {
		hvc_error_set(err, r,
			"%s: removing cmdline= would make xl use root=/extra= instead; set an "
			"empty command line by hand if that is what you want",
			source);
		goto out;
	}

	cur = last ? get_str(&x, key) : NULL;
	if (last && value && cur && streq(cur, value)) {
		out = xstrdup(text);
	} else if (!last && !value) {
		out = xstrdup(text);
	} else if (!value) {
		/* Remove every assignment of the key (an earlier one would win otherwise), last first. */
		out = xstrdup(text);
		for (size_t i = as.n; i-- > 0;) {
			char *next;
			if (!streq(as.v[i].key, key))
				continue;
			next = remove_statement(out, &as.v[i]);
			free(out);
			out = next;
		}
	} else if (last) {
		_cleanup_free_ char *q =
			quote(value, last->kind == V_STRING ? text[last->value_start] : '"');
		out = splice(text, last->value_start, last->value_end, q);
	} else {
		out = add_statement(text, &as, key, value);
	}

	if (!streq(out, text)) {
		r = verify(text, &x, &c, out, source, key, new_cmdline, err);
		if (r < 0)
			goto out;
	}
	*ret_text = TAKE_PTR(out);
	if (ret_key)
		*ret_key = key;
	r = 0;
out:
	assigns_finish(&as);
	hvc_xlcfg_finish(&c);
	xlu_close(&x);
	return r;
}
