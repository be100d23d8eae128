/* xlstore.c: xl config files, their backups and hvclock's records in dom0: find, read, write atomically. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "backends/libxl/xlstore.h"

/*
 * hvclock's record: Xen has no per-domain metadata that outlives the domain
 * (libxl's userdata files are deleted when it is destroyed), and a comment in
 * the config file would be a second edit of a file people maintain. So the
 * record is a sidecar JSON file, $HVCLOCK_STATE_DIR/xen/NAME.record (default
 * /var/lib/hvclock; directory 0700, file 0600, temp + fsync + rename), keyed
 * by the domain NAME, not its UUID: xl gives a domain a new random UUID at
 * every `xl create` unless the file pins uuid=, while the name is what the
 * file and xl call the guest. The record is written before the config file (a
 * record of a change that did not happen is harmless: rollback finds the old
 * line already there) and put back when the file cannot be written.
 */

#define DEFAULT_CONFIG_DIRS "/etc/xen:/etc/xen/auto"
#define MAX_CONFIG_SIZE (1024 * 1024)

void hvc_xl_store_init(struct hvc_xl_store *s)
{
	const char *dirs = getenv("HVCLOCK_XEN_CONFIG_DIRS");

	s->config_dirs = strv_split(dirs && *dirs ? dirs : DEFAULT_CONFIG_DIRS, ":");
	s->state_dir = xstrdup(hvc_state_dir());
}

void hvc_xl_store_finish(struct hvc_xl_store *s)
{
	strv_free(s->config_dirs);
	free(s->state_dir);
	memset(s, 0, sizeof(*s));
}

/* ---- small file helpers ---- */

/* Read a whole config-sized text file; -EINVAL if it holds a NUL byte. */
static int read_text(const char *path, char **ret, struct hvc_error *err)
{
	_cleanup_free_ char *buf = NULL;
	size_t n = 0;
	struct stat st;
	ssize_t k;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return hvc_error_set(err, -errno, "cannot read %s: %s", path, strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > MAX_CONFIG_SIZE) {
		close(fd);
		return hvc_error_set(
			err, -EINVAL, "cannot read %s: not a regular file under 1 MiB", path);
	}
	buf = xmalloc((size_t)st.st_size + 1);
	while (n < (size_t)st.st_size && (k = read(fd, buf + n, (size_t)st.st_size - n)) != 0) {
		if (k < 0) {
			if (errno == EINTR)
				continue;
			close(fd);
			return hvc_error_set(
				err, -errno, "cannot read %s: %s", path, strerror(errno));
		}
		n += (size_t)k;
	}
	close(fd);
	buf[n] = '\0';
	if (strlen(buf) != n)
		return hvc_error_set(err, -EINVAL, "%s holds a NUL byte: not an xl config", path);
	*ret = TAKE_PTR(buf);
	return 0;
}

/* ---- finding a domain's config file ---- */

void hvc_xl_file_finish(struct hvc_xl_file *f)
{
	free(f->path);
	free(f->why);
	free(f->text);
	hvc_xlcfg_finish(&f->cfg);
	free(f->parse_error);
	memset(f, 0, sizeof(*f));
}

/* Read and parse path into f. -ENOENT: not a readable regular file. */
static int load_file(const char *path, struct hvc_xl_file *f)
{
	struct hvc_error e = { 0 };
	struct stat st;

	memset(f, 0, sizeof(*f));
	if (stat(path, &st) < 0 || !S_ISREG(st.st_mode))
		return -ENOENT;
	f->path = xstrdup(path);
	if (read_text(path, &f->text, &e) < 0) {
		f->parse_error = xstrdup(e.msg);
		return 0;
	}
	if (hvc_xlcfg_parse(f->text, path, &f->cfg, &e) < 0) {
		f->parse_error = xstrdup(e.msg);
		return 0;
	}
	f->parsed = true;
	return 0;
}

static bool name_is_file_name(const char *name)
{
	return *name && name[0] != '.' && !strchr(name, '/');
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && streq(s + a - b, suffix);
}

