/* ssh.c: the SSH guest transport: libssh sessions with strict host keys, key auth, bounded exec. */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <netdb.h>
#include <poll.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libssh/libssh.h>

#include "backends/ssh/ssh.h"

/*
 * Time: every blocking libssh call (connect, auth, channel open, exec
 * request, flush, exit status) waits at most SSH_OPTIONS_TIMEOUT(+_USEC),
 * so before each one the session's timeout is set to what is left of the
 * current budget (never 0: libssh reads 0 as "10 s" or "forever"). The data
 * phase of exec never blocks longer than a short slice.
 *
 * Host names: libssh parses "user@host" in SSH_OPTIONS_HOST and would
 * switch users; such names are refused.
 */

#define DEFAULT_CONNECT_MS 10000
#define DEFAULT_COMMAND_MS 60000
#define DEFAULT_DEADLINE_MS 300000
#define DEFAULT_MAX_OUTPUT ((size_t)16 << 20)
#define STDERR_KEEP ((size_t)64 << 10)
#define CHUNK 32768
/* Longest wait inside the exec loop for the socket to become readable (a safety net only). */
#define SLICE_MS 1000

struct jump_host;

struct ssh_transport {
	struct hvc_transport base;
	char *lock_path;
	struct jump_host *jump; /* NULL: guests are connected to directly */
	/* hvc_ssh_host_transport_new(): where connect(NULL host) goes */
	char *fixed_host, *fixed_user;
	unsigned fixed_port;
	/* The identity, parsed at the first connection that needs it and shared by all (libssh
	 * only reads a key to sign with it); a key that fails to load is tried again, per guest. */
	pthread_mutex_t identity_lock;
	ssh_key identity_key;
};

/* A session: struct ssh_conn first (core/transport.h), then libssh's state. */
struct ssh_conn {
	struct hvc_session base;
	struct ssh_transport *t;
	ssh_session ssh;
	char *where; /* "host:port" (IPv6 in brackets), first word of every message */
	char *key_name; /* the known_hosts name of its key: the alias, or "[host]:port" */
	char *new_entry; /* accept_new: the known_hosts line for an unknown key, not yet written */
	const char *user; /* the login user (borrowed: the transport's or the jump host's) */
	int fwd_fd; /* the jump channel's socketpair end (SSH_OPTIONS_FD); or -1 */
	dev_t fwd_dev; /* fwd_fd's identity: libssh closes it itself on a socket error or EOF, */
	ino_t fwd_ino; /* and its number may be another thread's file by then */
	bool is_host; /* a hypervisor host (jump host, remote dom0), not a guest: for messages */
	int64_t connected; /* monotonic ms at the start of connect */
	int64_t deadline; /* connected + guest deadline */
	bool lost; /* connection gone: every later exec fails at once */
};

/* One writer of known_hosts files per process; flock() orders processes. */
static pthread_mutex_t known_hosts_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static int init_result;

static void init_libssh(void)
{
	init_result = ssh_init();
}

/* Bound the next blocking libssh call; at least 1 ms (0 means "default" to libssh). */
static void set_budget(ssh_session ssh, int64_t deadline)
{
	int ms = hvc_left_ms(deadline);
	long sec, usec;

	if (ms < 1)
		ms = 1;
	sec = ms / 1000;
	usec = (long)(ms % 1000) * 1000;
	ssh_options_set(ssh, SSH_OPTIONS_TIMEOUT, &sec);
	ssh_options_set(ssh, SSH_OPTIONS_TIMEOUT_USEC, &usec);
}

static int64_t min64(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

static bool connection_lost(ssh_session ssh)
{
	return !ssh_is_connected(ssh) || (ssh_get_status(ssh) & (SSH_CLOSED | SSH_CLOSED_ERROR));
}

static struct ssh_transport *ssh_transport_from_transport(struct hvc_transport *t)
{
	assert(t && t->impl == &hvc_ssh_transport_impl);
	return (struct ssh_transport *)t;
}

static struct ssh_conn *ssh_conn_from_session(struct hvc_session *s)
{
	assert(s && s->impl == &hvc_ssh_transport_impl);
	return (struct ssh_conn *)s;
}

/* SHA256 fingerprint of the server's host key, "SHA256:<base64>"; never NULL. */
static char *server_key_fingerprint(ssh_session ssh)
{
	ssh_key key = NULL;
	unsigned char *hash = NULL;
	size_t hlen = 0;
	char *fp, *ret;

	if (ssh_get_server_publickey(ssh, &key) != SSH_OK)
		return xstrdup("(no host key)");
	if (ssh_get_publickey_hash(key, SSH_PUBLICKEY_HASH_SHA256, &hash, &hlen) != 0) {
		ssh_key_free(key);
		return xstrdup("(unhashable host key)");
	}
	fp = ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash, hlen);
	ret = xstrdup(fp ? fp : "(unhashable host key)");
	ssh_string_free_char(fp);
	ssh_clean_pubkey_hash(&hash);
	ssh_key_free(key);
	return ret;
}

/* mkdir -p; new directories get mode. */
static int mkdir_parents(const char *dir, mode_t mode)
{
	_cleanup_free_ char *p = xstrdup(dir);

	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, mode) < 0 && errno != EEXIST)
			return -errno;
		*s = '/';
	}
	if (mkdir(p, mode) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return xstrdup(".");
	if (slash == path)
		return xstrdup("/");
	return xstrndup(path, (size_t)(slash - path));
}

/* The whole file (NUL-terminated, in the one output buffer of core/util.h) and its fstat. */
static int read_whole_file(const char *path, char **ret, size_t *ret_len, struct stat *ret_st)
{
	struct hvc_obuf b = { 0 };
	char chunk[8192];
	int fd = open(path, O_RDONLY | O_CLOEXEC), r = 0;

	if (fd < 0)
		return -errno;
	if (fstat(fd, ret_st) < 0)
		r = -errno;
	while (r == 0) {
		ssize_t n = read(fd, chunk, sizeof(chunk));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			r = -errno;
		if (n <= 0)
			break;
		hvc_obuf_append(&b, chunk, (size_t)n);
	}
	close(fd);
	if (r < 0) {
		free(b.data);
		return r;
	}
	*ret = hvc_obuf_take(&b, ret_len);
	return 0;
}

/*
 * True if some line of text names host_port among its comma-separated host
 * patterns (plain, not hashed). libssh stops at a malformed or unsupported
 * line for the host and then reports the host as unknown: such a line must
 * not be mistaken for "no entry" and get a second, different key.
 */
static bool text_names_host(const char *text, const char *host_port, size_t *ret_line)
{
	size_t hlen = strlen(host_port), lineno = 0;

	for (const char *p = text; *p;) {
		const char *end = strchr(p, '\n');
		const char *q = p;

		if (!end)
			end = p + strlen(p);
		lineno++;
		while (q < end && (*q == ' ' || *q == '\t'))
			q++;
		while (q < end && *q != '#' && *q != ' ' && *q != '\t') {
			const char *tok = q;

			while (q < end && *q != ',' && *q != ' ' && *q != '\t')
				q++;
			if ((size_t)(q - tok) == hlen && strncasecmp(tok, host_port, hlen) == 0) {
				*ret_line = lineno;
				return true;
			}
			if (q < end && *q == ',')
				q++;
		}
		p = *end ? end + 1 : end;
	}
	return false;
}

/*
 * Replace path by its old content plus line, with the one atomic write (core/util.h). A
 * symlinked known_hosts stays a symlink: its target is written. An existing file keeps its
 * mode and owner; a new one is 0600.
 */
static int append_line(const char *path, const char *line, struct hvc_error *err, const char *where)
{
	_cleanup_free_ char *target = NULL, *old = NULL, *text = NULL;
	struct hvc_obuf b = { 0 };
	size_t old_len = 0, len;
	struct stat st = { 0 }, lst;
	bool have_old;
	int r;

	if (lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode)) {
		target = realpath(path, NULL);
		if (!target)
			return hvc_error_set(err, -errno,
				"%s: cannot resolve known_hosts symlink %s: %s", where, path,
				strerror(errno));
	} else {
		target = xstrdup(path);
	}
	r = read_whole_file(target, &old, &old_len, &st);
	if (r < 0 && r != -ENOENT)
		return hvc_error_set(err, r, "%s: cannot read %s: %s", where, target, strerror(-r));
	have_old = r == 0;

	hvc_obuf_append(&b, old ? old : "", old_len);
	if (old_len > 0 && old[old_len - 1] != '\n')
		hvc_obuf_append(&b, "\n", 1);
	hvc_obuf_append(&b, line, strlen(line));
	text = hvc_obuf_take(&b, &len);
	r = hvc_write_file_atomic_like(target, text, len, 0600, have_old ? &st : NULL, err);
	if (r < 0)
		hvc_error_prefix(err, "%s", where);
	return r;
}

