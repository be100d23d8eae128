/*
 * libssh-replay.c: the client-side floor for a libssh client (bench/run.sh, mode "libssh").
 *
 *   libssh-replay P KEY KNOWN_HOSTS OUTDIR ARGS
 *
 * ARGS has one line per guest: "PORT REQ0 [REQ1 ...]", the files of the requests hvclock sent
 * that guest's kind (bench/capture.sh); each file is read once. Per guest, P at a time
 * (threads): one libssh session to 127.0.0.1:PORT as root, set up as hvclock sets up its own
 * (backends/ssh/ssh.c: no ssh_config, no known_hosts of libssh's own, TCP_NODELAY, the host key
 * types of the guest's known_hosts line), the server's key compared with the
 * "[127.0.0.1]:PORT" lines of KNOWN_HOSTS (read once), public-key authentication with KEY
 * (parsed once), then per request one exec channel "/bin/sh -s" with the request as stdin; the
 * output is kept in memory and written once per guest, OUTDIR/PORT.out and OUTDIR/PORT.err.
 * Every request must exit 0. Blocking libssh calls, one 300 s libssh timeout, no plan, no
 * record, no report: the least a libssh client does to send hvclock's requests, so hvclock's
 * client CPU minus this run's is what hvclock itself adds. stdout is read to its end before
 * stderr (libssh keeps stderr meanwhile): a request that wrote more than the channel's window
 * (1.28 MB) to stderr alone would stall; hvclock's requests write a few lines there.
 * Exit 0 when every guest was done, 1 (a line on stderr per guest) otherwise.
 */
#include <libssh/libssh.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct file {
	char *path, *text;
	size_t len;
};

struct buf {
	char *p;
	size_t len, cap;
};

struct guest {
	int port;
	struct file **reqs;
	int nreq;
	char *hostkey; /* "TYPE BASE64" from KNOWN_HOSTS */
	char type[64];
};

static struct guest *guests;
static int nguests;
static struct file **files;
static int nfiles;
static atomic_int next_guest;
static atomic_int failed;
static ssh_key key;
static const char *outdir;

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t n = 0, cap = 0;

	if (!f)
		return NULL;
	for (;;) {
		if (cap - n < 65536) {
			cap = cap ? 2 * cap : 65536;
			buf = realloc(buf, cap + 1);
			if (!buf)
				abort();
		}
		size_t r = fread(buf + n, 1, cap - n, f);
		n += r;
		if (r == 0)
			break;
	}
	if (ferror(f)) {
		fclose(f);
		free(buf);
		return NULL;
	}
	fclose(f);
	buf[n] = '\0';
	*len = n;
	return buf;
}

static struct file *load(const char *path)
{
	struct file *f;

	for (int i = 0; i < nfiles; i++)
		if (strcmp(files[i]->path, path) == 0)
			return files[i];
	f = calloc(1, sizeof(*f));
	files = realloc(files, sizeof(*files) * (size_t)(nfiles + 1));
	if (!f || !files)
		abort();
	f->path = strdup(path);
	f->text = slurp(path, &f->len);
	if (!f->text) {
		fprintf(stderr, "libssh-replay: cannot read %s\n", path);
		exit(1);
	}
	files[nfiles++] = f;
	return f;
}

