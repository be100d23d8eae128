/* conffile.c: hvclock.conf, read by core/inifile.c from the table below; problems are "PATH:LINE: what". */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <limits.h>
#include <stdio.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/conffile.h"
#include "core/inifile.h"
#include "core/token.h"

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
	if (colon && ini_int_value(colon + 1, 1, 65535, &port) < 0)
		return -EINVAL;
	*ret_host = xstrndup(host, hlen);
	*ret_port = (unsigned)port;
	return 0;
}

/* ---- the schema ---------------------------------------------------------------------------- */

/* user, profile: a token (ltype: its enum hvc_token kind). */
static bool parse_token(struct ini *ini, const char *key, const char *v, int ltype, void *target)
{
	if (!hvc_token_valid((enum hvc_token)ltype, v))
		return ini_fail(ini, "invalid %s name '%s'", key, v);
	free_and_strdup(target, v);
	return true;
}

static bool parse_abs_path(
	struct ini *ini, const char *key, const char *v, _unused_ int ltype, void *target)
{
	if (v[0] != '/')
		return ini_fail(ini, "%s must be an absolute path", key);
	free_and_strdup(target, v);
	return true;
}

static bool parse_port(
	struct ini *ini, _unused_ const char *key, const char *v, _unused_ int ltype, void *target)
{
	int i;

	if (ini_int_value(v, 1, 65535, &i) < 0)
		return ini_fail(ini, "invalid port '%s' (1-65535)", v);
	*(unsigned *)target = (unsigned)i;
	return true;
}

static bool parse_seconds(
	struct ini *ini, const char *key, const char *v, _unused_ int ltype, void *target)
{
	if (ini_int_value(v, 1, 3600, target) < 0)
		return ini_fail(ini, "invalid %s '%s' (seconds, 1-3600)", key, v);
	return true;
}

static bool parse_parallel(
	struct ini *ini, _unused_ const char *key, const char *v, _unused_ int ltype, void *target)
{
	if (ini_int_value(v, 1, 256, target) < 0)
		return ini_fail(ini, "invalid parallel '%s' (1-256)", v);
	return true;
}

/* ltype 1: the target is a bool, else an int that stays -1 while not set. */
static bool parse_bool(struct ini *ini, const char *key, const char *v, int ltype, void *target)
{
	bool b;

	if (ini_bool_value(v, &b) < 0)
		return ini_fail(ini, "invalid boolean '%s' for %s (yes or no)", v, key);
	if (ltype == 1)
		*(bool *)target = b;
	else
		*(int *)target = b;
	return true;
}

static bool parse_skip(struct ini *ini, const char *key, const char *v, int ltype, void *target)
{
	struct hvc_guest_config *g = (struct hvc_guest_config *)((char *)target -
		offsetof(struct hvc_guest_config, skip));

	g->set_skip = true;
	return parse_bool(ini, key, v, ltype, target);
}

static bool parse_address(
	struct ini *ini, _unused_ const char *key, const char *v, _unused_ int ltype, void *target)
{
	_cleanup_free_ char *host = NULL;
	unsigned port;

	if (hvc_parse_address(v, &host, &port) < 0)
		return ini_fail(ini, "invalid address '%s' (HOST or HOST:PORT)", v);
	free_and_strdup(target, v);
	return true;
}

/* [host:] ssh = [USER@]HOST[:PORT]: the user a token, the rest an address. */
static bool parse_host_ssh(
	struct ini *ini, _unused_ const char *key, const char *v, _unused_ int ltype, void *target)
{
	struct hvc_host_config *h = (struct hvc_host_config *)((char *)target -
		offsetof(struct hvc_host_config, ssh_address));
	const char *at = strchr(v, '@');
	_cleanup_free_ char *user = at ? xstrndup(v, (size_t)(at - v)) : NULL;
	_cleanup_free_ char *host = NULL;
	unsigned port;

	if (user && !hvc_token_valid(HVC_TOKEN_USER, user))
		return ini_fail(ini, "invalid user name in ssh = '%s'", v);
	if (hvc_parse_address(at ? at + 1 : v, &host, &port) < 0)
		return ini_fail(ini, "invalid ssh '%s' ([USER@]HOST[:PORT])", v);
	free_and_strdup(&h->ssh_user, user);
	free_and_strdup(&h->ssh_address, at ? at + 1 : v);
	return true;
}

/* [host:] uri: printable ASCII, no space, a scheme ("qemu+ssh://h/system", "xl://"). */
static bool parse_uri(
	struct ini *ini, _unused_ const char *key, const char *v, _unused_ int ltype, void *target)
{
	size_t scheme = strspn(v, "abcdefghijklmnopqrstuvwxyz0123456789+");

