/* table.c: column tables through libsmartcols (core/table.h). */
#include <libsmartcols.h>
#include <locale.h>
#include <strings.h>

#include "core/table.h"
#include "core/util.h"

static const struct hvc_column *find_column(const struct hvc_column *cols, const char *name)
{
	for (const struct hvc_column *c = cols; c->name; c++)
		if (strcasecmp(c->name, name) == 0)
			return c;
	return NULL;
}

int hvc_table_check_columns(
	const struct hvc_column *cols, char *const *names, const char **ret_unknown)
{
	STRV_FOREACH (n, names)
		if (!find_column(cols, *n)) {
			*ret_unknown = *n;
			return -1;
		}
	return 0;
}

char *hvc_table_column_names(const struct hvc_column *cols, const char *sep)
{
	_cleanup_strv_free_ char **l = NULL;
	for (const struct hvc_column *c = cols; c->name; c++)
		strv_push(&l, c->name);
	return strv_join(l, sep);
}

void hvc_table_print(FILE *f, const struct hvc_column *cols, unsigned default_mask,
	const struct hvc_table_opts *o, const void *const *rows, size_t n)
{
	const struct hvc_column *shown[64];
	size_t n_shown = 0;
	struct libscols_table *tb = scols_new_table();
	/*
	 * The cells are UTF-8 whatever the locale (hvc_escape_terminal() keeps valid UTF-8):
	 * libsmartcols measures and, in raw mode, escapes them by the locale's character type,
	 * so this thread uses C.UTF-8's while it prints.
	 */
	locale_t utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
	locale_t old = utf8 ? uselocale(utf8) : (locale_t)0;

	if (!tb)
		abort(); /* out of memory, as xmalloc() */
	if (o->columns) {
		STRV_FOREACH (name, o->columns) {
			const struct hvc_column *c = find_column(cols, *name);
			if (c && n_shown < ELEMENTSOF(shown))
				shown[n_shown++] = c;
		}
	} else {
		for (const struct hvc_column *c = cols; c->name && n_shown < ELEMENTSOF(shown); c++)
			if (c->flags & default_mask)
				shown[n_shown++] = c;
	}
	/* The cells are escaped for a terminal already: libsmartcols must not encode them again. */
	scols_table_enable_noencoding(tb, 1);
	scols_table_enable_raw(tb, o->raw);
	scols_table_enable_noheadings(tb, o->noheadings);
	if (!o->raw)
		scols_table_set_column_separator(tb, "  ");
	/* On a terminal libsmartcols reads its width itself; elsewhere nothing is ever cut. */
	scols_table_set_termforce(tb, o->terminal ? SCOLS_TERMFORCE_AUTO : SCOLS_TERMFORCE_NEVER);
	for (size_t c = 0; c < n_shown; c++) {
		const char *h = shown[c]->header ? shown[c]->header : shown[c]->name;
		if (!scols_table_new_column(
			    tb, h, 0, shown[c]->flags & HVC_COL_TRUNC ? SCOLS_FL_TRUNC : 0))
			abort();
	}
	for (size_t i = 0; i < n; i++) {
		struct libscols_line *ln = scols_table_new_line(tb, NULL);
		if (!ln)
			abort();
		for (size_t c = 0; c < n_shown; c++) {
			char *v = shown[c]->cell(rows[i]);
			if (scols_line_refer_data(ln, c, v ? v : xstrdup("-")) < 0)
				abort();
		}
	}
	scols_table_set_stream(tb, f);
	scols_print_table(tb);
	scols_unref_table(tb);
	if (utf8) {
		uselocale(old);
		freelocale(utf8);
	}
}
