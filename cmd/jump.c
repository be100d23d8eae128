/* jump.c: how guests are reached through their host: a jump transport per [host:NAME] section. */
#include <errno.h>
#include <stdlib.h>

#include "config.h"
#include "cmd/run.h"
#include "core/conffile.h"
#include "core/transport.h"
#if HVC_HAS_SSH
#include "backends/ssh/ssh.h"
#endif

int hvc_host_ssh_address(const struct hvc_host_config *h, char **ret_user, char **ret_host,
	unsigned *ret_port, struct hvc_error *err)
{
	_cleanup_free_ char *user = xstrdup_or_null(h->ssh_user), *addr = NULL;
	const char *p, *end;
	int r;

	*ret_user = *ret_host = NULL;
	*ret_port = 0;
	if (h->ssh_address) {
		addr = xstrdup(h->ssh_address);
	} else {
		/* The URI's [USER@]HOST[:PORT] (qemu+ssh://root@kvm1:2222/system). */
		p = strstr(h->uri, "://");
		if (p)
			p += 3;
		end = p ? p + strcspn(p, "/?") : NULL;
		if (!p || end == p)
			return hvc_error_set(err, -EINVAL,
				"host %s: no ssh = and its uri %s names no host to reach it at",
				h->name, h->uri);
		addr = xstrndup(p, (size_t)(end - p));
		char *at = strrchr(addr, '@');
		if (at) {
			if (!user)
				user = xstrndup(addr, (size_t)(at - addr));
			memmove(addr, at + 1, strlen(at + 1) + 1);
		}
	}
	r = hvc_parse_address(addr, ret_host, ret_port);
	if (r < 0)
		return hvc_error_set(err, r, "host %s: invalid ssh address '%s'", h->name, addr);
	*ret_user = TAKE_PTR(user);
	return 0;
}

int hvc_jumps_make(const struct hvc_ctx *ctx, const struct hvc_config *cfg,
	const struct hvc_transport *direct, struct hvc_jumps *ret, struct hvc_error *err)
{
	*ret = (struct hvc_jumps){ .ts = xcalloc(cfg->n_hosts + 1, sizeof(*ret->ts)),
		.n = cfg->n_hosts };
	if (!direct)
		return 0;
	for (size_t i = 0; i < cfg->n_hosts; i++) {
		const struct hvc_host_config *h = &cfg->hosts[i];
		int mode = ctx->jump_set ? ctx->jump : h->jump;
		_cleanup_free_ char *user = NULL, *host = NULL;
		unsigned port;
		int r;

		if (mode != HVC_JUMP_YES && mode != HVC_JUMP_AUTO)
			continue;
		r = hvc_host_ssh_address(h, &user, &host, &port, err);
#if HVC_HAS_SSH
		if (r == 0) {
			struct hvc_ssh_jump j = { .label = h->name,
				.host = host,
				.port = port,
				.user = user,
				.only_if_unreachable = mode == HVC_JUMP_AUTO };
			r = hvc_ssh_jump_transport_new(direct, &j, &ret->ts[i], err);
		}
#else
		if (r == 0)
			r = hvc_error_set(
				err, -EOPNOTSUPP, "host %s: jump: no SSH transport", h->name);
#endif
		if (r < 0)
			return r;
	}
	return 0;
}

struct hvc_transport *hvc_jumps_for(const struct hvc_jumps *j, const struct hvc_fleet_host *h)
{
	/* By the section the host came from: its backend's URI may be libvirt's canonical form. */
	return h && h->config >= 0 && (size_t)h->config < j->n ? j->ts[h->config] : NULL;
}

/* The [USER@]HOST[:PORT] part of a URI ("" for none). */
static bool uri_names_host(const char *uri)
{
	const char *p = uri ? strstr(uri, "://") : NULL;

	return p && p[3] && p[3] != '/';
}

int hvc_host_remote_transport(const struct hvc_config *cfg, const struct hvc_fleet_host *fh,
	const char *uri, const struct hvc_transport *direct, struct hvc_transport **ret,
	struct hvc_error *err)
{
	const struct hvc_host_config *h = fh && fh->config >= 0 && (size_t)fh->config < cfg->n_hosts
		? &cfg->hosts[fh->config]
		: NULL;
	struct hvc_host_config tmp = { 0 };
	_cleanup_free_ char *user = NULL, *host = NULL;
	unsigned port;
	int r;

	*ret = NULL;
	if (!(h && h->ssh_address) && !uri_names_host(uri))
		return 0; /* dom0 is here */
	if (!h) {
		tmp.name = (char *)uri;
		tmp.uri = (char *)uri;
		h = &tmp;
	}
	if (!direct)
		return hvc_error_set(err, -EOPNOTSUPP, "host %s: a remote dom0 needs SSH", h->name);
	r = hvc_host_ssh_address(h, &user, &host, &port, err);
#if HVC_HAS_SSH
	if (r == 0) {
		struct hvc_ssh_jump w = {
			.label = h->name, .host = host, .port = port, .user = user
		};
		r = hvc_ssh_host_transport_new(direct, &w, ret, err);
	}
#else
	if (r == 0)
		r = hvc_error_set(err, -EOPNOTSUPP, "host %s: no SSH transport", h->name);
#endif
	return r;
}

void hvc_jumps_finish(struct hvc_jumps *j)
{
	for (size_t i = 0; j->ts && i < j->n; i++)
		hvc_transport_destroy(j->ts[i]);
	free(j->ts);
	*j = (struct hvc_jumps){ 0 };
}