static int compare_strings(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * The config file of domain name. 0 with *ret filled, or -ENOENT / -EEXIST
 * (ambiguous) with a one-line explanation in err.
 */
int hvc_xl_find_config(const struct hvc_xl_store *s, const char *name, struct hvc_xl_file *ret,
	struct hvc_error *err)
{
	_cleanup_strv_free_ char **seen = NULL;
	_cleanup_free_ char *dirs = strv_join(s->config_dirs, ":");
	struct hvc_xl_file found = { 0 };
	size_t n_found = 0;
	char *other = NULL;

	/* 1. NAME.cfg, then NAME (what `xl create NAME` reads), in each directory. */
	if (name_is_file_name(name)) {
		STRV_FOREACH (d, s->config_dirs) {
			const char *suffixes[] = { ".cfg", "" };
			for (size_t i = 0; i < ELEMENTSOF(suffixes); i++) {
				_cleanup_free_ char *p =
					xasprintf("%s/%s%s", *d, name, suffixes[i]);
				struct hvc_xl_file f;

				if (load_file(p, &f) < 0)
					continue;
				if (!f.parsed) {
					/* Named after the domain: it is its file, and it is broken. */
					f.why = xasprintf(
						"named after the domain; %s", f.parse_error);
					*ret = f;
					return 0;
				}
				if (f.cfg.name && streq(f.cfg.name, name)) {
					f.why = xstrdup(
						"named after the domain, and its name= matches");
					*ret = f;
					return 0;
				}
				hvc_xl_file_finish(&f);
			}
		}
	}

	/* 2. Exactly one *.cfg whose name= is the domain's (the same file through links counts once). */
	STRV_FOREACH (d, s->config_dirs) {
		_cleanup_strv_free_ char **names = NULL;
		DIR *dir = opendir(*d);
		struct dirent *de;

		if (!dir)
			continue;
		while ((de = readdir(dir)))
			if (de->d_name[0] != '.' && ends_with(de->d_name, ".cfg"))
				strv_push(&names, de->d_name);
		closedir(dir);
		if (names)
			qsort(names, strv_length(names), sizeof(*names), compare_strings);
		STRV_FOREACH (fn, names) {
			_cleanup_free_ char *p = xasprintf("%s/%s", *d, *fn);
			_cleanup_free_ char *real = NULL;
			struct hvc_xl_file f;

			if (load_file(p, &f) < 0)
				continue;
			real = realpath(p, NULL);
			if (!f.parsed || !f.cfg.name || !streq(f.cfg.name, name) ||
				strv_contains(seen, real ? real : p)) {
				hvc_xl_file_finish(&f);
				continue;
			}
			strv_push(&seen, real ? real : p);
			if (n_found++ == 0) {
				found = f;
			} else {
				if (!other)
					other = xstrdup(p);
				hvc_xl_file_finish(&f);
			}
		}
	}
	if (n_found == 1) {
		found.why = xasprintf("the only *.cfg in %s whose name= is \"%s\"", dirs, name);
		*ret = found;
		return 0;
	}
	if (n_found > 1) {
		hvc_error_set(err, -EEXIST,
			"no xl config file chosen: %s and %s both say name=\"%s\" (keep one, or "
			"name the file %s.cfg)",
			found.path, other, name, name);
		hvc_xl_file_finish(&found);
		free(other);
		return -EEXIST;
	}
	return hvc_error_set(err, -ENOENT,
		"no xl config file found in %s (looked for %s.cfg, %s, and a *.cfg with "
		"name=\"%s\")",
		dirs, name, name, name);
}

/* ---- the record ---- */

/* $STATE/xen/NAME.record, the name escaped to one safe path component. */
char *hvc_xl_record_path(const struct hvc_xl_store *s, const char *name)
{
	char *esc = xmalloc(strlen(name) * 3 + 1), *p;
	size_t o = 0;

	for (const char *q = name; *q; q++) {
		unsigned char c = (unsigned char)*q;
		bool safe = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			(c >= '0' && c <= '9') || c == '_' || c == '-' || (c == '.' && q != name);
		if (safe)
			esc[o++] = (char)c;
		else
			o += (size_t)sprintf(esc + o, "%%%02X", c);
	}
	esc[o] = '\0';
	p = xasprintf("%s/xen/%s.record", s->state_dir, esc);
	free(esc);
	return p;
}

static char *json_str(json_object *o, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return xstrdup(json_object_get_string(v));
}

static bool json_get_bool(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) && json_object_get_boolean(v);
}

