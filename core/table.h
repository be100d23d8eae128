/*
 * table.h: the guest tables (list; plan, rollout and rollback; check) as column tables,
 * printed through util-linux's libsmartcols: `--output` picks columns by name, `--noheadings`,
 * `--raw`, and on a terminal libsmartcols fits the table to its width. A column is one row of
 * a report's table: adding one is one line there.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum {
	HVC_COL_DEFAULT_PLAN = 1 << 0, /* shown without --output by plan (and list, check) */
	HVC_COL_DEFAULT_APPLY = 1 << 1, /* shown without --output by rollout and rollback */
	HVC_COL_DEFAULT = HVC_COL_DEFAULT_PLAN | HVC_COL_DEFAULT_APPLY,
	HVC_COL_TRUNC = 1 << 2, /* may be cut to fit the terminal (never when not a terminal) */
	HVC_COL_DEFAULT_HOSTS = 1 << 3, /* shown without --output when the run has several hosts */
};

struct hvc_column {
	const char *name; /* the --output name (any case) */
	const char *header; /* NULL: the name */
	unsigned flags; /* HVC_COL_* */
	/* The cell of row (the table's row type), for a terminal; caller frees; NULL: "-". */
	char *(*cell)(const void *row);
};

struct hvc_table_opts {
	char **columns; /* --output: names in the order given; NULL: the default columns */
	bool noheadings; /* --noheadings */
	bool raw; /* --raw: libsmartcols' raw mode (one space, blanks escaped as \x20) */
	bool terminal; /* stdout is a terminal: libsmartcols fits the table to its width */
};

/*
 * 0 if every name of names is a column of cols (ended by a NULL name), else -1 with
 * *ret_unknown set to the first that is not.
 */
int hvc_table_check_columns(
	const struct hvc_column *cols, char *const *names, const char **ret_unknown);
/* "GUEST, KIND, ...": the names of cols, for messages and completion. Caller frees. */
char *hvc_table_column_names(const struct hvc_column *cols, const char *sep);
/*
 * Print rows[0..n) as a table of cols on f: the columns o->columns names (unknown ones are
 * left out: check them first), or those whose flags have a bit of default_mask.
 */
void hvc_table_print(FILE *f, const struct hvc_column *cols, unsigned default_mask,
	const struct hvc_table_opts *o, const void *const *rows, size_t n);