static int lock_mutex_until(pthread_mutex_t *m, int64_t deadline)
{
	struct timespec abs;
	int ms = hvc_left_ms(deadline);

	clock_gettime(CLOCK_REALTIME, &abs);
	abs.tv_sec += ms / 1000;
	abs.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (abs.tv_nsec >= 1000000000L) {
		abs.tv_sec++;
		abs.tv_nsec -= 1000000000L;
	}
	return -pthread_mutex_timedlock(m, &abs);
}

enum kh_state {
	KH_NOT_FOUND,
	KH_OK,
	KH_CHANGED, /* an entry of the same key type with another key */
	KH_OTHER, /* entries only of other key types */
	KH_BAD_LINE, /* a line that names key_name but cannot be parsed */
};

/*
 * Whether the known_hosts line [p, end) may be one for name: a plain host list (no hash, marker,
 * wildcard or negation) none of whose entries is name (nor "[name]:22", which libssh also tries
 * for a bracketed entry when name is not bracketed) is not; anything else goes to libssh's
 * parser, so the filter never hides a line libssh would match (a changed key must stay changed,
 * never become unknown). The host field ends at the first space: libssh splits fields on ' '
 * only (a tab stays in the field and in its entry).
 * A fleet's file has a line per guest: each connection parses its own, not every guest's.
 */
static bool line_may_name(const char *p, const char *end, const char *name)
{
	size_t nlen = strlen(name);
	const char *fend;

	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if (p == end || *p == '#' || *p == '\r')
		return false; /* blank or comment: skipped by the caller too */
	if (*p == '|' || *p == '@')
		return true;
	fend = memchr(p, ' ', (size_t)(end - p));
	if (!fend)
		fend = end;
	while (p < fend) {
		const char *tok = p;
		size_t len;

		while (p < fend && *p != ',') {
			if (*p == '*' || *p == '?' || *p == '!')
				return true;
			p++;
		}
		len = (size_t)(p - tok);
		if (len == nlen && strncasecmp(tok, name, nlen) == 0)
			return true;
		/* "[name]:22" names a plain name too (libssh's match for port 22) */
		if (name[0] != '[' && len == nlen + 5 && tok[0] == '[' &&
			strncasecmp(tok + 1, name, nlen) == 0 &&
			memcmp(tok + 1 + nlen, "]:22", 4) == 0)
			return true;
		if (p < fend)
			p++;
	}
	return false;
}

/*
 * Look key up for name in the known_hosts text (OpenSSH's rules: a matching
 * line with this key wins; else one with the same key type means changed).
 * ret_types gets the key types recorded for name ("ssh-ed25519,ssh-rsa"), if
 * asked; ret_line the number of a line naming name that libssh cannot parse.
 */
static enum kh_state kh_lookup(
	const char *text, const char *name, ssh_key key, char **ret_types, size_t *ret_line)
{
	enum kh_state st = KH_NOT_FOUND;
	_cleanup_strv_free_ char **types = NULL;
	size_t lineno = 0;

	for (const char *p = text ? text : ""; *p;) {
		const char *end = strchr(p, '\n');
		_cleanup_free_ char *line = NULL;
		struct ssh_knownhosts_entry *e = NULL;
		char *l;
		int rc;

		if (!end)
			end = p + strlen(p);
		lineno++;
		if (!line_may_name(p, end, name)) {
			p = *end ? end + 1 : end;
			continue;
		}
		l = line = xstrndup(p, (size_t)(end - p));
		p = *end ? end + 1 : end;
		l += strspn(l, " \t");
		l[strcspn(l, "\r")] = '\0';
		if (!*l || *l == '#')
			continue;
		rc = ssh_known_hosts_parse_line(name, l, &e);
		if (rc == SSH_AGAIN) {
			ssh_knownhosts_entry_free(e);
			continue;
		}
		if (rc != SSH_OK || !e || !e->publickey) {
			size_t at;

			ssh_knownhosts_entry_free(e);
			if (text_names_host(l, name, &at)) {
				*ret_line = lineno;
				return KH_BAD_LINE;
			}
			continue;
		}
		if (ret_types &&
			!strv_contains(types, ssh_key_type_to_char(ssh_key_type(e->publickey))))
			strv_push(&types, ssh_key_type_to_char(ssh_key_type(e->publickey)));
		if (key && ssh_key_cmp(e->publickey, key, SSH_KEY_CMP_PUBLIC) == 0)
			st = KH_OK;
		else if (key && st != KH_OK && ssh_key_type(e->publickey) == ssh_key_type(key))
			st = KH_CHANGED;
		else if (key && st == KH_NOT_FOUND)
			st = KH_OTHER;
		ssh_knownhosts_entry_free(e);
	}
	if (ret_types)
		*ret_types = types ? strv_join(types, ",") : NULL;
	return st;
}

/* The known_hosts file's text ("" if it does not exist); NULL and err set if unreadable. */
static char *kh_read(const char *where, const char *path, struct hvc_error *err)
{
	char *text = NULL;
	size_t len;
	struct stat st;
	int r = read_whole_file(path, &text, &len, &st);

	if (r == -ENOENT)
		return xstrdup("");
	if (r < 0) {
		hvc_error_set(err, r, "%s: cannot read %s: %s", where, path, strerror(-r));
		return NULL;
	}
	return text;
}

static int refuse_key(
	struct ssh_conn *s, enum kh_state state, size_t line, ssh_key key, struct hvc_error *err)
{
	_cleanup_free_ char *fp = server_key_fingerprint(s->ssh);
	const char *kh = s->t->base.options.known_hosts;

	switch (state) {
	case KH_BAD_LINE:
		return hvc_error_set(err, -EKEYREJECTED,
			"%s: %s line %zu has an entry for %s that libssh cannot use (corrupt or "
			"unsupported key type): refusing to add another key; fix or remove that "
			"line",
			s->where, kh, line, s->key_name);
	case KH_OTHER:
		return hvc_error_set(err, -EKEYREJECTED,
			"%s: host key type changed for %s (offered %s %s, %s records another "
			"type): "
			"refusing; if the %s, run: ssh-keygen -R '%s' -f %s",
			s->where, s->key_name, ssh_key_type_to_char(ssh_key_type(key)), fp, kh,
			s->is_host ? "host was re-installed" : "guest was re-created", s->key_name,
			kh);
	default:
		return hvc_error_set(err, -EKEYREJECTED,
			"%s: host key changed for %s (offered %s): refusing; if the %s, run: "
			"ssh-keygen -R '%s' -f %s",
			s->where, s->key_name, fp,
			s->is_host ? "host was re-installed" : "guest was re-created", s->key_name,
			kh);
	}
}

/* The known_hosts line for key under name: "NAME TYPE BASE64". */
static char *kh_entry(const char *name, ssh_key key)
{
	char *b64 = NULL, *line;

	if (ssh_pki_export_pubkey_base64(key, &b64) != SSH_OK || !b64)
		return NULL;
	line = xasprintf("%s %s %s\n", name, ssh_key_type_to_char(ssh_key_type(key)), b64);
	ssh_string_free_char(b64);
	return line;
}

/*
 * Write the key that connect() accepted as new, one writer at a time,
 * re-checking under the lock (another thread or process may have recorded
 * it, or another key, meanwhile).
 */
