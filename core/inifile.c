/* inifile.c: the one INI reader; the schema (sections, keys, parsers) is the caller's table. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>

#include "core/inifile.h"

struct ini {
	const char *path;
	const struct ini_schema *schema;
	void *userdata;
	int line;
	bool cont;

	const struct ini_section *sec; /* NULL before the first header */
	char *sec_name;
	int sec_line;
	void *object;
	char **sec_keys; /* keys seen in this section */
	const struct ini_item *last_item; /* what an indented line continues, NULL: nothing */
	char *last_key;
	char **sections; /* every header so far ... */
	int *section_lines; /* ... and its line */

	char *err;
	int err_line;
};

static _printf_(3, 0) bool ini_vfail_at(struct ini *ini, int line, const char *fmt, va_list ap)
{
	if (!ini->err) {
		ini->err = xvasprintf(fmt, ap);
		ini->err_line = line;
	}
	return false;
}

bool ini_fail_at(struct ini *ini, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ini_vfail_at(ini, line, fmt, ap);
	va_end(ap);
	return false;
}

bool ini_fail(struct ini *ini, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ini_vfail_at(ini, ini->line, fmt, ap);
	va_end(ap);
	return false;
}

int ini_line(const struct ini *ini)
{
	return ini->line;
}

const char *ini_section_name(const struct ini *ini)
{
	return ini->sec_name ? ini->sec_name : "";
}

int ini_section_line(const struct ini *ini)
{
	return ini->sec_line;
}

bool ini_continued(const struct ini *ini)
{
	return ini->cont;
}

void *ini_userdata(const struct ini *ini)
{
	return ini->userdata;
}

int ini_bool_value(const char *v, bool *ret)
{
	if (streq(v, "yes") || streq(v, "true"))
		*ret = true;
	else if (streq(v, "no") || streq(v, "false"))
		*ret = false;
	else
		return -EINVAL;
	return 0;
}

int ini_int_value(const char *v, int min, int max, int *ret)
{
	char *end;
	long l;

	errno = 0;
	l = strtol(v, &end, 10);
	if (errno || end == v || *end || l < min || l > max)
		return -EINVAL;
	*ret = (int)l;
	return 0;
}

/* First of chars, or a ';' after whitespace (an inline comment); the end if neither. */
static char *find_chars_or_comment(char *s, const char *chars)
{
	bool was_space = false;

	while (*s && !(chars && strchr(chars, *s)) && !(was_space && *s == ';')) {
		was_space = isspace((unsigned char)*s);
		s++;
	}
	return s;
}