	for (const char *p = v; *p; p++)
		if (*p <= ' ' || *p > '~')
			return ini_fail(
				ini, "invalid uri '%s' (no spaces or control characters)", v);
	if (scheme == 0 || v[scheme] != ':' || strlen(v) > 1024)
		return ini_fail(
			ini, "invalid uri '%s' (SCHEME:..., e.g. qemu+ssh://host/system)", v);
	free_and_strdup(target, v);
	return true;
}

static bool parse_jump(
	struct ini *ini, _unused_ const char *key, const char *v, _unused_ int ltype, void *target)
{
	bool b;

	if (strcasecmp(v, "auto") == 0)
		*(int *)target = HVC_JUMP_AUTO;
	else if (ini_bool_value(v, &b) == 0)
		*(int *)target = b ? HVC_JUMP_YES : HVC_JUMP_NO;
	else
		return ini_fail(ini, "invalid jump '%s' (yes, no or auto)", v);
	return true;
}

/* [check] offset-warn, offset-crit: seconds, 0.001-3600, decimals allowed. */
static bool parse_offset(
	struct ini *ini, const char *key, const char *v, _unused_ int ltype, void *target)
{
	char *end;
	double d;

	errno = 0;
	d = strtod(v, &end);
	if (!*v || *end || errno || !(d >= 0.001 && d <= 3600) ||
		strspn(v, "0123456789.") != strlen(v))
		return ini_fail(ini, "invalid %s '%s' (seconds, 0.001-3600)", key, v);
	*(double *)target = d;
	return true;
}

/* [check] symptoms-warn, symptoms-crit: a count of log lines, 0 (never) to 100000. */
static bool parse_count(
	struct ini *ini, const char *key, const char *v, _unused_ int ltype, void *target)
{
	int i;

	if (ini_int_value(v, 0, 100000, &i) < 0)
		return ini_fail(ini, "invalid %s '%s' (0-100000; 0: never)", key, v);
	*(long *)target = i;
	return true;
}

/* The section has ended: warn below crit. */
static bool check_end(struct ini *ini, void *userdata)
{
	const struct hvc_check_thresholds *t = &((struct hvc_config *)userdata)->check;

	if (t->offset_warn_s > t->offset_crit_s)
		return ini_fail(ini, "offset-warn (%g) is above offset-crit (%g)", t->offset_warn_s,
			t->offset_crit_s);
	return true;
}

/* [guest:NAME]: a new entry (a section appears once per file). */
static bool guest_begin(struct ini *ini, const char *name, void *userdata, void **ret_object)
{
	struct hvc_config *c = userdata;
	struct hvc_guest_config *g;

	(void)ini;
	c->guests = xrealloc(c->guests, c->n_guests + 1, sizeof(*c->guests));
	g = &c->guests[c->n_guests++];
	*g = (struct hvc_guest_config){
		.name = xstrdup(name + 6), .verify_identity = -1, .restart = -1
	};
	*ret_object = g;
	return true;
}

/* [host:NAME]: a label of host name characters (it names the host in reports and in -c). */
static bool host_begin(struct ini *ini, const char *name, void *userdata, void **ret_object)
{
	struct hvc_config *c = userdata;
	struct hvc_host_config *h;
	const char *label = name + 5;
	size_t len = strlen(label);

	if (len == 0 || len > HVC_TOKEN_NAME_MAX || label[0] == '-' ||
		strspn(label,
			"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") != len)
		return ini_fail(
			ini, "invalid host name [%s] (letters, digits, '.', '_', '-')", name);
	c->hosts = xrealloc(c->hosts, c->n_hosts + 1, sizeof(*c->hosts));
	h = &c->hosts[c->n_hosts++];
	*h = (struct hvc_host_config){ .name = xstrdup(label), .jump = HVC_JUMP_UNSET };
	*ret_object = h;
	return true;
}

/* The [host:NAME] section has ended: it has its uri. */
static bool host_end(struct ini *ini, void *userdata)
{
	const struct hvc_config *c = userdata;
	const struct hvc_host_config *h = &c->hosts[c->n_hosts - 1];

	if (!h->uri)
		return ini_fail_at(ini, ini_section_line(ini), "[host:%s] has no uri", h->name);
	return true;
}

#define C(f) offsetof(struct hvc_config, f)
#define G(f) offsetof(struct hvc_guest_config, f)
#define H(f) offsetof(struct hvc_host_config, f)

static const struct ini_section conf_sections[] = {
	{ "ssh", NULL, NULL,
		"(known: user, identity, port, known-hosts, agent, connect-timeout, "
		"command-timeout, guest-deadline)" },
	{ "run", NULL, NULL, "(known: parallel, parallel-per-host, restart)" },
	{ "check", NULL, check_end,
		"(known: offset-warn, offset-crit, symptoms-warn, symptoms-crit)" },
	{ "guest:", guest_begin, NULL,
		"(known: address, profile, skip, verify-identity, restart)" },
	{ "host:", host_begin, host_end, "(known: uri, parallel, jump, ssh)" },
};

