/* test-ssh.c: the SSH transport against real OpenSSH sshd guests of the simulated lab. */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libssh/libssh.h>

#include "backends/ssh/ssh.h"
#include "core/util.h"
#include "tests/harness.h"

/*
 * Environment (set by t-ssh.sh): HVC_TEST_SSH_INVENTORY ("name host port
 * kind" lines), HVC_TEST_SSH_IDENTITY, HVC_TEST_SSH_KNOWN_HOSTS (every
 * guest's key; never written), HVC_TEST_SSH_SCRATCH (a writable directory),
 * optionally HVC_TEST_SSH_GUESTS (the guest trees, read as the oracle),
 * HVC_TEST_SSH_ENC_KEYS (space-separated passphrase-protected keys) and
 * HVC_TEST_SSH_AGENT_SOCK (an ssh-agent holding the client key),
 * HVC_TEST_SSH_DENIED_KEY (a key no guest accepts). Every time
 * bound below is generous for a loaded 2-core machine, and every measured
 * time is printed as a TAP comment.
 */

#define CONNECT_MS 60000 /* no case but the hung banner waits for it */
#define COMMAND_MS 30000
#define DEADLINE_MS 120000

struct guest {
	char name[32];
	char host[64];
	unsigned port;
	char kind[32];
};

static struct guest guests[64];
static size_t n_guests;
static const char *identity, *lab_known_hosts, *scratch, *guest_trees;
static unsigned scratch_seq;

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const struct guest *guest_of_kind(const char *kind, unsigned nth)
{
	for (size_t i = 0; i < n_guests; i++)
		if (streq(guests[i].kind, kind) && nth-- == 0)
			return &guests[i];
	return NULL;
}

static bool kind_is_healthy(const char *kind)
{
	static const char *const healthy[] = { "healthy", "el6-kvm", "xenlinux-pv", "modern-kvm",
		"modern-xen-pv", "el7-kvm-grubby", "sles-kvm-mkconfig" };

	for (size_t i = 0; i < ELEMENTSOF(healthy); i++)
		if (streq(kind, healthy[i]))
			return true;
	return false;
}

/* Healthy guests except the last one, kept for the test that kills its connection. */
static size_t healthy_guests(const struct guest **out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < n_guests && n < max; i++)
		if (kind_is_healthy(guests[i].kind))
			out[n++] = &guests[i];
	return n > 1 ? n - 1 : n;
}

static const struct guest *victim_guest(void)
{
	const struct guest *g = NULL;

	for (size_t i = 0; i < n_guests; i++)
		if (kind_is_healthy(guests[i].kind))
			g = &guests[i];
	return g;
}

static struct hvc_transport_options base_options(const char *known_hosts)
{
	struct hvc_transport_options o = {
		.user = "root",
		.identity = identity,
		.use_agent = false,
		.known_hosts = known_hosts,
		.accept_new = false,
		.connect_timeout_ms = CONNECT_MS,
		.command_timeout_ms = COMMAND_MS,
		.guest_deadline_ms = DEADLINE_MS,
		.max_output = 64 << 20,
	};
	return o;
}

static struct hvc_transport *new_transport(const struct hvc_transport_options *o)
{
	struct hvc_transport *t = NULL;
	struct hvc_error err = { 0 };

	if (hvc_ssh_transport_new(o, &t, &err) < 0) {
		printf("# transport: %s\n", err.msg);
		return NULL;
	}
	return t;
}

static char *scratch_path(const char *what)
{
	return xasprintf("%s/%s.%u", scratch, what, ++scratch_seq);
}

static bool write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "we");
	bool ok;

	if (!f)
		return false;
	ok = fputs(text, f) >= 0;
	return fclose(f) == 0 && ok;
}

/* The lab's known_hosts minus every line naming [host]:port. */
static char *known_hosts_without(const struct guest *g)
{
	_cleanup_free_ char *all = hvc_test_read_file(lab_known_hosts);
	_cleanup_free_ char *tag = xasprintf("[%s]:%u ", g->host, g->port);
	char *path = scratch_path("known_hosts");
	FILE *f = fopen(path, "we");

	if (!all || !f) {
		if (f)
			fclose(f);
		free(path);
		return NULL;
	}
	for (char *line = all, *end; *line; line = end) {
		end = strchr(line, '\n');
		end = end ? end + 1 : line + strlen(line);
		if (strncmp(line, tag, strlen(tag)) != 0)
			fwrite(line, 1, (size_t)(end - line), f);
	}
	fclose(f);
	return path;
}

static char *copy_of_lab_known_hosts(void)
{
	_cleanup_free_ char *all = hvc_test_read_file(lab_known_hosts);
	char *path = scratch_path("known_hosts");

	if (!all || !write_file(path, all)) {
		free(path);
		return NULL;
	}
	return path;
}

/* SHA256 fingerprint of the key the lab's known_hosts records for g. */
static char *recorded_fingerprint(const struct guest *g)
{
	_cleanup_free_ char *all = hvc_test_read_file(lab_known_hosts);
	_cleanup_free_ char *tag = xasprintf("[%s]:%u ", g->host, g->port);
	char *ret = NULL;

	if (!all)
		return NULL;
	for (char *line = strtok(all, "\n"); line; line = strtok(NULL, "\n")) {
		_cleanup_strv_free_ char **f = NULL;
		ssh_key key = NULL;
		unsigned char *hash = NULL;
		size_t hlen;
		char *fp;

		if (strncmp(line, tag, strlen(tag)) != 0)
			continue;
		f = strv_split(line, " ");
		if (strv_length(f) < 3 ||
			ssh_pki_import_pubkey_base64(f[2], ssh_key_type_from_name(f[1]), &key) !=
				SSH_OK)
			return NULL;
		if (ssh_get_publickey_hash(key, SSH_PUBLICKEY_HASH_SHA256, &hash, &hlen) == 0) {
			fp = ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash, hlen);
			ret = xstrdup(fp);
			ssh_string_free_char(fp);
			ssh_clean_pubkey_hash(&hash);
		}
		ssh_key_free(key);
		break;
	}
	return ret;
}

