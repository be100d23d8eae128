/* conffile.c: parse hvclock.conf with libinih; every problem is "PATH:LINE: what". */
#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <limits.h>
#include <stdio.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/conffile.h"
#include "core/token.h"

struct cfg_parser {
	struct hvc_config *c;
	const char *path;
	char msg[512]; /* first error, without the position (libinih gives the line) */
};

static int fail(struct cfg_parser *p, const char *fmt, ...) _printf_(2, 3);
static int fail(struct cfg_parser *p, const char *fmt, ...)
{
	va_list ap;
	if (!p->msg[0]) {
		va_start(ap, fmt);
		vsnprintf(p->msg, sizeof(p->msg), fmt, ap);
		va_end(ap);
	}
	return 0; /* tells libinih to report this line */
}

static int parse_bool(const char *v, bool *ret)
{
	if (!strcasecmp(v, "yes") || !strcasecmp(v, "true") || streq(v, "1"))
		*ret = true;
	else if (!strcasecmp(v, "no") || !strcasecmp(v, "false") || streq(v, "0"))
		*ret = false;
	else
		return -EINVAL;
	return 0;
}

static int parse_int(const char *v, int min, int max, int *ret)
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

static bool host_char_ok(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		c == '.' || c == '-' || c == ':' || c == '_';
}

int hvc_parse_address(const char *s, char **ret_host, unsigned *ret_port)
{
	const char *host = s, *colon = NULL;
	size_t hlen;
	int port = 0;

	if (!s || !*s)
		return -EINVAL;
	if (*s == '[') {
		const char *close = strchr(s, ']');
		if (!close)
			return -EINVAL;
		host = s + 1;
		hlen = (size_t)(close - host);
		if (close[1] == ':')
			colon = close + 1;
		else if (close[1])
			return -EINVAL;
	} else {
		colon = strchr(s, ':');
		if (colon && strchr(colon + 1, ':'))
			colon = NULL; /* a bare IPv6 literal has no port */
		hlen = colon ? (size_t)(colon - s) : strlen(s);
	}
	if (hlen == 0 || hlen > 253)
		return -EINVAL;
	for (size_t i = 0; i < hlen; i++)
		if (!host_char_ok(host[i]))
			return -EINVAL;
	if (host[0] == '-')
		return -EINVAL;
	if (colon && parse_int(colon + 1, 1, 65535, &port) < 0)
		return -EINVAL;
	*ret_host = xstrndup(host, hlen);
	*ret_port = (unsigned)port;
	return 0;
}

static struct hvc_guest_config *guest_section(struct hvc_config *c, const char *name)
{
	for (size_t i = 0; i < c->n_guests; i++)
		if (streq(c->guests[i].name, name))
			return &c->guests[i];
	c->guests = xrealloc(c->guests, c->n_guests + 1, sizeof(*c->guests));
	memset(&c->guests[c->n_guests], 0, sizeof(c->guests[0]));
	c->guests[c->n_guests].name = xstrdup(name);
	c->guests[c->n_guests].verify_identity = -1;
	return &c->guests[c->n_guests++];
}