static void add(struct buf *b, const char *p, size_t n)
{
	if (b->cap - b->len < n) {
		b->cap = b->cap + n > 2 * b->cap ? b->cap + n : 2 * b->cap;
		b->p = realloc(b->p, b->cap);
		if (!b->p)
			abort();
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
}

static int save(int port, const char *ext, const struct buf *b)
{
	char path[4096];
	FILE *f;
	bool ok;

	snprintf(path, sizeof(path), "%s/%d.%s", outdir, port, ext);
	f = fopen(path, "wb");
	if (!f)
		return -1;
	ok = fwrite(b->p ? b->p : "", 1, b->len, f) == b->len;
	return fclose(f) == 0 && ok ? 0 : -1;
}

static const char *one_request(
	ssh_session s, const struct file *req, struct buf *out, struct buf *err)
{
	char buf[65536];
	ssh_channel c;
	const char *why = NULL;
	int n;

	c = ssh_channel_new(s);
	if (!c || ssh_channel_open_session(c) != SSH_OK ||
		ssh_channel_request_exec(c, "/bin/sh -s") != SSH_OK) {
		why = "cannot start /bin/sh -s";
		goto out;
	}
	for (size_t off = 0; off < req->len;) {
		n = ssh_channel_write(c, req->text + off, (uint32_t)(req->len - off));
		if (n <= 0) {
			why = "cannot write the request";
			goto out;
		}
		off += (size_t)n;
	}
	if (ssh_channel_send_eof(c) != SSH_OK) {
		why = "cannot send EOF";
		goto out;
	}
	for (int is_stderr = 0; is_stderr < 2; is_stderr++) {
		while ((n = ssh_channel_read(c, buf, sizeof(buf), is_stderr)) > 0)
			add(is_stderr ? err : out, buf, (size_t)n);
		if (n < 0) {
			why = "connection lost";
			goto out;
		}
	}
	if (ssh_channel_get_exit_status(c) != 0)
		why = "a request did not exit 0";
out:
	if (c) {
		ssh_channel_close(c);
		ssh_channel_free(c);
	}
	return why;
}

static const char *one_guest(struct guest *g, char *msg, size_t msglen)
{
	ssh_session s = ssh_new();
	ssh_key server = NULL;
	char *b64 = NULL, want[8192];
	const char *why = NULL;
	struct buf out = { 0 }, err = { 0 };
	int verbosity = SSH_LOG_NOLOG, strict = 0;
	long timeout = 300;
	bool no = false, yes = true;

	if (!s)
		return "out of memory";
	if (ssh_options_set(s, SSH_OPTIONS_LOG_VERBOSITY, &verbosity) < 0 ||
		ssh_options_set(s, SSH_OPTIONS_PROCESS_CONFIG, &no) < 0 ||
		ssh_options_set(s, SSH_OPTIONS_HOST, "127.0.0.1") < 0 ||
		ssh_options_set(s, SSH_OPTIONS_PORT, &g->port) < 0 ||
		ssh_options_set(s, SSH_OPTIONS_USER, "root") < 0 ||
		ssh_options_set(s, SSH_OPTIONS_KNOWNHOSTS, "/dev/null") < 0 ||
		ssh_options_set(s, SSH_OPTIONS_GLOBAL_KNOWNHOSTS, "/dev/null") < 0 ||
		ssh_options_set(s, SSH_OPTIONS_STRICTHOSTKEYCHECK, &strict) < 0 ||
		ssh_options_set(s, SSH_OPTIONS_NODELAY, &yes) < 0 ||
		ssh_options_set(s, SSH_OPTIONS_TIMEOUT, &timeout) < 0 ||
		ssh_options_set(s, SSH_OPTIONS_HOSTKEYS, g->type) < 0) {
		why = "cannot set the SSH options";
		goto out;
	}
	if (ssh_connect(s) != SSH_OK) {
		why = "cannot connect";
		goto out;
	}
	if (ssh_get_server_publickey(s, &server) != SSH_OK ||
		ssh_pki_export_pubkey_base64(server, &b64) != SSH_OK) {
		why = "no host key";
		goto out;
	}
	snprintf(want, sizeof(want), "%s %s", ssh_key_type_to_char(ssh_key_type(server)), b64);
	if (strcmp(want, g->hostkey) != 0) {
		why = "host key not in known_hosts";
		goto out;
	}
	if (ssh_userauth_publickey(s, NULL, key) != SSH_AUTH_SUCCESS) {
		why = "authentication failed";
		goto out;
	}
	for (int i = 0; i < g->nreq && !why; i++)
		why = one_request(s, g->reqs[i], &out, &err);
	if (!why && (save(g->port, "out", &out) < 0 || save(g->port, "err", &err) < 0))
		why = "cannot write the output";
out:
	if (why) {
		snprintf(msg, msglen, "%s: %s", why, ssh_get_error(s));
		why = msg;
	}
	free(out.p);
	free(err.p);
	ssh_string_free_char(b64);
	ssh_key_free(server);
	ssh_disconnect(s);
	ssh_free(s);
	return why;
}

static void *worker(void *arg)
{
	char msg[1024];

	(void)arg;
	for (;;) {
		int i = atomic_fetch_add(&next_guest, 1);
		const char *why;

		if (i >= nguests)
			return NULL;
		why = one_guest(&guests[i], msg, sizeof(msg));
		if (why) {
			fprintf(stderr, "libssh-replay: 127.0.0.1:%d: %s\n", guests[i].port, why);
			atomic_fetch_add(&failed, 1);
		}
	}
}

/* The key of the "[127.0.0.1]:PORT TYPE BASE64" line for g (the lab writes one per guest). */
static int find_hostkey(const char *kh, struct guest *g)
{
	char name[64];
	size_t nl;

	nl = (size_t)snprintf(name, sizeof(name), "[127.0.0.1]:%d ", g->port);
	for (const char *at = kh; at && *at; at = strchr(at, '\n'), at = at ? at + 1 : NULL) {
		const char *end, *sp;

		if (strncmp(at, name, nl) != 0)
			continue;
		at += nl;
		end = strchr(at, '\n');
		g->hostkey = strndup(at, end ? (size_t)(end - at) : strlen(at));
		sp = strchr(g->hostkey, ' ');
		if (!sp || (size_t)(sp - g->hostkey) >= sizeof(g->type))
			return -1;
		memcpy(g->type, g->hostkey, (size_t)(sp - g->hostkey));
		return 0;
	}
	return -1;
}

int main(int argc, char **argv)
{
	size_t len;
	char *kh, *args, *line, *save_line;
	pthread_t *th;
	int p;

	if (argc != 6 || (p = atoi(argv[1])) < 1) {
		fprintf(stderr, "usage: libssh-replay P KEY KNOWN_HOSTS OUTDIR ARGS\n");
		return 2;
	}
	outdir = argv[4];
	if (ssh_init() != SSH_OK ||
		ssh_pki_import_privkey_file(argv[2], NULL, NULL, NULL, &key) != SSH_OK) {
		fprintf(stderr, "libssh-replay: cannot read the key %s\n", argv[2]);
		return 1;
	}
	if (!(kh = slurp(argv[3], &len)) || !(args = slurp(argv[5], &len))) {
		fprintf(stderr, "libssh-replay: cannot read %s or %s\n", argv[3], argv[5]);
		return 1;
	}
	for (line = strtok_r(args, "\n", &save_line); line;
		line = strtok_r(NULL, "\n", &save_line)) {
		struct guest *g;
		char *tok, *s2;

		guests = realloc(guests, sizeof(*guests) * (size_t)(nguests + 1));
		if (!guests)
			abort();
		g = &guests[nguests++];
		memset(g, 0, sizeof(*g));
		g->port = atoi(strtok_r(line, " ", &s2));
		while ((tok = strtok_r(NULL, " ", &s2))) {
			g->reqs = realloc(g->reqs, sizeof(*g->reqs) * (size_t)(g->nreq + 1));
			if (!g->reqs)
				abort();
			g->reqs[g->nreq++] = load(tok);
		}
		if (g->port <= 0 || g->nreq == 0 || find_hostkey(kh, g) < 0) {
			fprintf(stderr, "libssh-replay: line %d: no port, no request or no key\n",
				nguests);
			return 1;
		}
	}
	if (nguests == 0) {
		fprintf(stderr, "libssh-replay: no guests in %s\n", argv[5]);
		return 1;
	}
	if (p > nguests)
		p = nguests;
	th = calloc((size_t)p, sizeof(*th));
	if (!th)
		abort();
	for (int i = 0; i < p; i++)
		if (pthread_create(&th[i], NULL, worker, NULL) != 0)
			abort();
	for (int i = 0; i < p; i++)
		pthread_join(th[i], NULL);
	return atomic_load(&failed) ? 1 : 0;
}