static int record_host_key(struct ssh_conn *s, struct hvc_error *err)
{
	const char *kh = s->t->base.options.known_hosts;
	int64_t deadline = s->deadline;
	_cleanup_free_ char *dir = dir_of(kh), *text = NULL;
	ssh_key key = NULL;
	enum kh_state state;
	size_t line = 0;
	int lockfd = -1, r;

	r = lock_mutex_until(&known_hosts_mutex, deadline);
	if (r < 0)
		return hvc_error_set(err, r == -ETIMEDOUT ? -ETIMEDOUT : r,
			"%s: timed out waiting for another thread writing %s", s->where, kh);

	r = mkdir_parents(dir, 0700);
	if (r < 0) {
		hvc_error_set(
			err, r, "%s: cannot create directory %s: %s", s->where, dir, strerror(-r));
		goto out;
	}
	lockfd = open(s->t->lock_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (lockfd < 0) {
		r = hvc_error_set(err, -errno, "%s: cannot open lock file %s: %s", s->where,
			s->t->lock_path, strerror(errno));
		goto out;
	}
	while (flock(lockfd, LOCK_EX | LOCK_NB) < 0) {
		if (errno != EWOULDBLOCK && errno != EINTR) {
			r = hvc_error_set(err, -errno, "%s: cannot lock %s: %s", s->where,
				s->t->lock_path, strerror(errno));
			goto out;
		}
		if (hvc_left_ms(deadline) <= 0) {
			r = hvc_error_set(err, -ETIMEDOUT,
				"%s: timed out waiting for another process writing %s (lock %s)",
				s->where, kh, s->t->lock_path);
			goto out;
		}
		usleep(5000);
	}

	text = kh_read(s->where, kh, err);
	if (!text) {
		r = err ? err->code : -EIO;
		goto out;
	}
	if (ssh_get_server_publickey(s->ssh, &key) != SSH_OK) {
		r = hvc_error_set(
			err, -EIO, "%s: no host key: %s", s->where, ssh_get_error(s->ssh));
		goto out;
	}
	state = kh_lookup(text, s->key_name, key, NULL, &line);
	if (state == KH_OK) {
		r = 0;
	} else if (state != KH_NOT_FOUND) {
		r = refuse_key(s, state, line, key, err);
	} else {
		r = append_line(kh, s->new_entry, err, s->where);
	}
out:
	ssh_key_free(key);
	if (lockfd >= 0)
		close(lockfd); /* drops the flock */
	pthread_mutex_unlock(&known_hosts_mutex);
	return r;
}

/*
 * Check the offered key against known_hosts under s->key_name; accept_new keeps it pending.
 * text: the file as read for this connection's host key algorithms (one read per connection).
 */
static int verify_host_key(struct ssh_conn *s, const char *text, struct hvc_error *err)
{
	const struct hvc_transport_options *o = &s->t->base.options;
	_cleanup_free_ char *fp = NULL;
	enum kh_state state;
	ssh_key key = NULL;
	size_t line = 0;
	int r = 0;

	if (ssh_get_server_publickey(s->ssh, &key) != SSH_OK)
		return hvc_error_set(
			err, -EIO, "%s: no host key: %s", s->where, ssh_get_error(s->ssh));
	state = kh_lookup(text, s->key_name, key, NULL, &line);
	switch (state) {
	case KH_OK:
		break;
	case KH_NOT_FOUND:
		fp = server_key_fingerprint(s->ssh);
		if (!o->accept_new) {
			r = hvc_error_set(err, -ENOKEY,
				"%s: unknown host key %s for %s (not in %s); run with --accept-new "
				"to record it",
				s->where, fp, s->key_name, o->known_hosts);
			break;
		}
		s->new_entry = kh_entry(s->key_name, key);
		if (!s->new_entry)
			r = hvc_error_set(
				err, -EIO, "%s: cannot format the known_hosts entry", s->where);
		break;
	default:
		r = refuse_key(s, state, line, key, err);
		break;
	}
	ssh_key_free(key);
	return r;
}

struct passphrase_probe {
	bool asked;
};

/* Never prompt (OpenSSL would read the terminal for encrypted PEM keys): note it and refuse. */
static int refuse_passphrase(
	const char *prompt, char *buf, size_t len, int echo, int verify, void *userdata)
{
	struct passphrase_probe *p = userdata;

	p->asked = true;
	if (buf && len > 0)
		buf[0] = '\0';
	return -1;
}

/* A blocking libssh auth call that runs out of time returns SSH_AUTH_AGAIN. */
static int auth_error(
	struct ssh_conn *s, int64_t deadline, int rc, const char *what, struct hvc_error *err)
{
	if (connection_lost(s->ssh))
		return hvc_error_set(err, -ECONNRESET, "%s: connection lost during %s: %s",
			s->where, what, ssh_get_error(s->ssh));
	if (rc == SSH_AUTH_AGAIN || hvc_left_ms(deadline) <= 0)
		return hvc_error_set(err, -ETIMEDOUT, "%s: timed out during %s", s->where, what);
	return hvc_error_set(err, -EIO, "%s: %s failed: %s", s->where, what, ssh_get_error(s->ssh));
}

/* The transport's identity key (borrowed), parsed once per transport. */
static int identity_key(struct ssh_transport *t, ssh_key *ret, struct passphrase_probe *probe)
{
	int rc = SSH_OK;

	pthread_mutex_lock(&t->identity_lock);
	if (!t->identity_key)
		rc = ssh_pki_import_privkey_file(
			t->base.options.identity, NULL, refuse_passphrase, probe, &t->identity_key);
	if (rc != SSH_OK)
		t->identity_key = NULL;
	*ret = t->identity_key;
	pthread_mutex_unlock(&t->identity_lock);
	return rc;
}

static int authenticate(struct ssh_conn *s, int64_t deadline, struct hvc_error *err)
{
	const struct hvc_transport_options *o = &s->t->base.options;
	const char *sock = getenv("SSH_AUTH_SOCK");
	struct passphrase_probe probe = { false };
	bool agent_tried = false;
	ssh_key key = NULL;
	int rc;

	if (o->use_agent && sock && *sock) {
		agent_tried = true;
		set_budget(s->ssh, deadline);
		rc = ssh_userauth_agent(s->ssh, NULL);
		if (rc == SSH_AUTH_SUCCESS)
			return 0;
		if (rc == SSH_AUTH_AGAIN ||
			(rc == SSH_AUTH_ERROR &&
				(connection_lost(s->ssh) || hvc_left_ms(deadline) <= 0)))
			return auth_error(s, deadline, rc, "ssh-agent authentication", err);
		/* DENIED, PARTIAL or an unreachable agent: go on with the identity file. */
	}
	if (!o->identity)
		return hvc_error_set(err, -EACCES, "%s: authentication failed for user '%s': %s",
			s->where, s->user,
			agent_tried ? "no ssh-agent key was accepted and no identity file is set"
				    : "no identity file is set and SSH_AUTH_SOCK is not set");

	rc = identity_key(s->t, &key, &probe);
	if (rc != SSH_OK) {
		if (probe.asked)
			return hvc_error_set(err, -EACCES,
				"%s: identity %s is passphrase-protected and %s; load it into "
				"ssh-agent (ssh-add) or use a key without passphrase",
				s->where, o->identity,
				agent_tried ? "no ssh-agent key was accepted"
					    : "no ssh-agent is used");
		if (access(o->identity, R_OK) < 0)
			return hvc_error_set(err, -ENOENT, "%s: cannot read identity %s: %s",
				s->where, o->identity, strerror(errno));
		return hvc_error_set(err, -EACCES, "%s: identity %s is not a usable private key",
			s->where, o->identity);
	}
	set_budget(s->ssh, deadline);
	rc = ssh_userauth_publickey(s->ssh, NULL, key); /* key: the transport's */
	switch (rc) {
	case SSH_AUTH_SUCCESS:
		return 0;
	case SSH_AUTH_DENIED:
		return hvc_error_set(err, -EACCES,
			"%s: authentication failed for user '%s': key %s was denied%s", s->where,
			s->user, o->identity,
			agent_tried             ? " (ssh-agent keys too)"
				: sock && *sock ? " (ssh-agent not used)"
						: "");
	case SSH_AUTH_PARTIAL:
		return hvc_error_set(err, -EACCES,
			"%s: authentication failed for user '%s': the guest wants more than a "
			"public key (partial success)",
			s->where, s->user);
	default:
		return auth_error(s, deadline, rc, "public key authentication", err);
	}
}

static int connect_error(struct ssh_conn *s, int64_t deadline, int budget_ms, struct hvc_error *err)
{
	const char *msg = ssh_get_error(s->ssh);

	if (strstr(msg, "refused"))
		return hvc_error_set(err, -ECONNREFUSED, "%s: connection refused", s->where);
	if (hvc_left_ms(deadline) <= 0 || strstr(msg, "Timeout"))
		return hvc_error_set(err, -ETIMEDOUT,
			"%s: connect timed out after %d ms (no TCP connection, SSH banner or key "
			"exchange): %s",
			s->where, budget_ms, msg);
	if (strstr(msg, "unreachable") || strstr(msg, "No route") || strstr(msg, "resolve"))
		return hvc_error_set(
			err, -EHOSTUNREACH, "%s: cannot reach the guest: %s", s->where, msg);
	if (strstr(msg, "disconnected") || strstr(msg, "reset"))
		return hvc_error_set(err, -ECONNRESET,
			"%s: the guest closed the connection during the SSH handshake: %s",
			s->where, msg);
	return hvc_error_set(err, -EIO, "%s: cannot connect: %s", s->where, msg);
}

static bool host_name_ok(const char *host)
{
	if (!host || !*host || host[0] == '-')
		return false;
	for (const char *p = host; *p; p++)
		if (*p == '@' || (unsigned char)*p <= ' ' || *p == 0x7f)
			return false;
	return true;
}

static void session_free(struct ssh_conn *s)
{
	if (!s)
		return;
	if (s->ssh) {
		/* ssh_disconnect() queues a message and closes the socket; bounded anyway. */
		set_budget(s->ssh, hvc_now_ms() + 100);
		ssh_disconnect(s->ssh);
		ssh_free(s->ssh);
	}
	/*
	 * libssh closes an SSH_OPTIONS_FD socket on a socket error or EOF, not at
	 * ssh_free(): closed here when it is still this socketpair end (a socket's
	 * inode is unique while it is open), so a number reused by another thread
	 * is never closed. Its EOF ends the jump channel.
	 */
	if (s->fwd_fd >= 0) {
		struct stat st;
		if (fstat(s->fwd_fd, &st) == 0 && st.st_dev == s->fwd_dev &&
			st.st_ino == s->fwd_ino)
			close(s->fwd_fd);
	}
	free(s->where);
	free(s->key_name);
	free(s->new_entry);
	free(s);
}

/*
 * The host key algorithms in the order to ask for them: those of the key types
 * known_hosts records for the guest first (as OpenSSH does), then the rest, so
 * that a key of another type is seen, and refused as such, not a failed
 * handshake.
 */
static char *hostkey_algorithms(const char *types)
{
	static const char *const defaults[] = { "ssh-ed25519", "ecdsa-sha2-nistp521",
		"ecdsa-sha2-nistp384", "ecdsa-sha2-nistp256", "rsa-sha2-512", "rsa-sha2-256",
		NULL };
	_cleanup_strv_free_ char **l = strv_split(types, ",");
	char **out = NULL, *ret;

	STRV_FOREACH (t, l) {
		/* An RSA key signs with SHA-2 today; "ssh-rsa" (SHA-1) last. */
		if (streq(*t, "ssh-rsa")) {
			strv_push(&out, "rsa-sha2-512");
			strv_push(&out, "rsa-sha2-256");
		}
		if (!strv_contains(out, *t))
			strv_push(&out, *t);
	}
	for (size_t i = 0; defaults[i]; i++)
		if (!strv_contains(out, defaults[i]))
			strv_push(&out, defaults[i]);
	ret = strv_join(out, ",");
	strv_free(out);
	return ret;
}

/*
 * One SSH session to host:port as user, over fd (a jump channel's socketpair end, owned by the
 * session from here on) or, with fd < 0, a TCP connection of its own.
 */
static int connect_session(struct ssh_transport *t, const char *host, unsigned port,
	const char *key_alias, const char *user, int fd, bool is_host, struct ssh_conn **ret_conn,
	struct hvc_error *err)
{
	struct hvc_transport *base = &t->base;
	const struct hvc_transport_options *o = &base->options;
	struct ssh_conn *s;
	int64_t connect_deadline;
	_cleanup_free_ char *name = NULL, *ssh_host = NULL, *kh_text = NULL;
	int iport, verbosity = SSH_LOG_NOLOG, strict = 1, nodelay = 1, r;
	bool no = false;

	*ret_conn = NULL;
	if (port == 0)
		port = 22;
	if (!host_name_ok(host) || port > 65535) {
		if (fd >= 0)
			close(fd);
		return hvc_error_set(
			err, -EINVAL, "%s:%u: invalid host name or port", strna(host), port);
	}
	pthread_once(&init_once, init_libssh);
	if (init_result != 0) {
		if (fd >= 0)
			close(fd);
		return hvc_error_set(err, -EIO, "%s:%u: libssh initialisation failed", host, port);
	}
	/* IPv6 literals: libssh wants them in brackets (else "a::1" reads as host "a:" port 1). */
	name = host[0] == '[' && host[strlen(host) - 1] == ']'
		? xstrndup(host + 1, strlen(host) - 2)
		: xstrdup(host);
	ssh_host = strchr(name, ':') ? xasprintf("[%s]", name) : xstrdup(name);

	s = xcalloc(1, sizeof(*s));
	s->base.impl = &hvc_ssh_transport_impl;
	s->base.transport = base;
	s->t = t;
	s->fwd_fd = fd;
	if (fd >= 0) {
		struct stat st;
		if (fstat(fd, &st) == 0) {
			s->fwd_dev = st.st_dev;
			s->fwd_ino = st.st_ino;
		}
	}
	s->user = user;
	s->is_host = is_host;
	s->where = xasprintf("%s:%u", ssh_host, port);
	/* OpenSSH's names: "[host]:port", plain "host" on port 22; or the alias (HostKeyAlias). */
	s->key_name = key_alias ? xstrdup(key_alias)
		: port == 22    ? xstrdup(name)
				: xasprintf("[%s]:%u", name, port);
	s->connected = hvc_now_ms();
	s->deadline = s->connected + o->guest_deadline_ms;
	connect_deadline = min64(s->connected + o->connect_timeout_ms, s->deadline);

	s->ssh = ssh_new();
	if (!s->ssh) {
		session_free(s);
		return hvc_error_set(
			err, -ENOMEM, "%s:%u: cannot create a libssh session", host, port);
	}
	iport = (int)port;
	if (ssh_options_set(s->ssh, SSH_OPTIONS_LOG_VERBOSITY, &verbosity) < 0 ||
		ssh_options_set(s->ssh, SSH_OPTIONS_PROCESS_CONFIG, &no) < 0 ||
		ssh_options_set(s->ssh, SSH_OPTIONS_HOST, ssh_host) < 0 ||
		ssh_options_set(s->ssh, SSH_OPTIONS_PORT, &iport) < 0 ||
		ssh_options_set(s->ssh, SSH_OPTIONS_USER, user) < 0 ||
		ssh_options_set(s->ssh, SSH_OPTIONS_KNOWNHOSTS, "/dev/null") < 0 ||
		ssh_options_set(s->ssh, SSH_OPTIONS_GLOBAL_KNOWNHOSTS, "/dev/null") < 0 ||
		ssh_options_set(s->ssh, SSH_OPTIONS_STRICTHOSTKEYCHECK, &strict) < 0 ||
		ssh_options_set(s->ssh, SSH_OPTIONS_NODELAY, &nodelay) < 0 ||
		(fd >= 0 && ssh_options_set(s->ssh, SSH_OPTIONS_FD, &fd) < 0)) {
		r = hvc_error_set(err, -EINVAL, "%s: cannot set SSH options: %s", s->where,
			ssh_get_error(s->ssh));
		session_free(s);
		return r;
	}

	/*
	 * hvclock checks the host key itself, under key_name (libssh would look
	 * it up under the address): ask for the key types recorded there.
	 */
	kh_text = kh_read(s->where, o->known_hosts, err);
	if (!kh_text) {
		r = err ? err->code : -EIO;
		session_free(s);
		return r;
	}
	{
		_cleanup_free_ char *types = NULL;
		size_t line;

		kh_lookup(kh_text, s->key_name, NULL, &types, &line);
		if (types) {
			_cleanup_free_ char *algs = hostkey_algorithms(types);
			(void)ssh_options_set(s->ssh, SSH_OPTIONS_HOSTKEYS, algs);
		}
	}

	set_budget(s->ssh, connect_deadline);
	if (ssh_connect(s->ssh) != SSH_OK) {
		r = connect_error(s, connect_deadline, (int)(connect_deadline - s->connected), err);
		session_free(s);
		return r;
	}
	r = verify_host_key(s, kh_text, err);
	if (r == 0)
		r = authenticate(s, connect_deadline, err);
	if (r < 0) {
		session_free(s);
		return r;
	}
	*ret_conn = s;
	return 0;
}

static int jump_connect(struct ssh_transport *t, const char *host, unsigned port,
	const char *key_alias, struct ssh_conn **ret_conn, struct hvc_error *err);

static int ssh_transport_connect(struct hvc_transport *base, const char *host, unsigned port,
	const char *key_alias, struct hvc_session **ret_session, struct hvc_error *err)
{
	struct ssh_transport *t = ssh_transport_from_transport(base);
	struct ssh_conn *s = NULL;
	int r;

	*ret_session = NULL;
	if (!host && t->fixed_host) {
		/* A remote dom0: its key under its own name; nothing more to verify for a host. */
		r = connect_session(
			t, t->fixed_host, t->fixed_port, NULL, t->fixed_user, -1, true, &s, err);
		if (r == 0 && s->new_entry && (r = record_host_key(s, err)) < 0)
			session_free(s);
	} else if (t->jump)
		r = jump_connect(t, host, port, key_alias, &s, err);
	else
		r = connect_session(
			t, host, port, key_alias, base->options.user, -1, false, &s, err);
	if (r < 0)
		return r;
	*ret_session = &s->base;
	return 0;
}

enum exec_failure {
	EXEC_OK,
	EXEC_LOST,
	EXEC_TIMEOUT,
	EXEC_TOO_BIG,
	EXEC_ERROR,
};

struct exec_state {
	struct ssh_conn *s;
	ssh_channel ch;
	int64_t deadline; /* min(command deadline, guest deadline) */
	bool by_guest; /* deadline is the guest's */
	int command_ms;
	const char *what; /* step, for messages */
};

static int exec_fail(struct exec_state *x, enum exec_failure f, struct hvc_error *err)
{
	struct ssh_conn *s = x->s;
	const struct hvc_transport_options *o = &s->t->base.options;

	if (f == EXEC_ERROR && connection_lost(s->ssh))
		f = EXEC_LOST;
	if (f == EXEC_ERROR && hvc_left_ms(x->deadline) <= 0)
		f = EXEC_TIMEOUT;
	switch (f) {
	case EXEC_LOST:
		s->lost = true;
		return hvc_error_set(err, -ECONNRESET, "%s: connection lost while %s: %s", s->where,
			x->what, ssh_get_error(s->ssh));
	case EXEC_TIMEOUT:
		if (x->by_guest)
			return hvc_error_set(err, -ETIMEDOUT,
				"%s: guest deadline of %d ms since connect reached while %s",
				s->where, o->guest_deadline_ms, x->what);
		return hvc_error_set(err, -ETIMEDOUT, "%s: command timed out after %d ms while %s",
			s->where, x->command_ms, x->what);
	case EXEC_TOO_BIG:
		return hvc_error_set(err, -EMSGSIZE, "%s: command output exceeds %zu bytes",
			s->where, o->max_output);
	default:
		return hvc_error_set(
			err, -EIO, "%s: %s failed: %s", s->where, x->what, ssh_get_error(s->ssh));
	}
}

/*
 * Move what has arrived on one stream into b without waiting (EXEC_OK also at
 * EOF). stdout: more than limit is EXEC_TOO_BIG; stderr: bytes past limit are
 * read and dropped.
 */
static int drain(struct exec_state *x, int is_stderr, struct hvc_obuf *b, size_t limit)
{
	char buf[CHUNK];

	for (;;) {
		size_t want = sizeof(buf);
		int n;

		if (!is_stderr && limit + 1 - b->len < want)
			want = limit + 1 - b->len; /* read at most one byte past the cap */
		/* A guest flooding stderr (discarded) must not keep us here past the deadline. */
		if (hvc_left_ms(x->deadline) <= 0)
			return EXEC_TIMEOUT;
		n = ssh_channel_read_nonblocking(x->ch, buf, (uint32_t)want, is_stderr);
		if (n == SSH_EOF || n == 0)
			return EXEC_OK;
		if (n < 0)
			return EXEC_ERROR;
		if (!is_stderr) {
			hvc_obuf_append(b, buf, (size_t)n);
			if (b->len > limit)
				return EXEC_TOO_BIG;
		} else {
			size_t keep = b->len < limit ? limit - b->len : 0;

			if (keep > (size_t)n)
				keep = (size_t)n;
			hvc_obuf_append(b, buf, keep);
		}
	}
}

/*
 * Sleep until the connection has bytes to read (data on either stream, EOF, a window update)
 * or the deadline; at most SLICE_MS as a safety net. Not a timed slice per turn: a guest that
 * works for seconds before it answers costs a wake-up per packet, not one per slice.
 * Both streams were drained just before, which may have read more stdout from the socket into
 * libssh's buffer: asked once more without waiting, so nothing already there is slept on.
 */
static int wait_for_input(struct exec_state *x, bool writing)
{
	ssh_session ssh = x->s->ssh;
	struct pollfd p = { .fd = ssh_get_fd(ssh), .events = POLLIN };
	int rc = ssh_channel_poll(x->ch, 0), ms;

	if (rc == SSH_ERROR)
		return EXEC_ERROR;
	if (rc != 0) /* stdout data or EOF: the next turn reads it */
		return EXEC_OK;
	/* That poll may have taken in a window update the socket will not announce again. */
	if (writing && ssh_channel_window_size(x->ch) > 0)
		return EXEC_OK;
	ms = hvc_left_ms(x->deadline);
	if (ms > SLICE_MS)
		ms = SLICE_MS;
	if (ms <= 0)
		return EXEC_OK; /* the loop reports the deadline */
	if (p.fd < 0) {
		rc = ssh_channel_poll_timeout(x->ch, ms, 0);
		return rc == SSH_ERROR ? EXEC_ERROR : EXEC_OK;
	}
	if (poll(&p, 1, ms) < 0 && errno != EINTR)
		return EXEC_ERROR;
	return EXEC_OK;
}

static int run_channel(struct exec_state *x, const char *command, const char *in, size_t in_len,
	struct hvc_obuf *out, struct hvc_obuf *errb, int *ret_status)
{
	ssh_session ssh = x->s->ssh;
	const struct hvc_transport_options *o = &x->s->t->base.options;
	size_t in_off = 0;
	bool eof_sent = false;
	int rc, status;

	x->what = "opening a channel";
	x->ch = ssh_channel_new(ssh);
	if (!x->ch)
		return EXEC_ERROR;
	/* Blocking calls that run out of time return SSH_AGAIN. */
	set_budget(ssh, x->deadline);
	rc = ssh_channel_open_session(x->ch);
	if (rc != SSH_OK)
		return rc == SSH_AGAIN ? EXEC_TIMEOUT : EXEC_ERROR;
	x->what = "starting the command";
	set_budget(ssh, x->deadline);
	rc = ssh_channel_request_exec(x->ch, command);
	if (rc != SSH_OK)
		return rc == SSH_AGAIN ? EXEC_TIMEOUT : EXEC_ERROR;

	x->what = "running the command";
	for (;;) {
		if (hvc_left_ms(x->deadline) <= 0)
			return EXEC_TIMEOUT;
		set_budget(ssh, x->deadline);
		/* Feed stdin only as far as the guest's window allows: never wait on it. */
		if (!eof_sent && in_off < in_len && !ssh_channel_is_eof(x->ch) &&
			!ssh_channel_is_closed(x->ch)) {
			uint32_t win = ssh_channel_window_size(x->ch);

			if (win > 0) {
				size_t n = in_len - in_off;

				if (n > win)
					n = win;
				if (n > CHUNK)
					n = CHUNK;
				rc = ssh_channel_write(x->ch, in + in_off, (uint32_t)n);
				if (rc < 0) {
					if (connection_lost(ssh))
						return EXEC_LOST;
					in_off = in_len; /* the command closed its stdin */
					eof_sent = true;
				} else {
					in_off += (size_t)rc;
				}
			}
		}
		if (!eof_sent && in_off >= in_len) {
			eof_sent = true;
			if (ssh_channel_send_eof(x->ch) == SSH_ERROR && connection_lost(ssh))
				return EXEC_LOST;
		}
		rc = drain(x, 0, out, o->max_output);
		if (rc == EXEC_OK)
			rc = drain(x, 1, errb, STDERR_KEEP);
		if (rc != EXEC_OK)
			return rc;
		if (ssh_channel_is_eof(x->ch) || ssh_channel_is_closed(x->ch))
			break;
		/* Stdin left and room in the guest's window: write on, do not wait. */
		if (!eof_sent && ssh_channel_window_size(x->ch) > 0)
			continue;
		rc = wait_for_input(x, !eof_sent);
		if (rc != EXEC_OK)
			return rc;
	}

	/* EOF seen: the exit status comes with or before the channel close. */
	x->what = "waiting for the exit status";
	set_budget(ssh, x->deadline);
	status = ssh_channel_get_exit_status(x->ch);
	/* -1 is both SSH_ERROR and "no status": a lost connection, a signal, or time up. */
	if (status < 0) {
		if (connection_lost(ssh))
			return EXEC_LOST;
		if (!ssh_channel_is_closed(x->ch))
			return EXEC_TIMEOUT; /* neither status nor close came in time */
		status = -1; /* closed without a status: killed by a signal */
	}
	*ret_status = status;
	return EXEC_OK;
}

static int ssh_session_exec(struct hvc_session *base, const char *command, const char *stdin_data,
	size_t stdin_len, struct hvc_exec_result *ret, struct hvc_error *err)
{
	struct ssh_conn *s = ssh_conn_from_session(base);
	const struct hvc_transport_options *o = &s->t->base.options;
	struct exec_state x = { .s = s, .command_ms = o->command_timeout_ms };
	struct hvc_obuf out = { 0 }, errb = { 0 };
	int64_t cmd_deadline = hvc_now_ms() + o->command_timeout_ms;
	int status = -1, rc, r;

	memset(ret, 0, sizeof(*ret));
	ret->exit_status = -1;
	if (!command || !*command)
		return hvc_error_set(err, -EINVAL, "%s: empty command", s->where);
	if (stdin_len > 0 && !stdin_data)
		return hvc_error_set(err, -EINVAL, "%s: stdin length without data", s->where);
	if (s->lost)
		return hvc_error_set(err, -ECONNRESET, "%s: connection already lost", s->where);
	x.deadline = min64(cmd_deadline, s->deadline);
	x.by_guest = s->deadline <= cmd_deadline;
	x.what = "starting";
	if (hvc_left_ms(x.deadline) <= 0)
		return exec_fail(&x, EXEC_TIMEOUT, err);

	rc = run_channel(&x, command, stdin_data, stdin_len, &out, &errb, &status);
	if (rc != EXEC_OK)
		r = exec_fail(&x, rc, err);
	else
		r = 0;
	if (x.ch) {
		/* Bounded close: a hung or flooding command must not keep us here. */
		if (!s->lost && !connection_lost(s->ssh)) {
			set_budget(s->ssh, min64(hvc_now_ms() + 1000, s->deadline));
			ssh_channel_close(x.ch);
		}
		ssh_channel_free(x.ch);
	}
	if (r < 0) {
		free(out.data);
		free(errb.data);
		return r;
	}
	ret->exit_status = status;
	ret->out = hvc_obuf_take(&out, &ret->out_len);
	ret->err = hvc_obuf_take(&errb, &ret->err_len);
	return 0;
}

static void ssh_session_disconnect(struct hvc_session *base)
{
	session_free(base ? ssh_conn_from_session(base) : NULL);
}

static int ssh_session_pin_key(struct hvc_session *base, struct hvc_error *err)
{
	struct ssh_conn *s = ssh_conn_from_session(base);
	int r;

	if (!s->new_entry)
		return 0;
	r = record_host_key(s, err);
	if (r == 0) {
		free(s->new_entry);
		s->new_entry = NULL;
	}
	return r;
}

/* --- jump: guests reached through an SSH session to their host --- */

/* One guest's direct-tcpip channel and the pump's end of its socketpair. */
struct fwd {
	ssh_channel ch;
	int fd;
	char buf[CHUNK]; /* from the channel, not yet written to fd */
	size_t len, off;
	bool remote_eof, shut_wr;
	struct fwd *next;
};

/* A worker's request to the pump: open a channel to host:port. */
struct open_req {
	const char *host;
	unsigned port;
	int64_t deadline;
	int fd; /* the worker's end of the socketpair */
	int r;
	struct hvc_error err;
	bool done;
	struct open_req *next;
	ssh_channel ch; /* the pump's, while the host has not answered the open */
};

enum jump_state { JUMP_NONE, JUMP_CONNECTING, JUMP_UP, JUMP_FAILED };

struct jump_host {
	char *label, *host, *user;
	unsigned port;
	bool only_if_unreachable;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	enum jump_state state;
	struct hvc_error fail; /* JUMP_FAILED: why (for every later guest) */
	struct ssh_conn *conn; /* the host session: the pump's once JUMP_UP */
	pthread_t pump;
	bool pump_started;
	int wake[2]; /* a byte on wake[1]: new requests or stop */
	bool stop;
	struct open_req *reqs;
	unsigned channels; /* open or being opened, <= HVC_SSH_JUMP_CHANNELS */
};

static void jump_wake(struct jump_host *j)
{
	ssize_t n;

	do
		n = write(j->wake[1], "x", 1);
	while (n < 0 && errno == EINTR);
}

/* Wait on j->cond until deadline (monotonic ms); false when the time is up. */
static bool jump_wait(struct jump_host *j, int64_t deadline)
{
	struct timespec abs;
	int ms = hvc_left_ms(deadline);

	if (ms <= 0)
		return false;
	clock_gettime(CLOCK_REALTIME, &abs);
	abs.tv_sec += ms / 1000;
	abs.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (abs.tv_nsec >= 1000000000L) {
		abs.tv_sec++;
		abs.tv_nsec -= 1000000000L;
	}
	pthread_cond_timedwait(&j->cond, &j->lock, &abs);
	return true;
}

static void fwd_release(struct jump_host *j, struct fwd *f)
{
	if (!ssh_channel_is_closed(f->ch)) {
		set_budget(j->conn->ssh, hvc_now_ms() + 1000);
		ssh_channel_close(f->ch);
	}
	ssh_channel_free(f->ch);
	close(f->fd);
	free(f);
	pthread_mutex_lock(&j->lock);
	j->channels--;
	pthread_cond_broadcast(&j->cond);
	pthread_mutex_unlock(&j->lock);
}

/* The pump is through with req (open, or failed: its channel slot is free again). */
static void pump_req_done(struct jump_host *j, struct open_req *req)
{
	pthread_mutex_lock(&j->lock);
	if (req->r < 0)
		j->channels--;
	req->done = true;
	pthread_cond_broadcast(&j->cond);
	pthread_mutex_unlock(&j->lock);
}

/*
 * Ask the host for req's channel without waiting for its answer, so the other
 * channels keep moving while the host's sshd connects (a paused or firewalled
 * guest can take it long): SSH_AGAIN until the host answers, asked again on the
 * pump's next turns until req->deadline.
 */
static int pump_open_ask(ssh_session hs, struct open_req *req)
{
	int rc;

	ssh_set_blocking(hs, 0);
	rc = ssh_channel_open_forward(req->ch, req->host, (int)req->port, "127.0.0.1", 0);
	ssh_set_blocking(hs, 1);
	return rc;
}

/* The host answered req's open (rc), or its deadline passed (SSH_AGAIN): its socketpair. */
static void pump_open_end(struct jump_host *j, struct open_req *req, int rc, struct fwd **fwds)
{
	ssh_session hs = j->conn->ssh;
	ssh_channel ch = req->ch;
	int sp[2];

	req->ch = NULL;
	if (rc == SSH_AGAIN) {
		req->r = hvc_error_set(&req->err, -ETIMEDOUT,
			"%s:%u: via host %s: the host did not connect to the guest before the "
			"connect timeout",
			req->host, req->port, j->label);
		ssh_channel_free(ch);
	} else if (rc != SSH_OK) {
		const char *msg = ssh_get_error(hs);

		req->r = hvc_error_set(&req->err,
			connection_lost(hs)              ? -ECONNRESET
				: strstr(msg, "refused") ? -ECONNREFUSED
							 : -EHOSTUNREACH,
			"%s:%u: via host %s: the host cannot connect to the guest: %s", req->host,
			req->port, j->label, msg);
		ssh_channel_free(ch);
	} else if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) < 0) {
		req->r = hvc_error_set(&req->err, -errno, "%s:%u: via host %s: socketpair: %s",
			req->host, req->port, j->label, strerror(errno));
		ssh_channel_close(ch);
		ssh_channel_free(ch);
	} else {
		fcntl(sp[0], F_SETFL, fcntl(sp[0], F_GETFL) | O_NONBLOCK);
		struct fwd *f = xcalloc(1, sizeof(*f));
		f->ch = ch;
		f->fd = sp[0];
		f->next = *fwds;
		*fwds = f;
		req->fd = sp[1];
		req->r = 0;
	}
	pump_req_done(j, req);
}

