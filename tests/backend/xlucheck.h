/* xlucheck.h: libxlutil as the independent judge of xl config text in the tests (not hvclock's code). */
#pragma once

#include <stdbool.h>
#include <stdio.h>

#include <libxlutil.h>

struct xlu_parsed {
	XLU_Config *cfg;
	FILE *report;
	char *buf; /* libxlutil's messages */
	size_t len;
};

/* Parse text with libxlutil; false (p->buf says why) if it rejects it. Always xlu_parsed_close(). */
bool xlu_parse(const char *text, struct xlu_parsed *p);
void xlu_parsed_close(struct xlu_parsed *p);

/* A key's string value, NULL if absent or a list (borrowed from p). */
const char *xlu_str(const struct xlu_parsed *p, const char *key);

/*
 * Add the keys of text to keys (each once): a simple scan for `key =` / `key +=` at the start of
 * a line or after a ';' (a false hit inside a string is harmless: it is absent from both parses).
 */
char **xlu_scan_keys(const char *text, char **keys);

/* Same value for key in both (string, or list item by item, nested), or absent from both. */
bool xlu_value_eq(const struct xlu_parsed *a, const struct xlu_parsed *b, const char *key);
