/* xlucheck.c: libxlutil as the independent judge of xl config text in the tests. */
#define LIBXL_API_VERSION 0x041400

#include <errno.h>
#include <regex.h>

#include "core/util.h"
#include "tests/backend/xlucheck.h"

bool xlu_parse(const char *text, struct xlu_parsed *p)
{
	memset(p, 0, sizeof(*p));
	p->report = open_memstream(&p->buf, &p->len);
	p->cfg = xlu_cfg_init(p->report, "test");
	if (xlu_cfg_readdata(p->cfg, text, (int)strlen(text)) != 0) {
		fflush(p->report);
		return false;
	}
	return true;
}

void xlu_parsed_close(struct xlu_parsed *p)
{
	if (p->cfg)
		xlu_cfg_destroy(p->cfg);
	if (p->report)
		fclose(p->report);
	free(p->buf);
	memset(p, 0, sizeof(*p));
}

const char *xlu_str(const struct xlu_parsed *p, const char *key)
{
	const char *v = NULL;

	if (xlu_cfg_get_string(p->cfg, key, &v, 1) != 0)
		return NULL;
	return v;
}

char **xlu_scan_keys(const char *text, char **keys)
{
	regex_t re;
	regmatch_t m[3];
	const char *p = text;

	if (regcomp(&re, "(^|;)[ \t]*([a-z][._0-9a-z]*)[ \t]*\\+?=", REG_EXTENDED | REG_NEWLINE))
		abort();
	while (*p && regexec(&re, p, 3, m, (p == text || p[-1] == '\n') ? 0 : REG_NOTBOL) == 0) {
		_cleanup_free_ char *k =
			xstrndup(p + m[2].rm_so, (size_t)(m[2].rm_eo - m[2].rm_so));
		if (!strv_contains(keys, k))
			strv_push(&keys, k);
		p += m[0].rm_eo > 0 ? m[0].rm_eo : 1;
	}
	regfree(&re);
	return keys;
}

static bool list_eq(const struct xlu_parsed *a, const XLU_ConfigList *la,
	const struct xlu_parsed *b, const XLU_ConfigList *lb)
{
	for (int i = 0;; i++) {
		XLU_ConfigValue *x = xlu_cfg_get_listitem2(la, i),
				*y = xlu_cfg_get_listitem2(lb, i);
		if (!x || !y)
			return !x && !y;
		if (xlu_cfg_value_type(x) != xlu_cfg_value_type(y))
			return false;
		if (xlu_cfg_value_type(x) == XLU_STRING) {
			char *sx, *sy;
			xlu_cfg_value_get_string(a->cfg, x, &sx, 1);
			xlu_cfg_value_get_string(b->cfg, y, &sy, 1);
			if (strcmp(sx, sy) != 0)
				return false;
		} else {
			XLU_ConfigList *cx, *cy;
			xlu_cfg_value_get_list(a->cfg, x, &cx, 1);
			xlu_cfg_value_get_list(b->cfg, y, &cy, 1);
			if (!list_eq(a, cx, b, cy))
				return false;
		}
	}
}

bool xlu_value_eq(const struct xlu_parsed *a, const struct xlu_parsed *b, const char *key)
{
	const char *sa, *sb;
	XLU_ConfigList *la, *lb;
	int ra = xlu_cfg_get_string(a->cfg, key, &sa, 1),
	    rb = xlu_cfg_get_string(b->cfg, key, &sb, 1);

	if (ra != rb)
		return false;
	if (ra == 0)
		return strcmp(sa, sb) == 0;
	if (ra == ESRCH)
		return true;
	if (xlu_cfg_get_list(a->cfg, key, &la, NULL, 1) ||
		xlu_cfg_get_list(b->cfg, key, &lb, NULL, 1))
		return false;
	return list_eq(a, la, b, lb);
}