/* In the pump: ask for the channel req wants; true while the host has not answered. */
static bool pump_open(struct jump_host *j, struct open_req *req, struct fwd **fwds)
{
	ssh_session hs = j->conn->ssh;
	int rc;

	req->fd = -1;
	req->ch = ssh_channel_new(hs);
	if (!req->ch) {
		req->r = hvc_error_set(&req->err, connection_lost(hs) ? -ECONNRESET : -EIO,
			"%s:%u: via host %s: cannot make a channel: %s", req->host, req->port,
			j->label, ssh_get_error(hs));
		pump_req_done(j, req);
		return false;
	}
	rc = pump_open_ask(hs, req);
	if (rc == SSH_AGAIN && hvc_now_ms() < req->deadline)
		return true;
	pump_open_end(j, req, rc, fwds);
	return false;
}

/*
 * Move what can move without waiting, both ways; true if anything moved. *done when the
 * forward is over: the guest session closed its end, or the channel closed and all it sent
 * was written out.
 */
static bool pump_step(struct jump_host *j, struct fwd *f, bool *done)
{
	char in[CHUNK];
	bool moved = false;
	ssize_t n;

	*done = false;
	/* channel -> guest session */
	if (f->len == 0 && !f->remote_eof) {
		int rn = ssh_channel_read_nonblocking(f->ch, f->buf, sizeof(f->buf), 0);

		if (rn > 0) {
			f->len = (size_t)rn;
			f->off = 0;
			moved = true;
		} else if (rn == SSH_EOF || ssh_channel_is_eof(f->ch) ||
			ssh_channel_is_closed(f->ch) || rn < 0) {
			f->remote_eof = true;
		}
	}
	if (f->len > 0) {
		n = write(f->fd, f->buf + f->off, f->len - f->off);
		if (n > 0) {
			f->off += (size_t)n;
			if (f->off == f->len)
				f->len = 0;
			moved = true;
		} else if (n < 0 && errno != EAGAIN && errno != EINTR) {
			*done = true; /* the guest session is gone */
			return moved;
		}
	}
	if (f->remote_eof && f->len == 0 && !f->shut_wr) {
		shutdown(f->fd, SHUT_WR);
		f->shut_wr = true;
		moved = true;
	}
	/* guest session -> channel, only as much as the window takes (never wait on it) */
	if (!ssh_channel_is_closed(f->ch)) {
		uint32_t win = ssh_channel_window_size(f->ch);

		if (win > 0) {
			n = read(f->fd, in, win < sizeof(in) ? win : sizeof(in));
			if (n > 0) {
				set_budget(j->conn->ssh, hvc_now_ms() + 10000);
				if (ssh_channel_write(f->ch, in, (uint32_t)n) != n) {
					*done = true;
					return true;
				}
				moved = true;
			} else if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
				*done = true; /* the guest session ended: its channel goes too */
				return true;
			}
		}
	} else if (f->shut_wr) {
		*done = true;
	}
	return moved;
}