static size_t count_lines_with(const char *text, const char *prefix)
{
	size_t n = 0;

	for (const char *p = text; p && *p;) {
		if (strncmp(p, prefix, strlen(prefix)) == 0)
			n++;
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return n;
}

static size_t count_lines(const char *text)
{
	size_t n = 0;

	for (const char *p = text; p && *p; p++)
		n += *p == '\n';
	return n;
}

/* Every non-empty line is "host keytype base64" and the file ends with a newline. */
static bool known_hosts_well_formed(const char *text)
{
	_cleanup_free_ char *copy = xstrdup(text);

	if (*text && text[strlen(text) - 1] != '\n')
		return false;
	for (char *line = strtok(copy, "\n"); line; line = strtok(NULL, "\n")) {
		_cleanup_strv_free_ char **f = strv_split(line, " ");
		ssh_key key = NULL;

		if (strv_length(f) != 3 ||
			ssh_pki_import_pubkey_base64(f[2], ssh_key_type_from_name(f[1]), &key) !=
				SSH_OK)
			return false;
		ssh_key_free(key);
	}
	return true;
}

/* Connect to g, run command, return the result code; *ms gets the exec time. */
static int connect_exec(struct hvc_transport *t, const struct guest *g, const char *command,
	const char *in, size_t in_len, struct hvc_exec_result *res, struct hvc_error *err)
{
	struct hvc_session *s = NULL;
	int r = hvc_transport_connect(t, g->host, g->port, &s, err);

	if (r < 0)
		return r;
	r = hvc_session_exec(t, s, command, in, in_len, res, err);
	hvc_session_disconnect(t, s);
	return r;
}

static bool contains(const char *haystack, const char *needle)
{
	return haystack && needle && strstr(haystack, needle);
}

static void test_exec_output_and_status(void)
{
	struct hvc_transport_options o = base_options(lab_known_hosts);
	struct hvc_transport *t = new_transport(&o);
	const struct guest *gs[64] = { NULL };
	size_t n = healthy_guests(gs, ELEMENTSOF(gs));

	CHECK(t && n > 0);
	for (size_t i = 0; t && i < n; i++) {
		struct hvc_session *s = NULL;
		struct hvc_error err = { 0 };
		struct hvc_exec_result r = { 0 };
		_cleanup_free_ char *kind_line = xasprintf("%s\n", gs[i]->kind);
		int64_t t0 = now_ms(), t1, t2;

		CHECK_INTEQ(hvc_transport_connect(t, gs[i]->host, gs[i]->port, &s, &err), 0);
		if (!s) {
			printf("# %s\n", err.msg);
			continue;
		}
		t1 = now_ms();
		CHECK_INTEQ(hvc_session_exec(t, s, "cat /etc/hvsim-kind", NULL, 0, &r, &err), 0);
		CHECK_INTEQ(r.exit_status, 0);
		CHECK_STREQ(r.out, kind_line);
		CHECK_INTEQ(r.out_len, strlen(kind_line));
		CHECK_STREQ(r.err, "");
		hvc_exec_result_finish(&r);

		/* Same session, more commands: the guest tree on the host is the oracle. */
		CHECK_INTEQ(hvc_session_exec(t, s, "cat /proc/cmdline", NULL, 0, &r, &err), 0);
		CHECK_INTEQ(r.exit_status, 0);
		CHECK(r.out_len > 1 && r.out[r.out_len - 1] == '\n');
		CHECK(strlen(r.out) == r.out_len);
		if (guest_trees) {
			_cleanup_free_ char *path =
				xasprintf("%s/%s/proc/cmdline", guest_trees, gs[i]->name);
			_cleanup_free_ char *want = hvc_test_read_file(path);

			CHECK_STREQ(r.out, want);
		}
		hvc_exec_result_finish(&r);
		{
			struct hvc_exec_result a = { 0 }, b = { 0 };

			CHECK_INTEQ(hvc_session_exec(t, s, "uname -r", NULL, 0, &a, &err), 0);
			CHECK_INTEQ(hvc_session_exec(t, s, "cat /proc/sys/kernel/osrelease", NULL,
					    0, &b, &err),
				0);
			CHECK_STREQ(a.out, b.out);
			CHECK(a.out && !contains(a.out, "fc-v")); /* not the host's kernel */
			hvc_exec_result_finish(&a);
			hvc_exec_result_finish(&b);
		}
		t2 = now_ms();
		printf("# %s (%s): connect %lld ms, 4 execs %lld ms\n", gs[i]->name, gs[i]->kind,
			(long long)(t1 - t0), (long long)(t2 - t1));
		if (err.code)
			printf("# %s\n", err.msg);
		hvc_session_disconnect(t, s);
	}
	hvc_transport_destroy(t);
}

static void test_exit_status_and_stderr(void)
{
	struct hvc_transport_options o = base_options(lab_known_hosts);
	struct hvc_transport *t = new_transport(&o);
	const struct guest *g[1] = { NULL };
	struct hvc_session *s = NULL;
	struct hvc_error err = { 0 };
	struct hvc_exec_result r = { 0 };

	CHECK(t && healthy_guests(g, 1) == 1);
	if (!t || hvc_transport_connect(t, g[0]->host, g[0]->port, &s, &err) < 0) {
		printf("# %s\n", err.msg);
		CHECK(false);
		hvc_transport_destroy(t);
		return;
	}
	CHECK_INTEQ(
		hvc_session_exec(t, s, "echo out; echo oops >&2; exit 7", NULL, 0, &r, &err), 0);
	CHECK_INTEQ(r.exit_status, 7);
	CHECK_STREQ(r.out, "out\n");
	CHECK_STREQ(r.err, "oops\n");
	CHECK_INTEQ(r.err_len, 5);
	hvc_exec_result_finish(&r);
	CHECK_INTEQ(hvc_session_exec(t, s, "false", NULL, 0, &r, &err), 0);
	CHECK_INTEQ(r.exit_status, 1);
	hvc_exec_result_finish(&r);
	CHECK_INTEQ(hvc_session_exec(t, s, "cat /nonexistent", NULL, 0, &r, &err), 0);
	CHECK(r.exit_status != 0 && r.exit_status != -1);
	CHECK(contains(r.err, "nonexistent"));
	hvc_exec_result_finish(&r);
	/* Killed by a signal: no exit status, reported as -1. */
	CHECK_INTEQ(hvc_session_exec(t, s, "kill -9 $$", NULL, 0, &r, &err), 0);
	CHECK_INTEQ(r.exit_status, -1);
	hvc_exec_result_finish(&r);
	if (err.code)
		printf("# %s\n", err.msg);
	hvc_session_disconnect(t, s);
	hvc_transport_destroy(t);
}

static void test_stdin_roundtrip(void)
{
	struct hvc_transport_options o = base_options(lab_known_hosts);
	struct hvc_transport *t = new_transport(&o);
	const struct guest *g[1] = { NULL };
	struct hvc_session *s = NULL;
	struct hvc_error err = { 0 };
	struct hvc_exec_result r = { 0 };
	const size_t len = 1 << 20;
	_cleanup_free_ char *data = xmalloc(len);
	uint32_t x = 2463534242u;
	int64_t t0;

	for (size_t i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		data[i] = (char)(i < 256 ? i : x); /* every byte value, then noise */
	}
	CHECK(t && healthy_guests(g, 1) == 1);
	if (!t || hvc_transport_connect(t, g[0]->host, g[0]->port, &s, &err) < 0) {
		printf("# %s\n", err.msg);
		CHECK(false);
		hvc_transport_destroy(t);
		return;
	}
	t0 = now_ms();
	CHECK_INTEQ(hvc_session_exec(t, s, "cat", data, len, &r, &err), 0);
	printf("# 1 MiB through cat: %lld ms\n", (long long)(now_ms() - t0));
	CHECK_INTEQ(r.exit_status, 0);
	CHECK_INTEQ(r.out_len, len);
	CHECK(r.out && r.out_len == len && memcmp(r.out, data, len) == 0);
	CHECK(r.out && r.out[r.out_len] == '\0');
	hvc_exec_result_finish(&r);

	CHECK_INTEQ(hvc_session_exec(t, s, "wc -c", data, len, &r, &err), 0);
	CHECK(r.out && strtoul(r.out, NULL, 10) == len);
	hvc_exec_result_finish(&r);

	/* No stdin at all: EOF at once, cat ends. */
	CHECK_INTEQ(hvc_session_exec(t, s, "cat", NULL, 0, &r, &err), 0);
	CHECK_INTEQ(r.out_len, 0);
	CHECK_STREQ(r.out, "");
	hvc_exec_result_finish(&r);

	/* A command that never reads its stdin still ends. */
	t0 = now_ms();
	CHECK_INTEQ(hvc_session_exec(t, s, "echo ignored", data, len, &r, &err), 0);
	CHECK_STREQ(r.out, "ignored\n");
	printf("# 1 MiB to a command that ignores stdin: %lld ms\n", (long long)(now_ms() - t0));
	hvc_exec_result_finish(&r);
	if (err.code)
		printf("# %s\n", err.msg);
	hvc_session_disconnect(t, s);
	hvc_transport_destroy(t);
}

static void test_binary_output(void)
{
	struct hvc_transport_options o = base_options(lab_known_hosts);
	struct hvc_transport *t = new_transport(&o);
	const struct guest *g = guest_of_kind("binary-output", 0);
	const struct guest *h[1] = { NULL };
	struct hvc_error err = { 0 };
	struct hvc_exec_result r = { 0 };
	static const char expect[] = "\000\001\377A\000\n";

	CHECK(t && healthy_guests(h, 1) == 1);
	/* Exact bytes, NULs included, from a healthy guest. */
	CHECK_INTEQ(
		connect_exec(t, h[0], "printf '\\000\\001\\377A\\000\\n'", NULL, 0, &r, &err), 0);
	CHECK_INTEQ(r.out_len, sizeof(expect) - 1);
	CHECK(r.out && r.out_len == sizeof(expect) - 1 && memcmp(r.out, expect, r.out_len) == 0);
	CHECK(r.out && r.out[r.out_len] == '\0');
	hvc_exec_result_finish(&r);
	if (!g) {
		printf("# no binary-output guest in the lab\n");
		CHECK(false);
		hvc_transport_destroy(t);
		return;
	}
	/* The fault kind's dmesg: 4 MiB of random bytes, every one delivered, NULs included. */
	for (size_t i = 0; i < 2; i++) {
		static const char *const cmds[] = { "dmesg", "cat /proc/cmdline" };
		size_t nuls = 0;
		int64_t t0 = now_ms();
		int rc;

		hvc_error_clear(&err);
		rc = connect_exec(t, g, cmds[i], NULL, 0, &r, &err);
		CHECK_INTEQ(rc, 0);
		if (rc < 0)
			printf("# %s\n", err.msg);
		CHECK_INTEQ(r.exit_status, 0);
		CHECK(r.out && r.out[r.out_len] == '\0');
		for (size_t j = 0; j < r.out_len; j++)
			nuls += r.out[j] == '\0';
		printf("# binary-output '%s': %zu bytes, %zu NUL bytes, %lld ms\n", cmds[i],
			r.out_len, nuls, (long long)(now_ms() - t0));
		if (i == 0) {
			CHECK_INTEQ(r.out_len, 4 << 20);
			CHECK(nuls > 0);
		}
		hvc_exec_result_finish(&r);
	}
	hvc_transport_destroy(t);
}

static void test_unknown_host_key_refused(void)
{
	const struct guest *g[1] = { NULL };
	_cleanup_free_ char *kh = NULL, *before = NULL, *after = NULL, *fp = NULL, *missing = NULL;
	struct hvc_transport_options o;
	struct hvc_transport *t;
	struct hvc_session *s = NULL;
	struct hvc_error err = { 0 };
	char where[128];
	int64_t t0;

	CHECK(healthy_guests(g, 1) == 1);
	kh = known_hosts_without(g[0]);
	fp = recorded_fingerprint(g[0]);
	CHECK(kh && fp);
	if (!kh || !fp)
		return;
	before = hvc_test_read_file(kh);
	snprintf(where, sizeof(where), "%s:%u: ", g[0]->host, g[0]->port);
	o = base_options(kh);
	t = new_transport(&o);
	CHECK(t);
	t0 = now_ms();
	CHECK_INTEQ(hvc_transport_connect(t, g[0]->host, g[0]->port, &s, &err), -ENOKEY);
	printf("# refused in %lld ms: %s\n", (long long)(now_ms() - t0), err.msg);
	CHECK(s == NULL);
	CHECK(strncmp(err.msg, where, strlen(where)) == 0);
	CHECK(contains(err.msg, "unknown host key"));
	CHECK(contains(err.msg, fp));
	CHECK(contains(err.msg, "--accept-new"));
	after = hvc_test_read_file(kh);
	CHECK_STREQ(after, before);
	hvc_transport_destroy(t);

	/* A known_hosts file that does not exist: same refusal, nothing created. */
	missing = scratch_path("no-such-known_hosts");
	o = base_options(missing);
	t = new_transport(&o);
	hvc_error_clear(&err);
	CHECK_INTEQ(hvc_transport_connect(t, g[0]->host, g[0]->port, &s, &err), -ENOKEY);
	CHECK(contains(err.msg, fp));
	CHECK(access(missing, F_OK) < 0 && errno == ENOENT);
	hvc_transport_destroy(t);
}

/* The guest's line of the lab's known_hosts ("[host]:port TYPE B64\n"). */
static char *lab_line_of(const struct guest *g)
{
	_cleanup_free_ char *all = hvc_test_read_file(lab_known_hosts);
	_cleanup_free_ char *tag = xasprintf("[%s]:%u ", g->host, g->port);

	for (char *line = all, *end; all && *line; line = end) {
		end = strchr(line, '\n');
		end = end ? end + 1 : line + strlen(line);
		if (strncmp(line, tag, strlen(tag)) == 0)
			return xstrndup(line, (size_t)(end - line));
	}
	return NULL;
}

/*
 * Only lines that may name the guest are parsed: the guest's key is still found as a hashed
 * line (ssh-keygen -H), under a wildcard pattern and in a list of names, among the other
 * guests' lines.
 */
static void test_known_hosts_forms(void)
{
	const struct guest *g[1] = { NULL };
	_cleanup_free_ char *kh = NULL, *rest = NULL, *line = NULL, *port = NULL;
	struct hvc_error err = { 0 };

	CHECK(healthy_guests(g, 1) == 1);
	kh = known_hosts_without(g[0]);
	line = lab_line_of(g[0]);
	CHECK(kh && line);
	if (!kh || !line)
		return;
	rest = hvc_test_read_file(kh);
	port = xasprintf("%u", g[0]->port);
	for (int form = 0; form < 3; form++) {
		_cleanup_free_ char *mine = NULL, *text = NULL, *cmd = NULL;
		struct hvc_transport_options o = base_options(kh);
		struct hvc_transport *t;
		struct hvc_session *s = NULL;
		const char *keypart = strchr(line, ' ');

		if (form == 2) /* the port's last digit as "?" */
			mine = xasprintf("other.example,[%s]:%.*s?%s", g[0]->host,
				(int)strlen(port) - 1, port, keypart);
		else if (form == 1)
			mine = xasprintf("other.example,%s", line);
		else
			mine = xstrdup(line);
		text = xasprintf("%s%s", strna(rest), mine);
		CHECK(write_file(kh, text));
		if (form == 0) {
			cmd = xasprintf("ssh-keygen -q -H -f '%s' >/dev/null 2>&1", kh);
			CHECK(system(cmd) == 0);
			free(text);
			text = hvc_test_read_file(kh);
			CHECK(text && strstr(text, "|1|") != NULL);
		}
		t = new_transport(&o);
		hvc_error_clear(&err);
		CHECK_INTEQ(hvc_transport_connect(t, g[0]->host, g[0]->port, &s, &err), 0);
		printf("# form %d (%s): %s\n", form,
			form == 0           ? "hashed"
				: form == 1 ? "name list"
					    : "wildcard",
			s ? "connected" : err.msg);
		if (s)
			hvc_session_disconnect(t, s);
		hvc_transport_destroy(t);
	}
	/*
	 * The other way round: a line libssh reads as naming the guest, with another key, must
	 * still say "changed" (refused even with accept_new), never "unknown" (accepted). Here the
	 * host field holds a tab ("x<TAB>y,[host]:port": libssh splits the fields on ' ' only),
	 * which a filter that ends the field at the tab would skip.
	 */
	{
		const struct guest *g2[3] = { NULL, NULL, NULL };
		_cleanup_free_ char *other = NULL, *text = NULL;
		struct hvc_transport_options o = base_options(kh);
		struct hvc_transport *t;
		struct hvc_session *s = NULL;
		const char *k0 = strchr(line, ' ');

		CHECK(healthy_guests(g2, 3) == 2);
		other = g2[1] ? lab_line_of(g2[1]) : NULL;
		CHECK(other && k0 && strchr(other, ' '));
		if (!other || !k0 || g2[0] != g[0])
			return;
		text = xasprintf(
			"%sx\ty,%.*s%s\n", strna(rest), (int)(k0 - line), line, strchr(other, ' '));
		CHECK(write_file(kh, text));
		o.accept_new = true;
		t = new_transport(&o);
		hvc_error_clear(&err);
		CHECK(hvc_transport_connect(t, g[0]->host, g[0]->port, &s, &err) < 0);
		printf("# tab in the host field, another key: %s\n", s ? "connected" : err.msg);
		if (s)
			hvc_session_disconnect(t, s);
		hvc_transport_destroy(t);
		free(text);
		text = hvc_test_read_file(kh);
		CHECK(text && !strstr(text + strlen(strna(rest)), "\n["));
	}
}

struct racer {
	struct hvc_transport *t;
	const struct guest *g;
	pthread_barrier_t *barrier;
	int rc;
	struct hvc_error err;
};

static void *race_connect(void *arg)
{
	struct racer *r = arg;
	struct hvc_session *s = NULL;
	struct hvc_exec_result res = { 0 };

	pthread_barrier_wait(r->barrier);
	r->rc = hvc_transport_connect(r->t, r->g->host, r->g->port, &s, &r->err);
	/* A new key is recorded once the caller has decided to trust the peer. */
	if (r->rc == 0)
		r->rc = hvc_session_pin_key(r->t, s, &r->err);
	if (r->rc == 0) {
		r->rc = hvc_session_exec(r->t, s, "true", NULL, 0, &res, &r->err);
		hvc_exec_result_finish(&res);
	}
	hvc_session_disconnect(r->t, s);
	return NULL;
}

/* 8 threads connect at once with accept_new; returns how many failed. */
static int race_accept_new(const char *kh, const struct guest *g, int64_t *ms)
{
	struct hvc_transport_options o = base_options(kh);
	struct hvc_transport *t;
	pthread_barrier_t barrier;
	pthread_t th[8];
	struct racer r[8];
	int failed = 0;
	int64_t t0;

	o.accept_new = true;
	t = new_transport(&o);
	if (!t)
		return 8;
	pthread_barrier_init(&barrier, NULL, 8);
	t0 = now_ms();
	for (size_t i = 0; i < 8; i++) {
		r[i] = (struct racer){ .t = t, .g = g, .barrier = &barrier };
		pthread_create(&th[i], NULL, race_connect, &r[i]);
	}
	for (size_t i = 0; i < 8; i++) {
		pthread_join(th[i], NULL);
		if (r[i].rc != 0) {
			printf("# thread %zu: %d %s\n", i, r[i].rc, r[i].err.msg);
			failed++;
		}
	}
	*ms = now_ms() - t0;
	pthread_barrier_destroy(&barrier);
	hvc_transport_destroy(t);
	return failed;
}

static void test_accept_new_records_once(void)
{
	const struct guest *g[1] = { NULL };
	_cleanup_free_ char *kh = NULL, *before = NULL, *after = NULL, *tag = NULL;
	_cleanup_free_ char *newdir = NULL, *kh2 = NULL, *text2 = NULL;
	struct hvc_transport_options o;
	struct hvc_transport *t;
	struct hvc_session *s = NULL;
	struct hvc_error err = { 0 };
	struct stat st;
	int64_t ms;

	CHECK(healthy_guests(g, 1) == 1);
	kh = known_hosts_without(g[0]);
	CHECK(kh);
	if (!kh)
		return;
	tag = xasprintf("[%s]:%u ", g[0]->host, g[0]->port);
	before = hvc_test_read_file(kh);

	/* An existing file with the other guests' keys. */
	CHECK_INTEQ(race_accept_new(kh, g[0], &ms), 0);
	printf("# 8 threads, accept_new into an existing file: %lld ms\n", (long long)ms);
	after = hvc_test_read_file(kh);
	CHECK(after != NULL);
	CHECK_INTEQ(count_lines_with(after, tag), 1);
	CHECK_INTEQ(count_lines(after), count_lines(before) + 1);
	CHECK(after && strncmp(after, before, strlen(before)) == 0); /* old lines kept, in order */
	CHECK(after && known_hosts_well_formed(after));

	/* Recorded: a plain connect now passes, and a second accept_new run adds nothing. */
	o = base_options(kh);
	t = new_transport(&o);
	CHECK_INTEQ(hvc_transport_connect(t, g[0]->host, g[0]->port, &s, &err), 0);
	if (err.code)
		printf("# %s\n", err.msg);
	hvc_session_disconnect(t, s);
	hvc_transport_destroy(t);
	CHECK_INTEQ(race_accept_new(kh, g[0], &ms), 0);
	free(after);
	after = hvc_test_read_file(kh);
	CHECK_INTEQ(count_lines_with(after, tag), 1);

	/* No directory yet: created 0700, the file holds exactly one line. */
	newdir = scratch_path("newdir");
	kh2 = xasprintf("%s/sub/known_hosts", newdir);
	CHECK_INTEQ(race_accept_new(kh2, g[0], &ms), 0);
	printf("# 8 threads, accept_new into a new directory: %lld ms\n", (long long)ms);
	CHECK(stat(newdir, &st) == 0 && (st.st_mode & 07777) == 0700);
	text2 = hvc_test_read_file(kh2);
	CHECK(text2 != NULL);
	CHECK_INTEQ(count_lines_with(text2, tag), 1);
	CHECK_INTEQ(count_lines(text2), 1);
	CHECK(text2 && known_hosts_well_formed(text2));
	{
		/* No temporary files left behind. */
		_cleanup_free_ char *sub = xasprintf("%s/sub", newdir);
		DIR *d = opendir(sub);
		struct dirent *e;
		int n = 0;

		while (d && (e = readdir(d)))
			if (e->d_name[0] != '.')
				n += !streq(e->d_name, "known_hosts") &&
					!streq(e->d_name, "known_hosts.lock");
		if (d)
			closedir(d);
		CHECK_INTEQ(n, 0);
	}
}

static void test_changed_key_refused(void)
{
	const struct guest *g = guest_of_kind("bad-hostkey", 0);
	_cleanup_free_ char *kh = NULL, *before = NULL, *after = NULL, *fp = NULL;
	struct hvc_transport_options o;
	struct hvc_transport *t;
	struct hvc_session *s = NULL;
	struct hvc_error err = { 0 };
	char where[128];
	const char *off;
	int64_t t0;

	CHECK(g != NULL);
	if (!g)
		return;
	kh = copy_of_lab_known_hosts();
	fp = recorded_fingerprint(g);
	CHECK(kh && fp);
	before = hvc_test_read_file(kh);
	o = base_options(kh);
	o.accept_new = true;
	t = new_transport(&o);
	t0 = now_ms();
	CHECK_INTEQ(hvc_transport_connect(t, g->host, g->port, &s, &err), -EKEYREJECTED);
	printf("# refused in %lld ms: %s\n", (long long)(now_ms() - t0), err.msg);
	snprintf(where, sizeof(where), "%s:%u: ", g->host, g->port);
	CHECK(strncmp(err.msg, where, strlen(where)) == 0);
	CHECK(contains(err.msg, "host key changed"));
	off = strstr(err.msg, "SHA256:");
	CHECK(off != NULL);
	CHECK(!contains(err.msg, fp)); /* the offered key, not the recorded one */
	CHECK(contains(err.msg, kh));
	after = hvc_test_read_file(kh);
	CHECK_STREQ(after, before);
	hvc_transport_destroy(t);

	/* Another key type recorded for a healthy guest: refused too, accept_new or not. */
	{
		const struct guest *h[1] = { NULL };
		_cleanup_free_ char *kh2 = NULL, *line = NULL, *text = NULL, *text2 = NULL;
		ssh_key other = NULL;
		char *b64 = NULL;

		CHECK(healthy_guests(h, 1) == 1);
		kh2 = known_hosts_without(h[0]);
		CHECK(ssh_pki_generate(SSH_KEYTYPE_ECDSA_P256, 256, &other) == SSH_OK);
		CHECK(ssh_pki_export_pubkey_base64(other, &b64) == SSH_OK);
		line = xasprintf("[%s]:%u ecdsa-sha2-nistp256 %s\n", h[0]->host, h[0]->port, b64);
		ssh_string_free_char(b64);
		ssh_key_free(other);
		text = hvc_test_read_file(kh2);
		text2 = xasprintf("%s%s", strna(text), line);
		CHECK(write_file(kh2, text2));
		o = base_options(kh2);
		o.accept_new = true;
		t = new_transport(&o);
		hvc_error_clear(&err);
		CHECK_INTEQ(
			hvc_transport_connect(t, h[0]->host, h[0]->port, &s, &err), -EKEYREJECTED);
		printf("# %s\n", err.msg);
		CHECK(contains(err.msg, "host key type changed"));
		free(after);
		after = hvc_test_read_file(kh2);
		CHECK_STREQ(after, text2);

		/* A line for the host that libssh cannot parse is not papered over. */
		free(line);
		line = xasprintf("%s[%s]:%u ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAbroken\n",
			strna(text), h[0]->host, h[0]->port);
		CHECK(write_file(kh2, line));
		hvc_error_clear(&err);
		CHECK_INTEQ(
			hvc_transport_connect(t, h[0]->host, h[0]->port, &s, &err), -EKEYREJECTED);
		printf("# %s\n", err.msg);
		CHECK(contains(err.msg, "cannot use"));
		free(after);
		after = hvc_test_read_file(kh2);
		CHECK_STREQ(after, line);
		hvc_transport_destroy(t);
	}
}

static void test_auth_failures(void)
{
	const struct guest *g = guest_of_kind("noauth", 0);
	const struct guest *h[1] = { NULL };
	const char *enc = getenv("HVC_TEST_SSH_ENC_KEYS");
	struct hvc_transport_options o = base_options(lab_known_hosts);
	struct hvc_transport *t = new_transport(&o);
	struct hvc_session *s = NULL;
	struct hvc_error err = { 0 };
	char where[128];
	int64_t t0;

	CHECK(g != NULL && t != NULL && healthy_guests(h, 1) == 1);
	if (!g || !t)
		return;
	t0 = now_ms();
	CHECK_INTEQ(hvc_transport_connect(t, g->host, g->port, &s, &err), -EACCES);
	printf("# noauth refused in %lld ms: %s\n", (long long)(now_ms() - t0), err.msg);
	snprintf(where, sizeof(where), "%s:%u: ", g->host, g->port);
	CHECK(strncmp(err.msg, where, strlen(where)) == 0);
	CHECK(contains(err.msg, "authentication failed for user 'root'"));
	CHECK(contains(err.msg, identity));
	hvc_transport_destroy(t);

	/* Encrypted keys and no agent: a clear error, never a prompt. */
	if (enc && *enc) {
		_cleanup_strv_free_ char **keys = strv_split(enc, " ");

		STRV_FOREACH (k, keys) {
			o = base_options(lab_known_hosts);
			o.identity = *k;
			t = new_transport(&o);
			hvc_error_clear(&err);
			t0 = now_ms();
			CHECK_INTEQ(hvc_transport_connect(t, h[0]->host, h[0]->port, &s, &err),
				-EACCES);
			printf("# encrypted key refused in %lld ms: %s\n",
				(long long)(now_ms() - t0), err.msg);
			CHECK(contains(err.msg, "passphrase-protected"));
			hvc_transport_destroy(t);
		}
	} else {
		printf("# no encrypted keys given (HVC_TEST_SSH_ENC_KEYS)\n");
	}

	/* A missing identity file. */
	o = base_options(lab_known_hosts);
	o.identity = "/nonexistent/id_ed25519";
	t = new_transport(&o);
	hvc_error_clear(&err);
	CHECK_INTEQ(hvc_transport_connect(t, h[0]->host, h[0]->port, &s, &err), -ENOENT);
	CHECK(contains(err.msg, "/nonexistent/id_ed25519"));
	hvc_transport_destroy(t);

	/* No credentials at all, a missing known_hosts option, a user@host name. */
	o = base_options(lab_known_hosts);
	o.identity = NULL;
	hvc_error_clear(&err);
	CHECK_INTEQ(hvc_ssh_transport_new(&o, &t, &err), -EINVAL);
	o = base_options(NULL);
	hvc_error_clear(&err);
	CHECK_INTEQ(hvc_ssh_transport_new(&o, &t, &err), -EINVAL);
	o = base_options(lab_known_hosts);
	t = new_transport(&o);
	hvc_error_clear(&err);
	CHECK_INTEQ(hvc_transport_connect(t, "evil@127.0.0.1", h[0]->port, &s, &err), -EINVAL);
	hvc_transport_destroy(t);
}

static void test_closed_port(void)
{
	const struct guest *g = guest_of_kind("closed", 0);
	struct hvc_transport_options o = base_options(lab_known_hosts);
	struct hvc_transport *t = new_transport(&o);
	struct hvc_session *s = NULL;
	struct hvc_error err = { 0 };
	int64_t t0, ms;

	CHECK(g && t);
	if (!g || !t)
		return;
	t0 = now_ms();
	CHECK_INTEQ(hvc_transport_connect(t, g->host, g->port, &s, &err), -ECONNREFUSED);
	ms = now_ms() - t0;
	printf("# closed port: %lld ms: %s\n", (long long)ms, err.msg);
	CHECK(contains(err.msg, "connection refused"));

	/* An IPv6 literal is parsed as one (nothing listens on ::1 here), with or without []. */
	for (size_t i = 0; i < 2; i++) {
		static const char *const names[] = { "::1", "[::1]" };
		_cleanup_free_ char *where = xasprintf("[::1]:%u: ", g->port);
		int rc;

		hvc_error_clear(&err);
		rc = hvc_transport_connect(t, names[i], g->port, &s, &err);
		printf("# %s: %d %s\n", names[i], rc, err.msg);
		CHECK(rc < 0 && rc != -EINVAL);
		CHECK(strncmp(err.msg, where, strlen(where)) == 0);
	}
	hvc_transport_destroy(t);
}

static void test_hung_banner(void)
{
	const struct guest *g = guest_of_kind("hung-banner", 0);
	struct hvc_transport_options o = base_options(lab_known_hosts);
	struct hvc_transport *t;
	struct hvc_session *s = NULL;
	struct hvc_error err = { 0 };
	int64_t t0, ms;

	CHECK(g != NULL);
	if (!g)
		return;
	/* The other limits far beyond the test's: if this one were not kept, the test would hang. */
	o.connect_timeout_ms = 2000;
	o.guest_deadline_ms = 3600000;
	t = new_transport(&o);
	t0 = now_ms();
	CHECK_INTEQ(hvc_transport_connect(t, g->host, g->port, &s, &err), -ETIMEDOUT);
	ms = now_ms() - t0;
	printf("# hung banner, connect timeout 2000 ms: %lld ms: %s\n", (long long)ms, err.msg);
	/* Never early. No upper bound: a busy machine may be late; the message names the limit. */
	CHECK(ms >= 1900);
	CHECK(contains(err.msg, "connect timed out after 2000 ms"));

	/* A guest deadline shorter than the connect timeout bounds the connect too. */
	hvc_transport_destroy(t);
	o.connect_timeout_ms = 3600000;
	o.guest_deadline_ms = 1000;
	t = new_transport(&o);
	hvc_error_clear(&err);
	t0 = now_ms();
	CHECK_INTEQ(hvc_transport_connect(t, g->host, g->port, &s, &err), -ETIMEDOUT);
	ms = now_ms() - t0;
	printf("# hung banner, guest deadline 1000 ms: %lld ms: %s\n", (long long)ms, err.msg);
	CHECK(ms >= 900);
	CHECK(contains(err.msg, "connect timed out after 1000 ms"));
	hvc_transport_destroy(t);
}

static void test_hung_command(void)
{
	const struct guest *g = guest_of_kind("hung-cmd", 0);
	struct hvc_transport_options o = base_options(lab_known_hosts);
	struct hvc_transport *t;
	struct hvc_session *s = NULL;
	struct hvc_error err = { 0 };
	struct hvc_exec_result r = { 0 };
	int64_t t0, ms;
	int rc = 0;

	CHECK(g != NULL);
	if (!g)
		return;
	o.command_timeout_ms = 2000;
	o.guest_deadline_ms = 3600000; /* see test_hung_banner */
	t = new_transport(&o);
	if (hvc_transport_connect(t, g->host, g->port, &s, &err) < 0) {
		printf("# %s\n", err.msg);
		CHECK(false);
		hvc_transport_destroy(t);
		return;
	}
	t0 = now_ms();
	CHECK_INTEQ(
		hvc_session_exec(t, s, "echo started; sysctl -n kernel.panic", NULL, 0, &r, &err),
		-ETIMEDOUT);
	ms = now_ms() - t0;
	printf("# hung command, command timeout 2000 ms: %lld ms: %s\n", (long long)ms, err.msg);
	CHECK(ms >= 1900);
	CHECK(contains(err.msg, "timed out after 2000 ms"));
	CHECK(r.out == NULL && r.err == NULL);
	hvc_exec_result_finish(&r);

	/*
	 * The session survives a command timeout. (Under the same 2 s limit a busy machine may
	 * time 'echo' out too: that is tried again. A lost session fails at once, not so.)
	 */
	for (int i = 0; i < 30; i++) {
		hvc_error_clear(&err);
		rc = hvc_session_exec(t, s, "echo alive", NULL, 0, &r, &err);
		if (rc != -ETIMEDOUT)
			break;
		hvc_exec_result_finish(&r);
	}
	CHECK_INTEQ(rc, 0);
	CHECK_STREQ(r.out, "alive\n");
	hvc_exec_result_finish(&r);
	hvc_session_disconnect(t, s);
	hvc_transport_destroy(t);
}

static void test_guest_deadline(void)
{
	const struct guest *g[1] = { NULL };
	struct hvc_transport_options o = base_options(lab_known_hosts);
	struct hvc_transport *t;
	struct hvc_session *s = NULL;
	struct hvc_error err = { 0 };
	struct hvc_exec_result r = { 0 };
	int64_t t0, ms;

	CHECK(healthy_guests(g, 1) == 1);
	/* Only the deadline can end the sleep: the command timeout is longer than the sleep. */
	o.guest_deadline_ms = 5000;
	o.command_timeout_ms = 900000;
	t = new_transport(&o);
	t0 = now_ms();
	if (hvc_transport_connect(t, g[0]->host, g[0]->port, &s, &err) < 0) {
		printf("# %s\n", err.msg);
		CHECK(false);
		hvc_transport_destroy(t);
		return;
	}
	CHECK_INTEQ(hvc_session_exec(t, s, "sleep 600", NULL, 0, &r, &err), -ETIMEDOUT);
	hvc_exec_result_finish(&r);
	ms = now_ms() - t0;
	printf("# guest deadline 5000 ms: 'sleep 600' cut after %lld ms: %s\n", (long long)ms,
		err.msg);
	CHECK(ms >= 4900); /* never early; a busy machine may be late */
	CHECK(contains(err.msg, "guest deadline of 5000 ms"));
	/* Past the deadline every exec fails without running. */
	hvc_error_clear(&err);
	CHECK_INTEQ(hvc_session_exec(t, s, "touch /tmp/hvc-past-deadline", NULL, 0, &r, &err),
		-ETIMEDOUT);
	CHECK(contains(err.msg, "guest deadline"));
	if (guest_trees) {
		_cleanup_free_ char *path =
			xasprintf("%s/%s/tmp/hvc-past-deadline", guest_trees, g[0]->name);

		CHECK(access(path, F_OK) < 0 && errno == ENOENT);
	}
	hvc_session_disconnect(t, s);
	hvc_transport_destroy(t);
}

/*
 * A command that works for a while before it answers costs the client a wake-up per packet,
 * not one per time slice: the calling thread's voluntary context switches (each blocking wait
 * that slept) over a 2 s command stay few (50 ms slices made it 40 and more).
 */
static void test_exec_waits_without_slices(void)
{
	const struct guest *g[1] = { NULL };
	struct hvc_transport_options o = base_options(lab_known_hosts);
	struct hvc_transport *t;
	struct hvc_session *s = NULL;
	struct hvc_error err = { 0 };
	struct hvc_exec_result r = { 0 };
	struct rusage before, after;
	long waits;

	CHECK(healthy_guests(g, 1) == 1);
	t = new_transport(&o);
	if (hvc_transport_connect(t, g[0]->host, g[0]->port, &s, &err) < 0) {
		printf("# %s\n", err.msg);
		CHECK(false);
		hvc_transport_destroy(t);
		return;
	}
	getrusage(RUSAGE_THREAD, &before);
	CHECK_INTEQ(hvc_session_exec(t, s, "sleep 2; echo done", NULL, 0, &r, &err), 0);
	getrusage(RUSAGE_THREAD, &after);
	CHECK_STREQ(r.out, "done\n");
	waits = after.ru_nvcsw - before.ru_nvcsw;
	printf("# 'sleep 2; echo done': %ld voluntary context switches in the exec\n", waits);
	CHECK(waits < 15);
	hvc_exec_result_finish(&r);
	hvc_session_disconnect(t, s);
	hvc_transport_destroy(t);
}

/* Peak RSS in KiB since the last reset_peak_rss() (VmHWM; Linux resets it on "5" > clear_refs). */
static long peak_rss_kib(void)
{
	_cleanup_free_ char *status = hvc_test_read_file("/proc/self/status");
	const char *p = status ? strstr(status, "VmHWM:") : NULL;
	struct rusage ru;

	if (p)
		return strtol(p + 6, NULL, 10);
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

static long current_rss_kib(void)
{
	_cleanup_free_ char *status = hvc_test_read_file("/proc/self/status");
	const char *p = status ? strstr(status, "VmRSS:") : NULL;

	return p ? strtol(p + 6, NULL, 10) : 0;
}

static void reset_peak_rss(void)
{
	FILE *f = fopen("/proc/self/clear_refs", "we");

	if (f) {
		fputs("5", f);
		fclose(f);
	}
}

static void test_huge_output(void)
{
	const struct guest *g = guest_of_kind("huge-output", 0);
	const char *cmd = getenv("HVC_TEST_SSH_HUGE_COMMAND");
	struct hvc_transport_options o = base_options(lab_known_hosts);
	struct hvc_transport *t;
	struct hvc_session *s = NULL;
	struct hvc_error err = { 0 };
	struct hvc_exec_result r = { 0 };
	long rss0;
	int64_t t0, ms;

	CHECK(g != NULL);
	if (!g)
		return;
	if (!cmd || !*cmd)
		cmd = "dmesg";
	o.max_output = 1 << 20;
	t = new_transport(&o);
	if (hvc_transport_connect(t, g->host, g->port, &s, &err) < 0) {
		printf("# %s\n", err.msg);
		CHECK(false);
		hvc_transport_destroy(t);
		return;
	}
	reset_peak_rss();
	rss0 = current_rss_kib();
	t0 = now_ms();
	CHECK_INTEQ(hvc_session_exec(t, s, cmd, NULL, 0, &r, &err), -EMSGSIZE);
	ms = now_ms() - t0;
	printf("# huge output ('%s'), cap 1 MiB: %lld ms, peak RSS %ld KiB over the %ld KiB "
	       "before: "
	       "%s\n",
		cmd, (long long)ms, peak_rss_kib() - rss0, rss0, err.msg);
	CHECK(contains(err.msg, "output exceeds 1048576 bytes"));
	CHECK(r.out == NULL);
	CHECK(peak_rss_kib() - rss0 < 16 * 1024); /* 50 MB were on offer */

	/* Under the cap is fine, and the session is still usable. */
	hvc_error_clear(&err);
	CHECK_INTEQ(
		hvc_session_exec(t, s, "busybox head -c 1048576 /bin/busybox", NULL, 0, &r, &err),
		0);
	CHECK_INTEQ(r.out_len, 1 << 20);
	hvc_exec_result_finish(&r);
	hvc_error_clear(&err);
	CHECK_INTEQ(
		hvc_session_exec(t, s, "busybox head -c 1048577 /bin/busybox", NULL, 0, &r, &err),
		-EMSGSIZE);
	hvc_session_disconnect(t, s);
	hvc_transport_destroy(t);
}

struct killer {
	int sleep_arg;
	int killed;
	atomic_bool done; /* the exec returned: stop looking */
};

static bool read_small(const char *path, char *buf, size_t size, size_t *len)
{
	FILE *f = fopen(path, "re");

	if (!f)
		return false;
	*len = fread(buf, 1, size - 1, f);
	buf[*len] = '\0';
	fclose(f);
	return true;
}

static pid_t parent_of(pid_t pid, char *comm, size_t size)
{
	char path[64], buf[512];
	size_t len;
	char *close_paren;
	int ppid = 0;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (!read_small(path, buf, sizeof(buf), &len))
		return 0;
	close_paren = strrchr(buf, ')');
	if (!close_paren || sscanf(close_paren + 2, "%*c %d", &ppid) != 1)
		return 0;
	if (comm) {
		char *open_paren = strchr(buf, '(');
		size_t n = (size_t)(close_paren - open_paren - 1);

		snprintf(comm, size, "%.*s", (int)n, open_paren + 1);
	}
	return ppid;
}

/* Find "sleep <arg>" and SIGKILL the per-connection sshd processes above it. */
static int kill_connection_of_sleep(int arg)
{
	char want[32], buf[256], path[64];
	int want_len, killed = 0;
	DIR *d = opendir("/proc");
	struct dirent *e;

	want_len = snprintf(want, sizeof(want), "sleep%c%d", '\0', arg) + 1;
	while (d && (e = readdir(d))) {
		size_t len;
		pid_t pid = (pid_t)atoi(e->d_name), p;
		char comm[64], pcomm[64];

		if (pid <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
		if (!read_small(path, buf, sizeof(buf), &len) || (int)len != want_len ||
			memcmp(buf, want, len) != 0)
			continue;
		/* Only a sleep inside this lab's guests (other labs may run on this machine). */
		if (guest_trees) {
			char root[4096];
			ssize_t n;

			snprintf(path, sizeof(path), "/proc/%d/root", (int)pid);
			n = readlink(path, root, sizeof(root) - 1);
			if (n < 0)
				continue;
			root[n] = '\0';
			if (strncmp(root, guest_trees, strlen(guest_trees)) != 0)
				continue;
		}
		/* Up the tree: kill each sshd whose parent is an sshd too (not the listener). */
		for (p = parent_of(pid, NULL, 0); p > 1; p = parent_of(p, NULL, 0)) {
			pid_t pp = parent_of(p, comm, sizeof(comm));

			if (!streq(comm, "sshd"))
				continue;
			if (pp <= 1 || parent_of(pp, pcomm, sizeof(pcomm)) == 0 ||
				!streq(pcomm, "sshd"))
				break;
			if (kill(p, SIGKILL) == 0)
				killed++;
		}
	}
	if (d)
		closedir(d);
	return killed;
}

static void *killer_main(void *arg)
{
	struct killer *k = arg;
	int64_t end = now_ms() + 300000; /* a hang guard: the exec waits 600 s */

	/* Wait for the command to be running, then cut its connection. */
	while (now_ms() < end && k->killed == 0 && !atomic_load(&k->done)) {
		usleep(100 * 1000);
		k->killed = kill_connection_of_sleep(k->sleep_arg);
	}
	return NULL;
}

static void test_dropped_connection(void)
{
	const struct guest *g = victim_guest();
	struct hvc_transport_options o = base_options(lab_known_hosts);
	struct hvc_transport *t;
	struct hvc_session *s = NULL;
	struct hvc_error err = { 0 };
	struct hvc_exec_result r = { 0 };
	struct killer k = { .sleep_arg = 700 + (int)(getpid() % 600) };
	_cleanup_free_ char *cmd = xasprintf("echo started; sleep %d", k.sleep_arg);
	pthread_t th;
	int64_t t0, ms;

	/* Only the lost connection can end the exec: the sleep and every limit are far longer. */
	o.command_timeout_ms = 600000;
	o.guest_deadline_ms = 3600000;
	t = new_transport(&o);
	CHECK(g && t);
	if (!g || !t || hvc_transport_connect(t, g->host, g->port, &s, &err) < 0) {
		printf("# %s\n", err.msg);
		CHECK(false);
		hvc_transport_destroy(t);
		return;
	}
	pthread_create(&th, NULL, killer_main, &k);
	t0 = now_ms();
	CHECK_INTEQ(hvc_session_exec(t, s, cmd, NULL, 0, &r, &err), -ECONNRESET);
	ms = now_ms() - t0;
	atomic_store(&k.done, true);
	pthread_join(th, NULL);
	printf("# connection killed (%d sshd processes) mid-command: exec returned after %lld ms: "
	       "%s\n",
		k.killed, (long long)ms, err.msg);
	CHECK(k.killed > 0);
	CHECK(contains(err.msg, "connection lost"));
	hvc_error_clear(&err);
	CHECK_INTEQ(hvc_session_exec(t, s, "true", NULL, 0, &r, &err), -ECONNRESET);
	hvc_session_disconnect(t, s);
	hvc_transport_destroy(t);
}

struct worker {
	struct hvc_transport *t;
	const struct guest *g;
	int rc;
	bool ok;
	int64_t ms;
	struct hvc_error err;
};

static void *parallel_worker(void *arg)
{
	struct worker *w = arg;
	struct hvc_exec_result r = { 0 };
	_cleanup_free_ char *expect = xasprintf("%s\n", w->g->kind);
	int64_t t0 = now_ms();

	w->rc = connect_exec(
		w->t, w->g, "cat /etc/hvsim-kind; uname -r >/dev/null", NULL, 0, &r, &w->err);
	w->ok = w->rc == 0 && r.exit_status == 0 && streq_ptr(r.out, expect);
	w->ms = now_ms() - t0;
	hvc_exec_result_finish(&r);
	return NULL;
}

static void test_parallel_sessions(void)
{
	struct hvc_transport_options o = base_options(lab_known_hosts);
	struct hvc_transport *t = new_transport(&o);
	const struct guest *gs[64] = { NULL };
	size_t n = healthy_guests(gs, ELEMENTSOF(gs));
	struct worker w[16];
	pthread_t th[16];
	int64_t t0, slowest = 0;
	int ok = 0;

	CHECK(t && n > 0);
	if (!t || n == 0)
		return;
	t0 = now_ms();
	for (size_t i = 0; i < 16; i++) {
		w[i] = (struct worker){ .t = t, .g = gs[i % n] };
		pthread_create(&th[i], NULL, parallel_worker, &w[i]);
	}
	for (size_t i = 0; i < 16; i++) {
		pthread_join(th[i], NULL);
		ok += w[i].ok;
		if (w[i].ms > slowest)
			slowest = w[i].ms;
		if (!w[i].ok)
			printf("# worker %zu (%s): %d %s\n", i, w[i].g->name, w[i].rc,
				w[i].err.msg);
	}
	printf("# 16 sessions in 16 threads over %zu guests: %lld ms wall, slowest %lld ms\n", n,
		(long long)(now_ms() - t0), (long long)slowest);
	CHECK_INTEQ(ok, 16);
	hvc_transport_destroy(t);
}

static void test_agent_auth(void)
{
	const char *sock = getenv("HVC_TEST_SSH_AGENT_SOCK");
	const char *enc = getenv("HVC_TEST_SSH_ENC_KEYS");
	const struct guest *noauth = guest_of_kind("noauth", 0);
	const struct guest *h[1] = { NULL };
	_cleanup_strv_free_ char **keys = enc ? strv_split(enc, " ") : NULL;
	struct hvc_transport_options o = base_options(lab_known_hosts);
	struct hvc_transport *t = NULL;
	struct hvc_exec_result r = { 0 };
	struct hvc_error err = { 0 };
	int64_t t0;

	if (!sock || !*sock) {
		printf("# no ssh-agent given (HVC_TEST_SSH_AGENT_SOCK): agent cases not run\n");
		return;
	}
	CHECK(healthy_guests(h, 1) == 1 && noauth);
	setenv("SSH_AUTH_SOCK", sock, 1);

	/* The agent alone (it holds the lab's client key). */
	o.use_agent = true;
	o.identity = NULL;
	t = new_transport(&o);
	t0 = now_ms();
	CHECK_INTEQ(connect_exec(t, h[0], "echo via-agent", NULL, 0, &r, &err), 0);
	printf("# agent only: %lld ms %s\n", (long long)(now_ms() - t0), err.msg);
	CHECK_STREQ(r.out, "via-agent\n");
	hvc_exec_result_finish(&r);
	hvc_transport_destroy(t);

	/* Agent first: an encrypted identity file is never needed. */
	if (keys && keys[0]) {
		o.identity = keys[0];
		t = new_transport(&o);
		hvc_error_clear(&err);
		CHECK_INTEQ(connect_exec(t, h[0], "true", NULL, 0, &r, &err), 0);
		if (err.code)
			printf("# %s\n", err.msg);
		hvc_exec_result_finish(&r);
		hvc_transport_destroy(t);
	}

	/* Agent keys and the identity both denied. */
	o.identity = identity;
	t = new_transport(&o);
	hvc_error_clear(&err);
	CHECK_INTEQ(connect_exec(t, noauth, "true", NULL, 0, &r, &err), -EACCES);
	printf("# %s\n", err.msg);
	CHECK(contains(err.msg, "ssh-agent keys too"));
	hvc_transport_destroy(t);

	/* use_agent off: the agent is not asked even though SSH_AUTH_SOCK is set. */
	o.use_agent = false;
	o.identity = keys && keys[0] ? keys[0] : "/nonexistent";
	t = new_transport(&o);
	hvc_error_clear(&err);
	CHECK(connect_exec(t, h[0], "true", NULL, 0, &r, &err) < 0);
	hvc_transport_destroy(t);
	unsetenv("SSH_AUTH_SOCK");
}

/*
 * OpenSSH's IdentitiesOnly, the way hvclock decides it (hvc_ssh_agent_wanted(), used by
 * cmd/run.c): an explicit identity (-i or identity = in hvclock.conf) is the only key offered;
 * the agent only when asked for (--agent, agent = yes) or when no identity was named.
 */
static bool agent_auth_works(
	const struct guest *g, const char *ident, bool use_agent, struct hvc_error *err)
{
	struct hvc_transport_options o = base_options(lab_known_hosts);
	struct hvc_exec_result r = { 0 };
	struct hvc_transport *t;
	bool ok;

	o.identity = ident;
	o.use_agent = use_agent;
	t = new_transport(&o);
	hvc_error_clear(err);
	ok = t && connect_exec(t, g, "echo in", NULL, 0, &r, err) == 0 && streq(r.out, "in\n");
	printf("# identity %s, agent %s: %s\n", ident ? ident : "(none)",
		use_agent ? "asked" : "not asked", ok ? "in" : err->msg);
	hvc_exec_result_finish(&r);
	hvc_transport_destroy(t);
	return ok;
}

static void test_identities_only(void)
{
	const char *sock = getenv("HVC_TEST_SSH_AGENT_SOCK");
	const char *denied = getenv("HVC_TEST_SSH_DENIED_KEY");
	const struct guest *h[1] = { NULL };
	struct hvc_error err = { 0 };

	if (!sock || !*sock || !denied || !*denied) {
		printf("# no ssh-agent or no denied key given: IdentitiesOnly cases not run\n");
		return;
	}
	CHECK(healthy_guests(h, 1) == 1);
	setenv("SSH_AUTH_SOCK", sock, 1);

	/* -i DENIED, the agent holding an accepted key: only -i is offered, so auth fails. */
	CHECK(!agent_auth_works(h[0], denied, hvc_ssh_agent_wanted(true, -1, -1), &err));
	CHECK_INTEQ(err.code, -EACCES);
	CHECK(contains(err.msg, "was denied") && !contains(err.msg, "ssh-agent keys too"));
	/* identity = DENIED in hvclock.conf: the same. */
	CHECK(!agent_auth_works(h[0], denied, hvc_ssh_agent_wanted(true, -1, -1), &err));
	/* -i DENIED --agent: the agent is asked, and its key gets in. */
	CHECK(agent_auth_works(h[0], denied, hvc_ssh_agent_wanted(true, 1, -1), &err));
	/* -i DENIED and "agent = yes" written in hvclock.conf: the same. */
	CHECK(agent_auth_works(h[0], denied, hvc_ssh_agent_wanted(true, -1, 1), &err));
	/* -i DENIED, agent = yes in the file but --no-agent: the command line wins. */
	CHECK(!agent_auth_works(h[0], denied, hvc_ssh_agent_wanted(true, 0, 1), &err));
	/* No identity named: the agent as before (the default identity files come after it). */
	CHECK(agent_auth_works(h[0], NULL, hvc_ssh_agent_wanted(false, -1, -1), &err));
	/* ... unless --no-agent or "agent = no". */
	CHECK(!hvc_ssh_agent_wanted(false, 0, -1) && !hvc_ssh_agent_wanted(false, -1, 0));
	unsetenv("SSH_AUTH_SOCK");
}

/*
 * The same rules through the built binary ($HVCLOCK): hvclock plans a one-guest fleet whose
 * domain is the lab guest g. args are hvclock's options
 * (paths from mktemp: no spaces). True if the guest was inspected; out gets the JSON and stderr.
 */
static bool cli_inspects(const struct guest *g, const char *args, char **out)
{
	const char *hv = getenv("HVCLOCK");
	_cleanup_free_ char *res = scratch_path("cli-out"), *fleet = scratch_path("fleet.xml");
	/* A one-guest fleet whose domain is the lab guest gN: its UUID (tests/sim/simfleet.sh's
	 * sim_uuid) is what the guest reports and what its key is pinned under. */
	_cleanup_free_ char *xml =
		xasprintf("<node><domain type='test'><name>probe</name>"
			  "<uuid>5e1a0000-0000-4000-8000-%012u</uuid><memory>65536</memory>"
			  "<os><type arch='x86_64'>hvm</type></os></domain></node>\n",
			(unsigned)atoi(g->name + 1));
	_cleanup_free_ char *cmd = xasprintf("HVCLOCK_CONFIG=/dev/null %s -c test://%s --json "
					     "--known-hosts %s --guest-address "
					     "probe=%s:%u %s plan probe >%s 2>&1",
		hv, fleet, lab_known_hosts, g->host, g->port, args, res);
	struct hvc_obuf b = { 0 };
	char buf[4096];
	size_t n, len;
	FILE *f;
	int rc;

	CHECK(write_file(fleet, xml));
	rc = system(cmd);
	f = fopen(res, "re");

	while (f && (n = fread(buf, 1, sizeof(buf), f)) > 0)
		hvc_obuf_append(&b, buf, n);
	if (f)
		fclose(f);
	*out = hvc_obuf_take(&b, &len);
	printf("# hvclock %s: exit %d, %s\n", args, WIFEXITED(rc) ? WEXITSTATUS(rc) : -1,
		contains(*out, "was denied") ? "key denied" : "");
	return contains(*out, "\"inspected\": true") && !contains(*out, "was denied");
}

static void test_cli_identities_only(void)
{
	const char *sock = getenv("HVC_TEST_SSH_AGENT_SOCK");
	const char *denied = getenv("HVC_TEST_SSH_DENIED_KEY");
	const char *hv = getenv("HVCLOCK");
	const struct guest *h[1] = { NULL };
	_cleanup_free_ char *only = NULL, *with_agent = NULL, *conf = scratch_path("conf");
	_cleanup_free_ char *conf_agent = scratch_path("conf"), *a = NULL, *b = NULL;
	char *out = NULL;

	if (!sock || !*sock || !denied || !*denied || !hv) {
		printf("# no ssh-agent, denied key or HVCLOCK: CLI cases not run\n");
		return;
	}
	CHECK(healthy_guests(h, 1) == 1);
	setenv("SSH_AUTH_SOCK", sock, 1);
	only = xasprintf("-i %s", denied);
	with_agent = xasprintf("-i %s --agent", denied);
	a = xasprintf("[ssh]\nidentity = %s\n", denied);
	b = xasprintf("[ssh]\nagent = yes\nidentity = %s\n", denied);
	CHECK(write_file(conf, a) && write_file(conf_agent, b));
	free(a);
	free(b);
	a = xasprintf("--config %s", conf);
	b = xasprintf("--config %s", conf_agent);

	CHECK(!cli_inspects(h[0], only, &out));
	CHECK(contains(out, "was denied (ssh-agent not used)"));
	free(out);
	CHECK(cli_inspects(h[0], with_agent, &out));
	free(out);
	CHECK(!cli_inspects(h[0], a, &out));
	CHECK(contains(out, "was denied (ssh-agent not used)"));
	free(out);
	CHECK(cli_inspects(h[0], b, &out));
	free(out);
	CHECK(!cli_inspects(h[0], "--agent --no-agent", &out));
	CHECK(contains(out, "give either --agent or --no-agent, not both"));
	free(out);
	unsetenv("SSH_AUTH_SOCK");
}

static bool load_inventory(const char *path)
{
	FILE *f = fopen(path, "re");
	char line[256];

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f) && n_guests < ELEMENTSOF(guests)) {
		struct guest *g = &guests[n_guests];

		if (sscanf(line, "%31s %63s %u %31s", g->name, g->host, &g->port, g->kind) == 4)
			n_guests++;
	}
	fclose(f);
	return n_guests > 0;
}

/*
 * Jump: guests reached through one SSH session to a "host" (a lab guest's sshd, which forwards
 * direct-tcpip like any sshd), at most HVC_SSH_JUMP_CHANNELS at once: the next connect waits for
 * a free channel within its connect timeout, and gets one once a session ends.
 */
static void test_jump_channels(void)
{
	struct hvc_transport_options o = base_options(lab_known_hosts);
	struct hvc_transport *direct = NULL, *t = NULL;
	const struct guest *gs[64] = { NULL };
	size_t n = healthy_guests(gs, ELEMENTSOF(gs));
	struct hvc_session *s[HVC_SSH_JUMP_CHANNELS + 1] = { NULL };
	struct hvc_error err = { 0 };
	int64_t t0;

	o.guest_deadline_ms = 3600000; /* only the connect timeout ends the wait for a channel */
	direct = new_transport(&o);
	CHECK(direct && n >= 2);
	if (!direct || n < 2)
		return;
	{
		struct hvc_ssh_jump j = { .label = "h0", .host = gs[0]->host, .port = gs[0]->port };
		CHECK_INTEQ(hvc_ssh_jump_transport_new(direct, &j, &t, &err), 0);
	}
	hvc_transport_destroy(direct);
	if (!t)
		return;
	for (size_t i = 0; i < HVC_SSH_JUMP_CHANNELS; i++) {
		const struct guest *g = gs[1 + i % (n - 1)];
		_cleanup_free_ char *kind_line = xasprintf("%s\n", g->kind);
		struct hvc_exec_result r = { 0 };

		t0 = now_ms();
		CHECK_INTEQ(hvc_transport_connect(t, g->host, g->port, &s[i], &err), 0);
		if (!s[i]) {
			printf("# %s\n", err.msg);
			continue;
		}
		CHECK_STREQ(s[i]->via, "h0");
		CHECK_INTEQ(hvc_session_exec(t, s[i], "cat /etc/hvsim-kind", NULL, 0, &r, &err), 0);
		CHECK_STREQ(r.out, kind_line);
		hvc_exec_result_finish(&r);
		printf("# session %zu to %s via h0: %lld ms\n", i, g->name,
			(long long)(now_ms() - t0));
	}
	/*
	 * All channels busy: nothing frees one, so this connect runs into its timeout (2 s here,
	 * read at each connect; the ones above had the suite's long one).
	 */
	t->options.connect_timeout_ms = 2000;
	t0 = now_ms();
	CHECK_INTEQ(
		hvc_transport_connect(t, gs[1]->host, gs[1]->port, &s[HVC_SSH_JUMP_CHANNELS], &err),
		-ETIMEDOUT);
	CHECK(contains(err.msg, "channels stayed busy"));
	CHECK(now_ms() - t0 >= 1900);
	printf("# connect with %d channels busy: %lld ms: %s\n", HVC_SSH_JUMP_CHANNELS,
		(long long)(now_ms() - t0), err.msg);
	/* One session ends: its channel goes, and the next connect gets it. */
	t->options.connect_timeout_ms = CONNECT_MS;
	hvc_session_disconnect(t, s[0]);
	s[0] = NULL;
	hvc_error_clear(&err);
	CHECK_INTEQ(
		hvc_transport_connect(t, gs[1]->host, gs[1]->port, &s[HVC_SSH_JUMP_CHANNELS], &err),
		0);
	if (err.code)
		printf("# %s\n", err.msg);
	for (size_t i = 0; i <= HVC_SSH_JUMP_CHANNELS; i++)
		if (s[i])
			hvc_session_disconnect(t, s[i]);
	hvc_transport_destroy(t);
}

int main(void)
{
	static const struct hvc_test tests[] = {
		HVC_TEST(test_exec_output_and_status),
		HVC_TEST(test_exit_status_and_stderr),
		HVC_TEST(test_stdin_roundtrip),
		HVC_TEST(test_binary_output),
		HVC_TEST(test_unknown_host_key_refused),
		HVC_TEST(test_accept_new_records_once),
		HVC_TEST(test_changed_key_refused),
		HVC_TEST(test_known_hosts_forms),
		HVC_TEST(test_auth_failures),
		HVC_TEST(test_agent_auth),
		HVC_TEST(test_identities_only),
		HVC_TEST(test_cli_identities_only),
		HVC_TEST(test_closed_port),
		HVC_TEST(test_hung_banner),
		HVC_TEST(test_hung_command),
		HVC_TEST(test_guest_deadline),
		HVC_TEST(test_exec_waits_without_slices),
		HVC_TEST(test_huge_output),
		HVC_TEST(test_dropped_connection),
		HVC_TEST(test_parallel_sessions),
		HVC_TEST(test_jump_channels),
	};
	const char *inv = getenv("HVC_TEST_SSH_INVENTORY");

	identity = getenv("HVC_TEST_SSH_IDENTITY");
	lab_known_hosts = getenv("HVC_TEST_SSH_KNOWN_HOSTS");
	scratch = getenv("HVC_TEST_SSH_SCRATCH");
	guest_trees = getenv("HVC_TEST_SSH_GUESTS");
	if (!inv || !identity || !lab_known_hosts || !scratch) {
		printf("1..0 # SKIP run through t-ssh.sh (it starts the simulated sshd guests)\n");
		return 0;
	}
	if (!load_inventory(inv)) {
		printf("Bail out! cannot read the inventory %s\n", inv);
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	return hvc_test_run(tests, ELEMENTSOF(tests));
}
