/* inifile.h: the one INI reader (hvclock.conf, profiles); the schema is a table (systemd's shape). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "core/error.h"

/*
 * Syntax (libinih's, which both files used before):
 *   - blank lines and lines starting with ';' or '#' are comments; ';' after whitespace starts
 *     an inline comment; a UTF-8 BOM on line 1 is skipped;
 *   - "[NAME]" starts a section (nothing but a comment may follow the ']');
 *   - "KEY = VALUE" or "KEY: VALUE", whitespace around both stripped, VALUE not empty;
 *   - an indented line after a key line continues that key (only for items with INI_LIST).
 * Every line is at most INI_LINE_MAX bytes and holds no NUL byte. Each key may appear once per
 * section, each section once per file, and no section may be empty. The first problem stops
 * the reader; the caller gets "PATH:LINE: what is wrong".
 */
/* The limits libinih had (200-byte line buffer, 50-byte section buffer), kept as hvclock's own. */
#define INI_LINE_MAX 198
#define INI_SECTION_MAX 49

struct ini;

/*
 * A key's parser: value is stripped and not empty, target is the section object plus the item's
 * offset. Returns false after ini_fail() (or true). ini_continued() says whether value comes
 * from an indented continuation line.
 */
typedef bool (*ini_parser_t)(
	struct ini *ini, const char *key, const char *value, int ltype, void *target);

enum {
	INI_LIST = 1 << 0, /* indented continuation lines are more of this key's value */
};

/* One key of one section (systemd's ConfigTableItem). */
struct ini_item {
	const char *section; /* as in struct ini_section */
	const char *key; /* NULL: any key of the section (the parser decides) */
	ini_parser_t parse;
	int ltype; /* handed to parse */
	size_t offset; /* of the target in the section object */
	unsigned flags;
};

/* A section name: "NAME" for [NAME], "NAME:" for [NAME:ARG] with any non-empty ARG. */
struct ini_section {
	const char *name;
	/* Optional: check the header; the object the items' offsets are in (else the userdata). */
	bool (*begin)(struct ini *ini, const char *name, void *userdata, void **ret_object);
	/* Optional: checks once the section has ended (at ini_fail_section()'s line). */
	bool (*end)(struct ini *ini, void *userdata);
	const char *keys_hint; /* "(expected a, b)" for an unknown key */
};

struct ini_schema {
	const struct ini_section *sections;
	size_t n_sections;
	const struct ini_item *items;
	size_t n_items;
	const char *sections_hint; /* "(expected ...)" for an unknown section */
	const char *outside_hint; /* " (the file starts with [x])" for a key before any section */
	bool empty_sections_ok; /* a section with no key (only comments) is no error */
};

/*
 * Read f (already opened; path is for messages) with schema. Returns 0, or -EINVAL with err
 * "PATH:LINE: what" (-EIO for a read error).
 */
int ini_parse(const char *path, FILE *f, const struct ini_schema *schema, void *userdata,
	struct hvc_error *err);

/* Record the first error, at the current line or at line; always false. */
bool ini_fail(struct ini *ini, const char *fmt, ...) _printf_(2, 3);
bool ini_fail_at(struct ini *ini, int line, const char *fmt, ...) _printf_(3, 4);
int ini_line(const struct ini *ini);
/* The current section, as written between the brackets, and the line of its header. */
const char *ini_section_name(const struct ini *ini);
int ini_section_line(const struct ini *ini);
bool ini_continued(const struct ini *ini);
void *ini_userdata(const struct ini *ini);

/* The one boolean syntax: yes, true -> true; no, false -> false; else -EINVAL. */
int ini_bool_value(const char *v, bool *ret);
/* A decimal integer from min to max; else -EINVAL. */
int ini_int_value(const char *v, int min, int max, int *ret);