static void *pump_main(void *arg)
{
	struct jump_host *j = arg;
	struct fwd *fwds = NULL;
	struct open_req *pending = NULL; /* opens the host has not answered yet */
	bool moved = false;

	for (;;) {
		struct open_req *reqs;
		struct pollfd *pfd;
		size_t n = 0, cap = 2;
		bool any_reading = false, stop;

		pthread_mutex_lock(&j->lock);
		stop = j->stop;
		reqs = j->reqs;
		j->reqs = NULL;
		pthread_mutex_unlock(&j->lock);
		if (stop)
			break;
		for (struct open_req *q = reqs, *next; q; q = next) {
			next = q->next;
			if (pump_open(j, q, &fwds)) {
				q->next = pending;
				pending = q;
			}
		}
		moved = false;
		for (struct open_req **pp = &pending; *pp;) {
			struct open_req *q = *pp;
			int rc = hvc_now_ms() < q->deadline ? pump_open_ask(j->conn->ssh, q)
							    : SSH_AGAIN;

			if (rc == SSH_AGAIN && hvc_now_ms() < q->deadline) {
				pp = &q->next;
				continue;
			}
			*pp = q->next;
			pump_open_end(j, q, rc, &fwds);
			moved = true;
		}
		for (struct fwd **pp = &fwds; *pp;) {
			struct fwd *f = *pp;
			bool done;

			if (pump_step(j, f, &done))
				moved = true;
			if (done) {
				*pp = f->next;
				fwd_release(j, f);
				continue;
			}
			pp = &f->next;
		}
		if (connection_lost(j->conn->ssh)) {
			/* Every guest behind the host loses its connection; later ones fail at once. */
			while (fwds) {
				struct fwd *f = fwds;
				fwds = f->next;
				fwd_release(j, f);
			}
			pthread_mutex_lock(&j->lock);
			j->state = JUMP_FAILED;
			hvc_error_set(&j->fail, -ECONNRESET, "via host %s: %s: connection lost: %s",
				j->label, j->conn->where, ssh_get_error(j->conn->ssh));
			pthread_cond_broadcast(&j->cond);
			pthread_mutex_unlock(&j->lock);
			break;
		}
		for (struct fwd *f = fwds; f; f = f->next)
			cap++;
		pfd = xcalloc(cap, sizeof(*pfd));
		pfd[n++] = (struct pollfd){ .fd = j->wake[0], .events = POLLIN };
		for (struct fwd *f = fwds; f; f = f->next) {
			short ev = 0;

			if (f->len > 0)
				ev |= POLLOUT;
			else if (!f->remote_eof)
				any_reading = true;
			if (ssh_channel_window_size(f->ch) > 0)
				ev |= POLLIN;
			pfd[n++] = (struct pollfd){ .fd = f->fd, .events = ev };
		}
		/* The host's socket only when a channel would take its data, or an open waits
		 * for the host's answer (no busy loop); a pending open's deadline bounds the wait. */
		int wait_ms = moved ? 0 : 200;
		for (struct open_req *q = pending; q; q = q->next) {
			int64_t left = q->deadline - hvc_now_ms();
			if (left < wait_ms)
				wait_ms = left > 0 ? (int)left : 0;
		}
		if (any_reading || pending)
			pfd[n++] =
				(struct pollfd){ .fd = ssh_get_fd(j->conn->ssh), .events = POLLIN };
		poll(pfd, n, wait_ms);
		if (pfd[0].revents & POLLIN) {
			char drain[64];
			while (read(j->wake[0], drain, sizeof(drain)) > 0)
				;
		}
		free(pfd);
	}
	while (fwds) {
		struct fwd *f = fwds;
		fwds = f->next;
		fwd_release(j, f);
	}
	/* Requests that came too late (stop or a lost host): fail them. */
	while (pending) {
		struct open_req *q = pending;
		pending = q->next;
		ssh_channel_free(q->ch);
		q->ch = NULL;
		q->r = hvc_error_set(&q->err, -ECONNRESET, "%s:%u: via host %s: no host session",
			q->host, q->port, j->label);
		pump_req_done(j, q);
	}
	pthread_mutex_lock(&j->lock);
	for (struct open_req *q = j->reqs; q; q = q->next) {
		q->r = hvc_error_set(&q->err, -ECONNRESET, "%s:%u: via host %s: no host session",
			q->host, q->port, j->label);
		q->done = true;
		j->channels--;
	}
	j->reqs = NULL;
	pthread_cond_broadcast(&j->cond);
	pthread_mutex_unlock(&j->lock);
	return NULL;
}