int hvc_xl_load_record(const struct hvc_xl_store *s, const char *name, struct hvc_record *ret,
	bool *ret_found, struct hvc_error *err)
{
	_cleanup_free_ char *path = hvc_xl_record_path(s, name), *text = NULL;
	struct hvc_error e = { 0 };
	json_object *o, *v;

	*ret_found = false;
	if (access(path, F_OK) < 0)
		return 0;
	if (read_text(path, &text, &e) < 0)
		return hvc_error_set(err, -EINVAL, "%s", e.msg);
	o = json_tokener_parse(text);
	if (!o || !json_object_is_type(o, json_type_object) ||
		!json_object_object_get_ex(o, "version", &v) || json_object_get_int(v) != 1) {
		if (o)
			json_object_put(o);
		return hvc_error_set(err, -EINVAL, "%s is not an hvclock record (version 1)", path);
	}
	hvc_record_finish(ret);
	ret->profile = json_str(o, "profile");
	ret->time = json_str(o, "time");
	ret->cmdline_changed = json_get_bool(o, "cmdline_changed");
	ret->had_cmdline = json_get_bool(o, "had_cmdline");
	ret->old_cmdline = json_str(o, "old_cmdline");
	ret->new_cmdline = json_str(o, "new_cmdline");
	ret->address = json_str(o, "address");
	if (json_object_object_get_ex(o, "port", &v))
		ret->port = json_object_get_int(v);
	*ret_found = true;
	json_object_put(o);
	return 0;
}