static const struct ini_item conf_items[] = {
	{ "ssh", "user", parse_token, HVC_TOKEN_USER, C(user), 0 },
	{ "ssh", "identity", parse_abs_path, 0, C(identity), 0 },
	{ "ssh", "port", parse_port, 0, C(port), 0 },
	{ "ssh", "known-hosts", parse_abs_path, 0, C(known_hosts), 0 },
	{ "ssh", "agent", parse_bool, 0, C(agent), 0 },
	{ "ssh", "connect-timeout", parse_seconds, 0, C(connect_timeout_s), 0 },
	{ "ssh", "command-timeout", parse_seconds, 0, C(command_timeout_s), 0 },
	{ "ssh", "guest-deadline", parse_seconds, 0, C(guest_deadline_s), 0 },
	{ "run", "parallel", parse_parallel, 0, C(parallel), 0 },
	{ "run", "parallel-per-host", parse_parallel, 0, C(parallel_per_host), 0 },
	{ "run", "restart", parse_bool, 0, C(restart), 0 },
	{ "check", "offset-warn", parse_offset, 0, C(check.offset_warn_s), 0 },
	{ "check", "offset-crit", parse_offset, 0, C(check.offset_crit_s), 0 },
	{ "check", "symptoms-warn", parse_count, 0, C(check.symptoms_warn), 0 },
	{ "check", "symptoms-crit", parse_count, 0, C(check.symptoms_crit), 0 },
	{ "guest:", "address", parse_address, 0, G(address), 0 },
	{ "guest:", "profile", parse_token, HVC_TOKEN_NAME, G(profile), 0 },
	{ "guest:", "skip", parse_skip, 1, G(skip), 0 },
	{ "guest:", "verify-identity", parse_bool, 0, G(verify_identity), 0 },
	{ "guest:", "restart", parse_bool, 0, G(restart), 0 },
	{ "host:", "uri", parse_uri, 0, H(uri), 0 },
	{ "host:", "parallel", parse_parallel, 0, H(parallel), 0 },
	{ "host:", "jump", parse_jump, 0, H(jump), 0 },
	{ "host:", "ssh", parse_host_ssh, 0, H(ssh_address), 0 },
};

static const struct ini_schema conf_schema = {
	.sections = conf_sections,
	.n_sections = ELEMENTSOF(conf_sections),
	.items = conf_items,
	.n_items = ELEMENTSOF(conf_items),
	.sections_hint = "(known: [ssh], [run], [check], [guest:NAME], [host:NAME])",
	.outside_hint = " (the file starts with a [section])",
	/* hvclock.conf.example: sections of commented-out keys, usable as it is */
	.empty_sections_ok = true,
};

/* fd is /dev/null itself (the same device node), not merely some character device. */
static bool is_dev_null(int fd)
{
	struct stat a, b;

	return fstat(fd, &a) == 0 && S_ISCHR(a.st_mode) && stat("/dev/null", &b) == 0 &&
		S_ISCHR(b.st_mode) && a.st_rdev == b.st_rdev;
}

int hvc_config_load(const char *path, bool required, struct hvc_config *ret, struct hvc_error *err)
{
	FILE *f;
	int fd, r;

	memset(ret, 0, sizeof(*ret));
	ret->agent = -1;
	ret->restart = -1;
	hvc_check_thresholds_init(&ret->check);
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
	r = ini_parse(path, f, &conf_schema, ret, err);
	fclose(f);
	if (r < 0)
		hvc_config_finish(ret);
	return r;
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
	for (size_t i = 0; i < c->n_hosts; i++) {
		free(c->hosts[i].name);
		free(c->hosts[i].uri);
		free(c->hosts[i].ssh_user);
		free(c->hosts[i].ssh_address);
	}
	free(c->hosts);
	memset(c, 0, sizeof(*c));
	c->agent = -1;
	c->restart = -1;
	hvc_check_thresholds_init(&c->check);
}

bool hvc_config_restart_allowed(const struct hvc_config *c, const char *name, const char *uuid)
{
	const struct hvc_guest_config *g = hvc_config_guest(c, name, uuid);

	if (g && g->restart >= 0)
		return g->restart;
	return c->restart != 0;
}

const struct hvc_guest_config *hvc_config_guest(
	const struct hvc_config *c, const char *name, const char *uuid)
{
	for (size_t i = 0; i < c->n_guests; i++)
		if (streq(c->guests[i].name, name) || strcasecmp(c->guests[i].name, uuid) == 0)
			return &c->guests[i];
	return NULL;
}

const struct hvc_host_config *hvc_config_host(const struct hvc_config *c, const char *name)
{
	for (size_t i = 0; i < c->n_hosts; i++)
		if (streq(c->hosts[i].name, name))
			return &c->hosts[i];
	return NULL;
}