/* The host session, made once (the first guest makes it; the others wait), then the pump's. */
static int jump_up(struct ssh_transport *t, int64_t deadline, struct hvc_error *err)
{
	struct jump_host *j = t->jump;
	struct hvc_error e = { 0 };
	struct ssh_conn *c = NULL;
	int r;

	pthread_mutex_lock(&j->lock);
	while (j->state == JUMP_CONNECTING)
		if (!jump_wait(j, deadline))
			break;
	if (j->state == JUMP_UP) {
		pthread_mutex_unlock(&j->lock);
		return 0;
	}
	if (j->state == JUMP_FAILED) {
		r = hvc_error_set(err, j->fail.code, "%s", j->fail.msg);
		pthread_mutex_unlock(&j->lock);
		return r;
	}
	if (j->state == JUMP_CONNECTING) {
		pthread_mutex_unlock(&j->lock);
		return hvc_error_set(err, -ETIMEDOUT,
			"via host %s: timed out waiting for the host session", j->label);
	}
	j->state = JUMP_CONNECTING;
	pthread_mutex_unlock(&j->lock);

	/* The host's key under its own name ("[host]:port"); a new one is recorded at once. */
	r = connect_session(t, j->host, j->port, NULL, j->user, -1, true, &c, &e);
	if (r == 0 && c->new_entry) {
		r = record_host_key(c, &e);
		if (r < 0) {
			session_free(c);
			c = NULL;
		}
	}
	if (r == 0 && pipe2(j->wake, O_CLOEXEC | O_NONBLOCK) < 0)
		r = hvc_error_set(&e, -errno, "pipe: %s", strerror(errno));
	pthread_mutex_lock(&j->lock);
	if (r == 0) {
		j->conn = c;
		r = -pthread_create(&j->pump, NULL, pump_main, j);
		if (r < 0)
			hvc_error_set(&e, r, "cannot start a thread: %s", strerror(-r));
	}
	if (r == 0) {
		j->state = JUMP_UP;
		j->pump_started = true;
	} else {
		/* "not reached: host H key changed ..." for every guest behind it. */
		j->state = JUMP_FAILED;
		hvc_error_set(&j->fail, r, "via host %s: %s", j->label, e.msg);
		hvc_error_set(err, r, "%s", j->fail.msg);
		/* A connected session whose pipe or thread could not be made is freed too. */
		session_free(j->conn ? j->conn : c);
		j->conn = NULL;
	}
	pthread_cond_broadcast(&j->cond);
	pthread_mutex_unlock(&j->lock);
	return r;
}