static int handler(void *user, const char *section, const char *key, const char *value)
{
	struct cfg_parser *p = user;
	struct hvc_config *c = p->c;
	bool b;
	int i;

	if (!*value)
		return fail(p, "'%s' has no value", key);
	if (streq(section, "ssh")) {
		if (streq(key, "user")) {
			if (!hvc_token_valid(HVC_TOKEN_USER, value))
				return fail(p, "invalid user name '%s'", value);
			free_and_strdup(&c->user, value);
		} else if (streq(key, "identity")) {
			if (value[0] != '/')
				return fail(p, "identity must be an absolute path");
			free_and_strdup(&c->identity, value);
		} else if (streq(key, "known-hosts")) {
			if (value[0] != '/')
				return fail(p, "known-hosts must be an absolute path");
			free_and_strdup(&c->known_hosts, value);
		} else if (streq(key, "port")) {
			if (parse_int(value, 1, 65535, &i) < 0)
				return fail(p, "invalid port '%s' (1-65535)", value);
			c->port = (unsigned)i;
		} else if (streq(key, "agent")) {
			if (parse_bool(value, &b) < 0)
				return fail(p, "invalid boolean '%s' for agent (yes or no)", value);
			c->agent = b;
		} else if (streq(key, "connect-timeout") || streq(key, "command-timeout") ||
			streq(key, "guest-deadline")) {
			if (parse_int(value, 1, 3600, &i) < 0)
				return fail(p, "invalid %s '%s' (seconds, 1-3600)", key, value);
			*(streq(key, "connect-timeout")                 ? &c->connect_timeout_s
					: streq(key, "command-timeout") ? &c->command_timeout_s
									: &c->guest_deadline_s) = i;
		} else {
			return fail(p,
				"unknown key '%s' in [ssh] (known: user, identity, port, "
				"known-hosts, agent, connect-timeout, command-timeout, "
				"guest-deadline)",
				key);
		}
	} else if (streq(section, "run")) {
		if (!streq(key, "parallel"))
			return fail(p, "unknown key '%s' in [run] (known: parallel)", key);
		if (parse_int(value, 1, 256, &c->parallel) < 0)
			return fail(p, "invalid parallel '%s' (1-256)", value);
	} else if (strncmp(section, "guest:", 6) == 0 && section[6]) {
		struct hvc_guest_config *g = guest_section(c, section + 6);
		if (streq(key, "address")) {
			_cleanup_free_ char *host = NULL;
			unsigned port;
			if (hvc_parse_address(value, &host, &port) < 0)
				return fail(p, "invalid address '%s' (HOST or HOST:PORT)", value);
			free_and_strdup(&g->address, value);
		} else if (streq(key, "profile")) {
			if (!hvc_token_valid(HVC_TOKEN_NAME, value))
				return fail(p, "invalid profile name '%s'", value);
			free_and_strdup(&g->profile, value);
		} else if (streq(key, "skip")) {
			if (parse_bool(value, &g->skip) < 0)
				return fail(p, "invalid boolean '%s' for skip (yes or no)", value);
			g->set_skip = true;
		} else if (streq(key, "verify-identity")) {
			bool v;
			if (parse_bool(value, &v) < 0)
				return fail(p,
					"invalid boolean '%s' for verify-identity (yes or no)",
					value);
			g->verify_identity = v;
		} else {
			return fail(p,
				"unknown key '%s' in [%s] (known: address, profile, skip, "
				"verify-identity)",
				key, section);
		}
	} else {
		return fail(p, "unknown section [%s] (known: [ssh], [run], [guest:NAME])", section);
	}
	return 1;
}

/* fd is /dev/null itself (the same device node), not merely some character device. */
static bool is_dev_null(int fd)
{
	struct stat a, b;

	return fstat(fd, &a) == 0 && S_ISCHR(a.st_mode) && stat("/dev/null", &b) == 0 &&
		S_ISCHR(b.st_mode) && a.st_rdev == b.st_rdev;
}

int hvc_config_load(const char *path, bool required, struct hvc_config *ret, struct hvc_error *err)
{
	struct cfg_parser p = { .c = ret, .path = path };
	FILE *f;
	int fd, r;

	memset(ret, 0, sizeof(*ret));
	ret->agent = -1;
	/* O_NONBLOCK: a FIFO planted as the configuration is refused, not waited on. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	f = fd >= 0 ? fdopen(fd, "re") : NULL;
	if (!f) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		errno = e;
		if (errno == ENOENT && !required)
			return 0;
		return hvc_error_set(
			err, -errno, "%s: cannot read configuration: %s", path, strerror(errno));
	}
	if (is_dev_null(fileno(f))) {
		/* "No configuration" (the test suite's HVCLOCK_CONFIG=/dev/null). */
		fclose(f);
		return 0;
	}
	r = hvc_check_trusted(path, fileno(f), false, err);
	if (r < 0) {
		fclose(f);
		return r;
	}
	r = ini_parse_file(f, handler, &p);
	fclose(f);
	if (r != 0) {
		hvc_config_finish(ret);
		if (r < 0)
			return hvc_error_set(err, -EIO, "%s: cannot read configuration", path);
		return hvc_error_set(
			err, -EINVAL, "%s:%d: %s", path, r, p.msg[0] ? p.msg : "syntax error");
	}
	return 0;
}

void hvc_config_finish(struct hvc_config *c)
{
	free(c->user);
	free(c->identity);
	free(c->known_hosts);
	for (size_t i = 0; i < c->n_guests; i++) {
		free(c->guests[i].name);
		free(c->guests[i].address);
		free(c->guests[i].profile);
	}
	free(c->guests);
	memset(c, 0, sizeof(*c));
	c->agent = -1;
}

const struct hvc_guest_config *hvc_config_guest(
	const struct hvc_config *c, const char *name, const char *uuid)
{
	for (size_t i = 0; i < c->n_guests; i++)
		if (streq(c->guests[i].name, name) || strcasecmp(c->guests[i].name, uuid) == 0)
			return &c->guests[i];
	return NULL;
}
