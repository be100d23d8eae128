/*
 * libssh-replay.c: the client-side floor for a libssh client (bench/run.sh, mode "libssh").
 *
 *   libssh-replay P KEY KNOWN_HOSTS OUTDIR ARGS
 *
 * ARGS has one line per guest: "PORT REQ0 [REQ1 ...]", the files of the requests hvclock sent
 * that guest's kind (bench/capture.sh). Per guest, P at a time (threads): one libssh session to
 * 127.0.0.1:PORT as root, the server's key compared with the "[127.0.0.1]:PORT" line of
 * KNOWN_HOSTS (read once), public-key authentication with KEY (parsed once), then per request
 * one exec channel "/bin/sh -s" with the request as stdin, stdout to OUTDIR/PORT.out and stderr
 * to OUTDIR/PORT.err (appended in order). Every request must exit 0. Blocking libssh calls, no
 * deadlines, no plan, no record, no report: the least a libssh client does to send hvclock's
 * requests, so hvclock's client CPU minus this run's is what hvclock itself adds.
 * Exit 0 when every guest was done, 1 (a line on stderr per guest) otherwise.
 */
#include <libssh/libssh.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct guest {
	int port;
	char *reqs[8];
	int nreq;
	char *hostkey; /* "TYPE BASE64" from KNOWN_HOSTS */
};

static struct guest *guests;
static int nguests;
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
	fclose(f);
	buf[n] = '\0';
	*len = n;
	return buf;
}

static int append(const char *path, const char *buf, size_t len)
{
	FILE *f = fopen(path, "ab");
	int ok = f && fwrite(buf, 1, len, f) == len;

	return (f && fclose(f) == 0 && ok) ? 0 : -1;
}

static const char *one_request(ssh_session s, struct guest *g, const char *req)
{
	char path[4096], buf[65536];
	size_t len;
	char *in = slurp(req, &len);
	ssh_channel c;
	const char *why = NULL;
	int n;

	if (!in)
		return "cannot read a request file";
	c = ssh_channel_new(s);
	if (!c || ssh_channel_open_session(c) != SSH_OK ||
		ssh_channel_request_exec(c, "/bin/sh -s") != SSH_OK) {
		why = "cannot start /bin/sh -s";
		goto out;
	}
	for (size_t off = 0; off < len;) {
		n = ssh_channel_write(c, in + off, (uint32_t)(len - off));
		if (n <= 0) {
			why = "cannot write the request";
			goto out;
		}
		off += (size_t)n;
	}
	ssh_channel_send_eof(c);
	for (int is_stderr = 0; is_stderr < 2; is_stderr++) {
		snprintf(
			path, sizeof(path), "%s/%d.%s", outdir, g->port, is_stderr ? "err" : "out");
		while ((n = ssh_channel_read(c, buf, sizeof(buf), is_stderr)) > 0)
			if (append(path, buf, (size_t)n) < 0) {
				why = "cannot write the output";
				goto out;
			}
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
	free(in);
	return why;
}

static const char *one_guest(struct guest *g)
{
	ssh_session s = ssh_new();
	ssh_key server = NULL;
	char *b64 = NULL, want[8192];
	const char *why = NULL;
	int no = 0;

	if (!s)
		return "out of memory";
	ssh_options_set(s, SSH_OPTIONS_HOST, "127.0.0.1");
	ssh_options_set(s, SSH_OPTIONS_PORT, &g->port);
	ssh_options_set(s, SSH_OPTIONS_USER, "root");
	ssh_options_set(s, SSH_OPTIONS_PROCESS_CONFIG, &no);
	ssh_options_set(s, SSH_OPTIONS_KEY_EXCHANGE, "curve25519-sha256");
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
	if (!g->hostkey || strcmp(want, g->hostkey) != 0) {
		why = "host key not in known_hosts";
		goto out;
	}
	if (ssh_userauth_publickey(s, NULL, key) != SSH_AUTH_SUCCESS) {
		why = "authentication failed";
		goto out;
	}
	for (int i = 0; i < g->nreq && !why; i++)
		why = one_request(s, g, g->reqs[i]);
out:
	ssh_string_free_char(b64);
	ssh_key_free(server);
	ssh_disconnect(s);
	ssh_free(s);
	return why;
}

static void *worker(void *arg)
{
	(void)arg;
	for (;;) {
		int i = atomic_fetch_add(&next_guest, 1);
		const char *why;

		if (i >= nguests)
			return NULL;
		why = one_guest(&guests[i]);
		if (why) {
			fprintf(stderr, "libssh-replay: 127.0.0.1:%d: %s\n", guests[i].port, why);
			atomic_fetch_add(&failed, 1);
		}
	}
}

int main(int argc, char **argv)
{
	size_t len;
	char *kh, *args, *line, *save;
	pthread_t th[256];
	int p;

	if (argc != 6 || (p = atoi(argv[1])) < 1 || p > 256) {
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
	for (line = strtok_r(args, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		struct guest *g;
		char *tok, *s2, name[64], *at, *end;

		guests = realloc(guests, sizeof(*guests) * (size_t)(nguests + 1));
		if (!guests)
			abort();
		g = &guests[nguests++];
		memset(g, 0, sizeof(*g));
		g->port = atoi(strtok_r(line, " ", &s2));
		while ((tok = strtok_r(NULL, " ", &s2)) && g->nreq < 8)
			g->reqs[g->nreq++] = tok;
		/* "[127.0.0.1]:PORT TYPE BASE64" */
		snprintf(name, sizeof(name), "[127.0.0.1]:%d ", g->port);
		at = strstr(kh, name);
		if (at && (at == kh || at[-1] == '\n')) {
			at += strlen(name);
			end = strchr(at, '\n');
			g->hostkey = strndup(at, end ? (size_t)(end - at) : strlen(at));
		}
	}
	if (p > nguests)
		p = nguests;
	for (int i = 0; i < p; i++)
		if (pthread_create(&th[i], NULL, worker, NULL) != 0)
			abort();
	for (int i = 0; i < p; i++)
		pthread_join(th[i], NULL);
	return atomic_load(&failed) ? 1 : 0;
}