/* A channel to host:port through the host session: *ret_fd is the guest session's end. */
static int jump_channel(struct ssh_transport *t, const char *host, unsigned port, int64_t deadline,
	int *ret_fd, struct hvc_error *err)
{
	struct jump_host *j = t->jump;
	struct open_req req = { .host = host, .port = port, .deadline = deadline, .fd = -1 };
	int r = jump_up(t, deadline, err);

	if (r < 0)
		return r;
	pthread_mutex_lock(&j->lock);
	while (j->state == JUMP_UP && j->channels >= HVC_SSH_JUMP_CHANNELS)
		if (!jump_wait(j, deadline))
			break;
	if (j->state != JUMP_UP) {
		r = hvc_error_set(err, j->fail.code, "%s", j->fail.msg);
		pthread_mutex_unlock(&j->lock);
		return r;
	}
	if (j->channels >= HVC_SSH_JUMP_CHANNELS) {
		pthread_mutex_unlock(&j->lock);
		return hvc_error_set(err, -ETIMEDOUT,
			"%s:%u: via host %s: all %d channels stayed busy until the connect timeout",
			host, port, j->label, HVC_SSH_JUMP_CHANNELS);
	}
	j->channels++;
	req.next = j->reqs;
	j->reqs = &req;
	jump_wake(j);
	/* The pump answers every request (bounded by req.deadline, or at its end). */
	while (!req.done)
		pthread_cond_wait(&j->cond, &j->lock);
	pthread_mutex_unlock(&j->lock);
	if (req.r < 0)
		return hvc_error_set(err, req.r, "%s", req.err.msg);
	*ret_fd = req.fd;
	return 0;
}