static char *rstrip(char *s)
{
	char *e = s + strlen(s);

	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

static char *lskip(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	return s;
}

/* A value: inline comment cut, whitespace stripped. */
static char *value_of(char *s)
{
	*find_chars_or_comment(s, NULL) = '\0';
	return rstrip(lskip(s));
}

static const struct ini_section *find_section(const struct ini_schema *schema, const char *name)
{
	for (size_t i = 0; i < schema->n_sections; i++) {
		const char *n = schema->sections[i].name;
		size_t len = strlen(n);

		if (len > 0 && n[len - 1] == ':' ? strncmp(name, n, len) == 0 && name[len]
						 : streq(name, n))
			return &schema->sections[i];
	}
	return NULL;
}

static const struct ini_item *find_item(
	const struct ini_schema *schema, const struct ini_section *sec, const char *key)
{
	for (size_t i = 0; i < schema->n_items; i++) {
		const struct ini_item *it = &schema->items[i];

		if (streq(it->section, sec->name) && (!it->key || streq(it->key, key)))
			return it;
	}
	return NULL;
}

static bool section_end(struct ini *ini)
{
	if (!ini->sec)
		return true;
	if (!ini->sec_keys && !ini->schema->empty_sections_ok)
		return ini_fail_at(ini, ini->sec_line, "section [%s] is empty", ini->sec_name);
	return !ini->sec->end || ini->sec->end(ini, ini->userdata);
}

static bool section_begin(struct ini *ini, const char *name)
{
	const struct ini_section *sec;
	size_t n = strv_length(ini->sections);

	if (!section_end(ini))
		return false;
	if (strlen(name) > INI_SECTION_MAX)
		return ini_fail(ini, "section name [%.20s...] is longer than %d characters", name,
			INI_SECTION_MAX);
	sec = find_section(ini->schema, name);
	if (!sec)
		return ini_fail(
			ini, "unknown section [%s] %s", name, strna(ini->schema->sections_hint));
	for (size_t i = 0; i < n; i++)
		if (streq(ini->sections[i], name))
			return ini_fail(ini, "duplicate section [%s] (first at line %d)", name,
				ini->section_lines[i]);
	strv_push(&ini->sections, name);
	ini->section_lines = xrealloc(ini->section_lines, n + 1, sizeof(int));
	ini->section_lines[n] = ini->line;

	ini->sec = sec;
	free_and_strdup(&ini->sec_name, name);
	ini->sec_line = ini->line;
	strv_free(ini->sec_keys);
	ini->sec_keys = NULL;
	ini->last_item = NULL;
	ini->object = ini->userdata;
	return !sec->begin || sec->begin(ini, name, ini->userdata, &ini->object);
}

static bool call(struct ini *ini, const struct ini_item *it, const char *key, const char *value)
{
	return it->parse(ini, key, value, it->ltype, (char *)ini->object + it->offset);
}

static bool key_line(struct ini *ini, char *start)
{
	char *end = find_chars_or_comment(start, "=:"), *key, *value;
	const struct ini_item *it;

	if (*end != '=' && *end != ':')
		return ini_fail(ini,
			"syntax error: expected 'key = value', a [section] header or a comment");
	*end = '\0';
	key = rstrip(start);
	value = value_of(end + 1);
	ini->last_item = NULL;
	if (!*key)
		return ini_fail(ini, "missing key name before '='");
	if (!ini->sec)
		return ini_fail(ini, "'%s' is outside of any section%s", key,
			ini->schema->outside_hint ? ini->schema->outside_hint : "");
	if (strv_contains(ini->sec_keys, key))
		return ini_fail(ini, "duplicate key '%s' in [%s]", key, ini->sec_name);
	strv_push(&ini->sec_keys, key);
	if (!*value)
		return ini_fail(ini, "key '%s' has no value", key);
	it = find_item(ini->schema, ini->sec, key);
	if (!it)
		return ini_fail(ini, "unknown key '%s' in [%s] %s", key, ini->sec_name,
			strna(ini->sec->keys_hint));
	ini->last_item = it;
	free_and_strdup(&ini->last_key, key);
	ini->cont = false;
	return call(ini, it, key, value);
}

static bool header_line(struct ini *ini, char *start)
{
	char *end = find_chars_or_comment(start + 1, "]");

	ini->last_item = NULL;
	if (*end != ']')
		return ini_fail(ini, "section header without a closing ']'");
	*end = '\0';
	for (const char *c = end + 1; *c && *c != ';' && *c != '#'; c++)
		if (!isspace((unsigned char)*c))
			return ini_fail(ini, "unexpected text after ']' of [%s]", start + 1);
	return section_begin(ini, start + 1);
}

static bool one_line(struct ini *ini, char *line)
{
	char *start = line;

	if (ini->line == 1 && strncmp(start, "\xEF\xBB\xBF", 3) == 0)
		start = line += 3;
	start = rstrip(lskip(start));
	if (!*start || *start == ';' || *start == '#')
		return true;
	if (ini->last_item && start > line) {
		if (!(ini->last_item->flags & INI_LIST))
			return ini_fail(ini,
				"%s takes one value; an indented line continues a list or text "
				"and is not allowed here",
				ini->last_key);
		ini->cont = true;
		return call(ini, ini->last_item, ini->last_key, value_of(start));
	}
	if (*start == '[')
		return header_line(ini, start);
	return key_line(ini, start);
}

int ini_parse(const char *path, FILE *f, const struct ini_schema *schema, void *userdata,
	struct hvc_error *err)
{
	struct ini ini = { .path = path, .schema = schema, .userdata = userdata };
	_cleanup_free_ char *buf = NULL;
	size_t cap = 0;
	ssize_t len;
	int r = 0;

	while (!ini.err && (len = getline(&buf, &cap, f)) >= 0) {
		ini.line++;
		if (memchr(buf, '\0', (size_t)len)) {
			ini_fail(&ini, "line contains a NUL byte");
			break;
		}
		if (len - (len > 0 && buf[len - 1] == '\n') > INI_LINE_MAX) {
			ini_fail(&ini,
				"line is longer than %d characters; continue a long list or text "
				"on indented lines",
				INI_LINE_MAX);
			break;
		}
		one_line(&ini, buf);
	}
	if (!ini.err && ferror(f))
		r = hvc_error_set(err, -EIO, "%s: read error", path);
	else if (!ini.err)
		section_end(&ini);
	if (ini.err)
		r = hvc_error_set(err, -EINVAL, "%s:%d: %s", path, ini.err_line, ini.err);
	free(ini.sec_name);
	strv_free(ini.sec_keys);
	free(ini.last_key);
	strv_free(ini.sections);
	free(ini.section_lines);
	free(ini.err);
	return r;
}
