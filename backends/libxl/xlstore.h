/* xlstore.h: the files the libxl backend reads and writes in dom0 (xl configs, backups, records); no libxl. */
#pragma once

#include <stdbool.h>

#include "backends/libxl/xlcfg.h"
#include "core/error.h"
#include "core/guest.h"

#define HVC_XL_BACKUP_SUFFIX ".hvclock-orig"

/* Where to look and where to keep state; both from the environment. */
struct hvc_xl_store {
	char **config_dirs; /* $HVCLOCK_XEN_CONFIG_DIRS (colon-separated), else /etc/xen:/etc/xen/auto */
	char *state_dir; /* $HVCLOCK_STATE_DIR, else /var/lib/hvclock */
};

/* Fill s from the environment (defaults as above; never fails); hvc_xl_store_finish() frees. */
void hvc_xl_store_init(struct hvc_xl_store *s);
void hvc_xl_store_finish(struct hvc_xl_store *s);

/* A domain's config file as found. */
struct hvc_xl_file {
	char *path; /* as found (may be a symlink) */
	char *why; /* how it was matched, for people */
	char *text;
	bool parsed;
	struct hvc_xlcfg cfg; /* when parsed */
	char *parse_error; /* when not: libxlutil's (or the read's) one-line message */
};

/* Free what f owns (its cfg too, when parsed). */
void hvc_xl_file_finish(struct hvc_xl_file *f);

/*
 * Nothing in Xen records which file a domain came from. In each config
 * directory, in order: NAME.cfg, then NAME (what `xl create NAME` reads), if
 * its name= is the domain's (or it cannot be parsed: then it is the domain's
 * file, and broken); else exactly one *.cfg in all directories whose name= is
 * the domain's (one file reached through several links counts once).
 * -ENOENT (none) or -EEXIST (several) with a one-line explanation in err.
 */
int hvc_xl_find_config(const struct hvc_xl_store *s, const char *name, struct hvc_xl_file *ret,
	struct hvc_error *err);

/* $STATE/xen/NAME.record, NAME escaped to one safe path component. */
char *hvc_xl_record_path(const struct hvc_xl_store *s, const char *name);

/* *ret_found false (and *ret untouched) when there is none; -EINVAL when it is unreadable. */
int hvc_xl_load_record(const struct hvc_xl_store *s, const char *name, struct hvc_record *ret,
	bool *ret_found, struct hvc_error *err);

/* Write rec atomically (dir 0700, file 0600); rec NULL removes the record. */
int hvc_xl_store_record(const struct hvc_xl_store *s, const char *name, const char *uuid,
	const char *config, const struct hvc_record *rec, struct hvc_error *err);

/*
 * The file side of set_boot_cmdline for domain name: find its config file,
 * refuse one libxlutil cannot parse, check that its command line is still
 * expect_old (-ESTALE), rewrite it (hvc_xlcfg_set_cmdline), store rec (first,
 * put back if the file write fails), keep the first original (FILE.hvclock-orig
 * next to the file; $STATE/xen/ for a file in an xendomains "auto"
 * directory, which starts every file there), write the file a symlink points
 * to atomically (temp + fsync + rename, owner and mode kept), and read it back.
 * On success *ret_text is the text now on disk, *ret_path the file written,
 * *ret_key the key changed. Errors are one line naming the file, not the guest.
 */
int hvc_xl_rewrite_config(const struct hvc_xl_store *s, const char *name, const char *uuid,
	const char *expect_old, const char *new_cmdline, const struct hvc_record *rec,
	char **ret_text, char **ret_path, const char **ret_key, struct hvc_error *err);