/* jump = auto: is host:port reachable from here? (the rule in ssh.h) */
static bool directly_reachable(const char *host, unsigned port, int timeout_ms)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV };
	struct addrinfo *ai = NULL;
	char sport[16], name[256];
	bool ok = false;
	int fd, e = 0;
	socklen_t elen = sizeof(e);

	if (timeout_ms > 2000)
		timeout_ms = 2000;
	snprintf(name, sizeof(name), "%s", host);
	if (name[0] == '[' && name[strlen(name) - 1] == ']') {
		memmove(name, name + 1, strlen(name));
		name[strlen(name) - 1] = '\0';
	}
	snprintf(sport, sizeof(sport), "%u", port);
	if (getaddrinfo(name, sport, &hints, &ai) != 0 || !ai)
		return false;
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd >= 0) {
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
			ok = true;
		} else if (errno == EINPROGRESS) {
			struct pollfd p = { .fd = fd, .events = POLLOUT };

			if (poll(&p, 1, timeout_ms) == 1 &&
				getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &elen) == 0)
				ok = e == 0 || e == ECONNREFUSED;
		} else {
			ok = errno == ECONNREFUSED;
		}
		close(fd);
	}
	freeaddrinfo(ai);
	return ok;
}

static int jump_connect(struct ssh_transport *t, const char *host, unsigned port,
	const char *key_alias, struct ssh_conn **ret_conn, struct hvc_error *err)
{
	const struct hvc_transport_options *o = &t->base.options;
	struct jump_host *j = t->jump;
	int64_t deadline = hvc_now_ms() + o->connect_timeout_ms;
	int fd = -1, r;

	if (port == 0)
		port = 22;
	if (!host_name_ok(host) || port > 65535)
		return hvc_error_set(
			err, -EINVAL, "%s:%u: invalid host name or port", strna(host), port);
	if (j->only_if_unreachable && directly_reachable(host, port, o->connect_timeout_ms))
		return connect_session(t, host, port, key_alias, o->user, -1, false, ret_conn, err);
	r = jump_channel(t, host, port, deadline, &fd, err);
	if (r < 0)
		return r;
	/* The guest's key is checked as for a direct guest (under its alias). */
	r = connect_session(t, host, port, key_alias, o->user, fd, false, ret_conn, err);
	if (r < 0) {
		hvc_error_prefix(err, "via host %s", j->label);
		return r;
	}
	(*ret_conn)->base.via = j->label;
	return 0;
}

static void jump_free(struct jump_host *j)
{
	if (!j)
		return;
	if (j->pump_started) {
		pthread_mutex_lock(&j->lock);
		j->stop = true;
		pthread_mutex_unlock(&j->lock);
		jump_wake(j);
		pthread_join(j->pump, NULL);
	}
	if (j->conn)
		session_free(j->conn);
	if (j->wake[0] >= 0) {
		close(j->wake[0]);
		close(j->wake[1]);
	}
	pthread_mutex_destroy(&j->lock);
	pthread_cond_destroy(&j->cond);
	free(j->label);
	free(j->host);
	free(j->user);
	free(j);
}

/* A transport for a host's sshd (jump, remote dom0): direct's options, where's address checked. */
static int host_transport_new(const struct hvc_transport *direct, const struct hvc_ssh_jump *where,
	struct hvc_transport **ret, struct hvc_error *err)
{
	*ret = NULL;
	if (!direct || direct->impl != &hvc_ssh_transport_impl)
		return hvc_error_set(
			err, -EINVAL, "host %s: the transport is not SSH", strna(where->label));
	if (!host_name_ok(where->host) || where->port > 65535)
		return hvc_error_set(err, -EINVAL, "host %s: invalid ssh address '%s'",
			strna(where->label), strna(where->host));
	return hvc_ssh_transport_new(&direct->options, ret, err);
}

int hvc_ssh_jump_transport_new(const struct hvc_transport *direct, const struct hvc_ssh_jump *jo,
	struct hvc_transport **ret, struct hvc_error *err)
{
	struct ssh_transport *t;
	struct jump_host *j;
	int r;

	r = host_transport_new(direct, jo, ret, err);
	if (r < 0)
		return r;
	t = ssh_transport_from_transport(*ret);
	j = xcalloc(1, sizeof(*j));
	j->label = xstrdup(jo->label ? jo->label : jo->host);
	j->host = xstrdup(jo->host);
	j->port = jo->port ? jo->port : 22;
	j->user = xstrdup(jo->user && *jo->user ? jo->user : t->base.options.user);
	j->only_if_unreachable = jo->only_if_unreachable;
	j->wake[0] = j->wake[1] = -1;
	pthread_mutex_init(&j->lock, NULL);
	pthread_cond_init(&j->cond, NULL);
	t->jump = j;
	return 0;
}

static void ssh_transport_destroy(struct hvc_transport *base)
{
	struct ssh_transport *t;

	if (!base)
		return;
	t = ssh_transport_from_transport(base);
	free((char *)base->options.user);
	free((char *)base->options.identity);
	free((char *)base->options.known_hosts);
	jump_free(t->jump);
	free(t->fixed_host);
	free(t->fixed_user);
	free(t->lock_path);
	ssh_key_free(t->identity_key);
	pthread_mutex_destroy(&t->identity_lock);
	free(t);
}

const struct hvc_transport_impl hvc_ssh_transport_impl = {
	.name = "ssh",
	.connect = ssh_transport_connect,
	.exec = ssh_session_exec,
	.disconnect = ssh_session_disconnect,
	.pin_key = ssh_session_pin_key,
	.destroy = ssh_transport_destroy,
};

int hvc_ssh_transport_new(
	const struct hvc_transport_options *opts, struct hvc_transport **ret, struct hvc_error *err)
{
	struct ssh_transport *t;
	struct hvc_transport_options *o;
	char *kh;

	*ret = NULL;
	if (!opts->known_hosts || !*opts->known_hosts)
		return hvc_error_set(err, -EINVAL,
			"ssh: a known_hosts file is required (hvclock never uses "
			"~/.ssh/known_hosts)");
	if (!opts->identity && !opts->use_agent)
		return hvc_error_set(err, -EINVAL,
			"ssh: no credentials: no identity file (-i, identity = in hvclock.conf, "
			"~/.ssh/id_*) and ssh-agent turned off (--no-agent or agent = no)");
	pthread_once(&init_once, init_libssh);
	if (init_result != 0)
		return hvc_error_set(err, -EIO, "ssh: libssh initialisation failed");

	if (opts->known_hosts[0] == '/') {
		kh = xstrdup(opts->known_hosts);
	} else {
		_cleanup_free_ char *cwd = getcwd(NULL, 0);

		if (!cwd)
			return hvc_error_set(err, -errno, "ssh: cannot resolve %s: %s",
				opts->known_hosts, strerror(errno));
		kh = xasprintf("%s/%s", cwd, opts->known_hosts);
	}

	t = xcalloc(1, sizeof(*t));
	t->base.impl = &hvc_ssh_transport_impl;
	o = &t->base.options;
	*o = *opts;
	o->user = xstrdup(opts->user && *opts->user ? opts->user : "root");
	o->identity = xstrdup_or_null(opts->identity);
	o->known_hosts = kh;
	if (o->connect_timeout_ms <= 0)
		o->connect_timeout_ms = DEFAULT_CONNECT_MS;
	if (o->command_timeout_ms <= 0)
		o->command_timeout_ms = DEFAULT_COMMAND_MS;
	if (o->guest_deadline_ms <= 0)
		o->guest_deadline_ms = DEFAULT_DEADLINE_MS;
	if (o->max_output == 0)
		o->max_output = DEFAULT_MAX_OUTPUT;
	t->lock_path = xasprintf("%s.lock", kh);
	pthread_mutex_init(&t->identity_lock, NULL);
	*ret = &t->base;
	return 0;
}

int hvc_ssh_host_transport_new(const struct hvc_transport *direct, const struct hvc_ssh_jump *where,
	struct hvc_transport **ret, struct hvc_error *err)
{
	struct ssh_transport *t;
	int r;

	r = host_transport_new(direct, where, ret, err);
	if (r < 0)
		return r;
	t = ssh_transport_from_transport(*ret);
	t->fixed_host = xstrdup(where->host);
	t->fixed_port = where->port ? where->port : 22;
	t->fixed_user = xstrdup(where->user && *where->user ? where->user : t->base.options.user);
	return 0;
}

bool hvc_ssh_agent_wanted(bool explicit_identity, int agent_option, int agent_config)
{
	if (agent_option >= 0)
		return agent_option > 0;
	if (agent_config >= 0)
		return agent_config > 0;
	return !explicit_identity;
}