static json_object *json_str_or_null(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

int hvc_xl_store_record(const struct hvc_xl_store *s, const char *name, const char *uuid,
	const char *config, const struct hvc_record *rec, struct hvc_error *err)
{
	_cleanup_free_ char *path = hvc_xl_record_path(s, name);
	_cleanup_free_ char *dir = xasprintf("%s/xen", s->state_dir);
	json_object *o;
	const char *text;
	int r;

	if (!rec) {
		if (unlink(path) < 0 && errno != ENOENT)
			return hvc_error_set(
				err, -errno, "cannot remove %s: %s", path, strerror(errno));
		return 0;
	}
	if ((r = hvc_mkdir_private(s->state_dir, err)) < 0 || (r = hvc_mkdir_private(dir, err)) < 0)
		return r;
	o = json_object_new_object();
	json_object_object_add(o, "version", json_object_new_int(1));
	json_object_object_add(o, "name", json_object_new_string(name));
	json_object_object_add(o, "uuid", json_str_or_null(uuid && *uuid ? uuid : NULL));
	json_object_object_add(o, "config", json_str_or_null(config));
	json_object_object_add(o, "profile", json_str_or_null(rec->profile));
	json_object_object_add(o, "time", json_str_or_null(rec->time));
	json_object_object_add(o, "cmdline_changed", json_object_new_boolean(rec->cmdline_changed));
	json_object_object_add(o, "had_cmdline", json_object_new_boolean(rec->had_cmdline));
	json_object_object_add(o, "old_cmdline", json_str_or_null(rec->old_cmdline));
	json_object_object_add(o, "new_cmdline", json_str_or_null(rec->new_cmdline));
	json_object_object_add(o, "address", json_str_or_null(rec->address));
	json_object_object_add(o, "port", json_object_new_int(rec->port));
	text = json_object_to_json_string_ext(o,
		JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE);
	{
		_cleanup_free_ char *data = xasprintf("%s\n", text);
		r = hvc_write_file_atomic(path, data, strlen(data), 0600, err);
	}
	json_object_put(o);
	return r;
}

/* ---- the change ---- */

/* Where the first original goes: next to the file, except in an xendomains auto directory. */
static char *backup_path(const struct hvc_xl_store *s, const char *real, struct hvc_error *err)
{
	_cleanup_free_ char *dir = xstrdup(real);
	char *slash = strrchr(dir, '/');
	const char *base = slash ? slash + 1 : real;
	const char *parent;

	if (slash)
		*slash = '\0';
	parent = strrchr(dir, '/');
	parent = parent ? parent + 1 : dir;
	if (streq(parent, "auto")) {
		_cleanup_free_ char *xdir = xasprintf("%s/xen", s->state_dir);
		if (hvc_mkdir_private(s->state_dir, err) < 0 || hvc_mkdir_private(xdir, err) < 0)
			return NULL;
		return xasprintf("%s/%s%s", xdir, base, HVC_XL_BACKUP_SUFFIX);
	}
	return xasprintf("%s%s", real, HVC_XL_BACKUP_SUFFIX);
}

/* Store text as the domain's "xl" userdata (= xl config-update) and read it back. */

/* "" and NULL are both "no command line". */
static const char *norm(const char *s)
{
	return s && *s ? s : NULL;
}

int hvc_xl_rewrite_config(const struct hvc_xl_store *s, const char *name, const char *uuid,
	const char *expect_old, const char *new_cmdline, const struct hvc_record *rec,
	char **ret_text, char **ret_path, const char **ret_key, struct hvc_error *err)
{
	_cleanup_free_ char *real = NULL, *new_text = NULL, *backup = NULL, *back = NULL;
	_cleanup_free_ char *rec_path = NULL, *old_rec = NULL;
	struct hvc_xl_file f = { 0 };
	struct hvc_xlcfg check = { 0 };
	struct stat st;
	const char *key = NULL;
	int r;

	r = hvc_xl_find_config(s, name, &f, err);
	if (r < 0)
		goto out;
	if (!f.parsed) {
		r = hvc_error_set(err, -EINVAL, "%s: refused: %s", f.path, f.parse_error);
		goto out;
	}
	/* Write the file a link points to: renaming over /etc/xen/auto/x.cfg would cut the link. */
	real = realpath(f.path, NULL);
	if (!real || stat(real, &st) < 0) {
		r = hvc_error_set(err, -errno, "cannot resolve %s: %s", f.path, strerror(errno));
		goto out;
	}
	if (!streq_ptr(norm(f.cfg.cmdline), norm(expect_old))) {
		r = hvc_error_set(err, -ESTALE,
			"%s: the kernel command line changed since it was read (now '%s')", f.path,
			strna(f.cfg.cmdline));
		goto out;
	}
	r = hvc_xlcfg_set_cmdline(f.text, real, new_cmdline, &new_text, &key, err);
	if (r < 0)
		goto out;

	/* The record first; the old one goes back if the file cannot be written. */
	rec_path = hvc_xl_record_path(s, name);
	if (access(rec_path, F_OK) == 0 && read_text(rec_path, &old_rec, err) < 0) {
		r = -EIO;
		goto out;
	}
	r = hvc_xl_store_record(s, name, uuid, real, rec, err);
	if (r < 0)
		goto out;

	if (!streq(new_text, f.text)) {
		struct stat bst;

		backup = backup_path(s, real, err);
		if (!backup) {
			r = -EIO;
			goto undo_record;
		}
		/* The first original only: a backup that exists is never replaced. */
		if (lstat(backup, &bst) < 0) {
			r = hvc_write_file_atomic(backup, f.text, strlen(f.text), 0600, err);
			if (r < 0)
				goto undo_record;
		}
		r = hvc_write_file_atomic_like(real, new_text, strlen(new_text), 0, &st, err);
		if (r < 0)
			goto undo_record;
	}

	/* Read back what is on disk now. */
	r = read_text(real, &back, err);
	if (r < 0)
		goto out;
	r = hvc_xlcfg_parse(back, real, &check, err);
	if (r < 0)
		goto out;
	if (!streq_ptr(norm(check.cmdline), norm(new_cmdline))) {
		r = hvc_error_set(err, -EIO, "%s reads back with the command line '%s'", real,
			strna(check.cmdline));
		goto out;
	}
	*ret_text = TAKE_PTR(back);
	*ret_path = TAKE_PTR(real);
	if (ret_key)
		*ret_key = key;
	r = 0;
	goto out;

undo_record:
	if (old_rec) {
		struct hvc_error ignore = { 0 };
		hvc_write_file_atomic(rec_path, old_rec, strlen(old_rec), 0600, &ignore);
	} else {
		unlink(rec_path);
	}
out:
	hvc_xlcfg_finish(&check);
	hvc_xl_file_finish(&f);
	return r;
}
