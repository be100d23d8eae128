/* libvirt.c: the libvirt backend: connect, list guests and redefine them through libvirt's API. */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <strings.h>
#include <stdio.h>
#include <unistd.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <libxml/globals.h>
#include <libxml/parser.h>
#include <libxml/relaxng.h>
#include <libxml/uri.h>
#include <libxml/xmlschemastypes.h>
#include <libxml/xmlerror.h>

#include "config.h"
#include "backends/libvirt/libvirt-xml.h"
#include "backends/libvirt/libvirt.h"
#include "backends/registry.h"

/*
 * Errors: libvirt keeps the last error per thread and, by default, prints it
 * to stderr. The backend installs a no-op handler and turns each failure into
 * one line of struct hvc_error, quoting virGetLastErrorMessage() right after
 * the failing call (same thread).
 *
 * Per-guest failures while listing: the vtable has no per-guest error slot,
 * and one unreadable guest must not hide the others. Such a guest is still
 * appended (name, uuid, state as far as known) with boot = HVC_BOOT_UNKNOWN
 * and g->error set to one line, e.g. "cannot read domain XML: ...". The plan
 * layer reports such a guest as failed. A guest that vanished between listing
 * and reading is left out.
 */

struct libvirt_backend {
	struct hvc_backend base;
	virConnectPtr conn;
	/* libvirt's test driver: its interface addresses are made up (never connect to them). */
	bool is_test_driver;
	/* libvirt's libxl driver (xen:///system): Domain-0 is listed, and it is the host. */
	bool is_xen;
};

static struct libvirt_backend *libvirt_backend_from_backend(struct hvc_backend *b)
{
	assert(b && b->impl == &hvc_libvirt_backend_impl);
	return (struct libvirt_backend *)b;
}

virConnectPtr hvc_libvirt_backend_connection(struct hvc_backend *b)
{
	return libvirt_backend_from_backend(b)->conn;
}

/*
 * A definition that hvclock defines again, and its read-back: the next boot
 * (INACTIVE) with the secure data (SECURE: <graphics passwd=...> of VNC and
 * SPICE and whatever else libvirt keeps out of a plain dump). Without SECURE
 * libvirt leaves them out and the define would drop them. SECURE needs a
 * read-write connection: only set_boot_cmdline() asks for it (rollout and
 * rollback; the wrapper refuses read-only connections). The listing reads
 * without it, so plan works on a read-only connection.
 */
#define DEFINITION_XML_FLAGS (VIR_DOMAIN_XML_INACTIVE | VIR_DOMAIN_XML_SECURE)

static void silent_error_func(void *userdata, virErrorPtr error)
{
	(void)userdata;
	(void)error;
}

/* libxml2's own warnings (the test driver reading its fleet file) bypass virSetErrorFunc. */
static void silent_xml_error_func(void *ctx, const char *msg, ...)
{
	(void)ctx;
	(void)msg;
}

static const char *last_error(void)
{
	const char *m = virGetLastErrorMessage();
	return m ? m : "unknown libvirt error";
}

static bool last_error_is_no_domain(void)
{
	return virGetLastErrorCode() == VIR_ERR_NO_DOMAIN;
}

/* Never prompt: a fleet run has nobody to answer. Any credential request fails the open. */
static int refuse_credentials(virConnectCredentialPtr cred, unsigned int ncred, void *cbdata)
{
	(void)cred;
	(void)ncred;
	(void)cbdata;
	return -1;
}

static int auth_cred_types[] = {
	VIR_CRED_AUTHNAME,
	VIR_CRED_PASSPHRASE,
	VIR_CRED_ECHOPROMPT,
	VIR_CRED_NOECHOPROMPT,
	VIR_CRED_REALM,
	VIR_CRED_EXTERNAL,
};

static virConnectAuth refusing_auth = {
	.credtype = auth_cred_types,
	.ncredtype = ELEMENTSOF(auth_cred_types),
	.cb = refuse_credentials,
	.cbdata = NULL,
};

/* Whether the query (raw, "a=1&b=2", ';' also separates) sets the parameter NAME. */
static bool query_has_param(const char *query, const char *name)
{
	size_t len = strlen(name);

	for (const char *q = query; q && *q;) {
		size_t n = strcspn(q, "&;");
		if (n >= len && strncmp(q, name, len) == 0 && (n == len || q[len] == '='))
			return true;
		q += n;
		q += *q ? 1 : 0;
	}
	return false;
}

/*
 * The ssh a +ssh URI runs when it names none (command=): hvclock-ssh, ssh with a bound on the
 * connect and the SSH banner exchange (ConnectTimeout) and on a silent link (ServerAliveInterval),
 * where the user's ssh_config sets none. libvirt runs ssh with no timeout of its own: a host that
 * accepts the TCP connection and then says nothing (a stopped sshd, a firewall that answers for
 * it) would hang the open forever. This build tree's copy for an uninstalled hvclock; NULL (plain
 * ssh) when the script is missing.
 */
static int ssh_wrapper(const char *uri, const char **ret, struct hvc_error *err)
{
	_cleanup_free_ char *exe = realpath("/proc/self/exe", NULL);
	_cleanup_free_ char *uninstalled = realpath(HVC_UNINSTALLED_EXE, NULL);
	const char *w = exe && uninstalled && streq(exe, uninstalled) ? HVC_UNINSTALLED_SSH_WRAPPER
								      : HVC_SSH_WRAPPER;
	int fd = open(w, O_RDONLY | O_CLOEXEC | O_NOCTTY), r;

	*ret = NULL;
	if (fd < 0)
		return 0; /* not installed (a DESTDIR or partial install): ssh itself */
	/* libvirt runs it as this user (root): trusted as modules and profiles are, up to / */
	r = hvc_check_trusted(w, fd, false, err);
	close(fd);
	if (r < 0) {
		hvc_error_prefix(err, "cannot connect to '%s': ssh wrapper", uri);
		return r;
	}
	if (access(w, X_OK) == 0)
		*ret = w;
	return 0;
}

/*
 * Never prompt, never hang: libvirt's ssh transport runs the ssh binary, which asks on the
 * terminal for an unknown host key or a password. no_tty=1 makes libvirt run it with
 * BatchMode=yes (and no terminal), so both are errors instead; command=hvclock-ssh bounds the
 * connect (ssh_wrapper()). Returns the URI to open, with "no_tty=1" and "command=..." appended
 * to the query when the transport is ssh and the URI does not set them itself, or NULL to open
 * URI as given (in *ret). Every other byte of the URI is kept. A wrapper that is not trusted
 * (hvc_check_trusted()) fails the open: < 0 with err set. The in-process transports (+libssh,
 * +libssh2) ask through the auth callback, which refuses.
 */
static int uri_batch(const char *uri, char **ret, struct hvc_error *err)
{
	xmlURIPtr u;
	const char *sep, *wrapper = NULL;
	_cleanup_free_ char *add = NULL;
	bool ssh, tty, cmd;
	size_t end;

	*ret = NULL;
	if (!uri)
		return 0;
	u = xmlParseURI(uri);
	if (!u)
		return 0; /* libvirt reports the bad URI */
	ssh = u->scheme && str_endswith(u->scheme, "+ssh");
	tty = query_has_param(u->query_raw, "no_tty");
	cmd = query_has_param(u->query_raw, "command");
	xmlFreeURI(u);
	if (ssh && !cmd) {
		int r = ssh_wrapper(uri, &wrapper, err);

		if (r < 0)
			return r;
	}
	if (!ssh || (tty && !wrapper))
		return 0;
	if (wrapper) {
		xmlChar *esc = xmlURIEscapeStr((const xmlChar *)wrapper, (const xmlChar *)"/");
		add = xasprintf("%scommand=%s", tty ? "" : "no_tty=1&", esc ? (char *)esc : "");
		xmlFree(esc);
	} else
		add = xstrdup("no_tty=1");
	end = strcspn(uri, "#");
	if (!memchr(uri, '?', end))
		sep = "?";
	else if (strchr("?&;", uri[end - 1]))
		sep = "";
	else
		sep = "&";
	*ret = xasprintf("%.*s%s%s%s", (int)end, uri, sep, add, uri + end);
	return 0;
}

/*
 * A remote open that failed on the host's SSH key gets a message an operator
 * can act on instead of OpenSSH's banner: the host, the cause, and what to
 * run. The ssh transport quotes the ssh binary's stderr ("Host key
 * verification failed.", after "REMOTE HOST IDENTIFICATION HAS CHANGED" when
 * the key changed); the libssh transports fail in the auth callback that
 * refuses to accept an unknown or changed key. Other failures: libvirt's own.
 */
static int open_error(const char *uri, struct hvc_error *err)
{
	const char *m = last_error();
	_cleanup_free_ char *host = NULL;
	xmlURIPtr u = uri ? xmlParseURI(uri) : NULL;

	if (u && u->server && *u->server)
		host = u->port > 0 && u->port != 22 ? xasprintf("[%s]:%d", u->server, u->port)
						    : xstrdup(u->server);
	xmlFreeURI(u);
	if (host && strstr(m, "REMOTE HOST IDENTIFICATION HAS CHANGED"))
		return hvc_error_set(err, -EKEYREJECTED,
			"cannot connect to '%s': host %s has another SSH host key than the one in "
			"known_hosts (OpenSSH refused it); if that is expected (the host was "
			"reinstalled), remove the old key with: ssh-keygen -R '%s'",
			uri, host, host);
	if (host && strstr(m, "Host key verification failed"))
		return hvc_error_set(err, -ENOKEY,
			"cannot connect to '%s': host %s: its SSH host key is not in "
			"known_hosts and hvclock never asks (OpenSSH: Host key verification "
			"failed); check its fingerprint and record it (ssh %s once, as the user "
			"running hvclock)",
			uri, host, host);
	if (host && strstr(m, "decision to accept host key"))
		return hvc_error_set(err, -ENOKEY,
			"cannot connect to '%s': host %s: its SSH host key is unknown or changed "
			"(libvirt's libssh transport checks known_hosts= of the URI, default "
			"~/.ssh/known_hosts, and hvclock never accepts a key): check it, then fix "
			"that file (ssh-keygen -R '%s' removes an old key)",
			uri, host, host);
	/* ssh's ConnectTimeout (hvclock-ssh's or the user's): the host took the TCP connection, or
	 * none, and never finished the SSH handshake. */
	if (host && strstr(m, "timed out"))
		return hvc_error_set(err, -ETIMEDOUT,
			"cannot connect to '%s': timeout: host %s did not complete the SSH "
			"connection in time (%s)",
			uri, host, m);
	return hvc_error_set(
		err, -EIO, "cannot connect to '%s': %s", uri ? uri : "(default URI)", m);
}

/*
 * libxml2 once, before any thread parses or defines: hosts are opened and
 * guests listed from several threads at once. libxml2 2.9 initializes itself
 * on first use, unlocked (two first uses race; LeakSanitizer saw the loser's
 * mutex). VALIDATE defines from several workers register the Relax-NG type
 * libraries, and the loser prints "Relax-NG types library failed to
 * register"; the XML Schema datatypes Relax-NG uses are built on first use,
 * unlocked, and the loser of that race leaks the winner's tables.
 */
static pthread_once_t xml_once = PTHREAD_ONCE_INIT;

static void xml_init_once(void)
{
	xmlInitParser();
	xmlRelaxNGInitTypes();
	xmlSchemaInitTypes();
}

/*
 * libvirt's event loop, in a thread of its own, once before the first connection: without one a
 * remote connection notices its link gone (the ssh process killed, the daemon away) only at its
 * next call, so virConnectIsAlive() stays true; with it, the client reads the hangup as it comes,
 * and keepalive (virConnectSetKeepAlive) finds a link that went silent.
 */
static pthread_once_t event_once = PTHREAD_ONCE_INIT;
static bool event_loop;

static void *event_thread(void *arg)
{
	(void)arg;
	while (virEventRunDefaultImpl() == 0)
		;
	return NULL;
}

static void event_init_once(void)
{
	pthread_t t;

	if (virEventRegisterDefaultImpl() < 0 || pthread_create(&t, NULL, event_thread, NULL) != 0)
		return;
	pthread_detach(t);
	event_loop = true;
}

static int libvirt_open(
	const char *uri, bool read_only, struct hvc_backend **ret, struct hvc_error *err)
{
	struct libvirt_backend *lb;
	xmlGenericErrorFunc old_xml_func;
	void *old_xml_ctx;
	virConnectPtr conn;
	_cleanup_free_ char *batch_uri = NULL;
	char *canonical;
	int r = uri_batch(uri, &batch_uri, err);

	if (r < 0)
		return r;

	virSetErrorFunc(NULL, silent_error_func);
	/* libxml2 once, before any thread parses: see xml_init_once(). */
	pthread_once(&xml_once, xml_init_once);
	pthread_once(&event_once, event_init_once);
	/*
	 * Opening test:///missing.xml makes libxml2 (inside libvirt) print "I/O
	 * warning : failed to load external entity" through its per-thread generic
	 * error handler; silence it for the call only, the message is in libvirt's error.
	 */
	old_xml_func = xmlGenericError;
	old_xml_ctx = xmlGenericErrorContext;
	xmlSetGenericErrorFunc(NULL, silent_xml_error_func);
	conn = virConnectOpenAuth(
		batch_uri ? batch_uri : uri, &refusing_auth, read_only ? VIR_CONNECT_RO : 0);
	xmlSetGenericErrorFunc(old_xml_ctx, old_xml_func);
	if (!conn)
		return open_error(uri, err);
	/* A silent link: every 5 s a ping, 3 unanswered close it (local drivers: no-op). */
	if (event_loop)
		(void)virConnectSetKeepAlive(conn, 5, 3);
	/* The URI as the operator wrote it names the host, not the one with no_tty added. */
	canonical = batch_uri ? NULL : virConnectGetURI(conn);

	lb = xcalloc(1, sizeof(*lb));
	hvc_backend_init(&lb->base, &hvc_libvirt_backend_impl,
		canonical ? canonical : (uri ? uri : ""), read_only);
	lb->conn = conn;
	{
		const char *type = virConnectGetType(conn);
		lb->is_test_driver = type && streq(type, "TEST");
		lb->is_xen = type && streq(type, "Xen");
	}
	free(canonical);
	*ret = &lb->base;
	return 0;
}

static void libvirt_destroy(struct hvc_backend *b)
{
	struct libvirt_backend *lb = libvirt_backend_from_backend(b);

	if (lb->conn)
		virConnectClose(lb->conn);
	hvc_backend_finish(&lb->base);
	free(lb);
}

static enum hvc_state state_from_libvirt(int state)
{
	switch (state) {
	case VIR_DOMAIN_RUNNING:
	case VIR_DOMAIN_BLOCKED: /* running, idle on a resource (Xen reports idle guests so) */
		return HVC_STATE_RUNNING;
	case VIR_DOMAIN_PAUSED:
		return HVC_STATE_PAUSED;
	case VIR_DOMAIN_SHUTOFF:
		return HVC_STATE_SHUTOFF;
	case VIR_DOMAIN_NOSTATE:
		return HVC_STATE_UNKNOWN;
	default: /* shutting down, crashed, pmsuspended */
		return HVC_STATE_OTHER;
	}
}

/*
 * What the listing learned for all guests at once (a few calls in total
 * instead of several per guest): *_known false means ask this guest alone.
 */
struct listed {
	virDomainPtr dom;
	unsigned char uuid[VIR_UUID_BUFLEN]; /* read once: each call formats it for libvirt's log */
	bool uuid_known;
	struct hvc_guest *g; /* NULL: the domain vanished meanwhile */
	bool state_known, persistent_known;
	int state;
	bool persistent;
};

/* Everything but name and uuid. -ENOENT: the domain is gone. */
static int read_guest_details(const struct listed *l, struct hvc_guest *g, struct hvc_error *err)
{
	virDomainPtr dom = l->dom;
	_cleanup_free_ char *xml = NULL, *live = NULL;
	int state = l->state, reason, persistent = l->persistent, active, r;

	if (!l->state_known && virDomainGetState(dom, &state, &reason, 0) < 0)
		return hvc_error_set(err, last_error_is_no_domain() ? -ENOENT : -EIO,
			"cannot read the guest state: %s", last_error());
	g->state = state_from_libvirt(state);

	if (!l->persistent_known)
		persistent = virDomainIsPersistent(dom);
	if (persistent < 0)
		return hvc_error_set(err, last_error_is_no_domain() ? -ENOENT : -EIO,
			"cannot tell whether the guest is persistent: %s", last_error());
	g->persistent = persistent == 1;

	/* Running or not as listed: a listed domain carries its ID, -1 when inactive. */
	active = virDomainGetID(dom) != (unsigned int)-1;

	/*
	 * The next-boot definition: that is what hvclock reads and changes. Without
	 * SECURE (plan is read-only): set_boot_cmdline() reads it again with secrets.
	 */
	xml = virDomainGetXMLDesc(dom, VIR_DOMAIN_XML_INACTIVE);
	if (!xml)
		return hvc_error_set(err, last_error_is_no_domain() ? -ENOENT : -EIO,
			"cannot read domain XML: %s", last_error());
	r = hvc_libvirt_xml_parse(xml, g, err);
	if (r < 0)
		return r;

	/*
	 * The running line as the host sees it matters only where the host's line
	 * reaches the kernel (core/plan.c): a firmware-booted guest's live XML is
	 * not read (the second XML per domain; most guests of a KVM host).
	 */
	if (active == 1 && hvc_boot_path_host_cmdline_reaches_kernel(g->boot)) {
		char *c = NULL;

		live = virDomainGetXMLDesc(dom, 0);
		if (!live)
			return hvc_error_set(err, last_error_is_no_domain() ? -ENOENT : -EIO,
				"cannot read live domain XML: %s", last_error());
		r = hvc_libvirt_xml_get_cmdline(live, &c, err);
		if (r < 0)
			return r;
		/* Running without a cmdline is known, not unknown: "" (NULL = unknown). */
		free(g->live_cmdline);
		g->live_cmdline = c ? c : xstrdup("");
	}
	return 0;
}

/* A guest for the listing, or NULL when the domain vanished meanwhile. */
static struct hvc_guest *read_guest(struct libvirt_backend *lb, const struct listed *l)
{
	struct hvc_guest *g = hvc_guest_new();
	struct hvc_error e = { 0 };
	char uuid[VIR_UUID_STRING_BUFLEN];
	const char *name = virDomainGetName(l->dom);
	int r;

	g->backend = xstrdup("libvirt");
	g->uri = xstrdup(lb->base.uri);
	g->name = xstrdup(name ? name : "");
	if (virDomainGetUUIDString(l->dom, uuid) == 0)
		snprintf(g->uuid, sizeof(g->uuid), "%s", uuid);

	r = read_guest_details(l, g, &e);
	if (r == -ENOENT) {
		hvc_guest_free(g);
		return NULL;
	}
	if (r < 0) {
		g->boot = HVC_BOOT_UNKNOWN;
		free_and_strdup(&g->error, e.msg);
	}
	return g;
}

static int compare_domain_names(const void *a, const void *b)
{
	const char *x = virDomainGetName(*(virDomainPtr const *)a);
	const char *y = virDomainGetName(*(virDomainPtr const *)b);

	return hvc_natural_cmp(x, y);
}

/*
 * Xen's dom0 as libvirt lists it: ID 0 on the libxl driver. The name
 * Domain-0 is Xen's own and reserved, so a Xen domain of that name is dom0
 * on any driver (the test driver numbers its domains itself).
 */
static bool is_dom0(struct libvirt_backend *lb, virDomainPtr dom, const struct hvc_guest *g)
{
	if (lb->is_xen && virDomainGetID(dom) == 0)
		return true;
	return g->hypervisor == HVC_HYPERVISOR_XEN && streq_ptr(g->name, "Domain-0");
}

/*
 * The host row on libvirt's libxl driver: dom0. Local (xen:///system): hvclock runs in dom0;
 * through a remote URI (xen+ssh://) the caller reaches that dom0 over SSH (cmd/jump.c).
 * Tests: on the test driver a Domain-0 in the fleet stands for dom0, but only
 * while $HVCLOCK_LOCAL_ROOT points the local transport into a throw-away tree
 * (a test fleet must never change the machine it runs on).
 */
static int libvirt_host(struct hvc_backend *b, struct hvc_guest **ret, struct hvc_error *err)
{
	struct libvirt_backend *lb = libvirt_backend_from_backend(b);
	char uuid[VIR_UUID_STRING_BUFLEN] = "";
	const char *name, *root = getenv("HVCLOCK_LOCAL_ROOT");
	virDomainPtr dom;

	if (lb->is_test_driver) {
		if (!root || !*root)
			return 0;
		dom = virDomainLookupByName(lb->conn, "Domain-0");
		if (!dom)
			return 0;
	} else {
		if (!lb->is_xen)
			return 0;
		dom = virDomainLookupByID(lb->conn, 0);
		if (!dom)
			return hvc_error_set(
				err, -EIO, "cannot look up dom0 on '%s': %s", b->uri, last_error());
	}
	name = virDomainGetName(dom);
	if (virDomainGetUUIDString(dom, uuid) < 0)
		uuid[0] = '\0';
	*ret = hvc_guest_new_dom0(
		"libvirt", b->uri, name ? name : "Domain-0", uuid, HVC_GUEST_TYPE_PV);
	virDomainFree(dom);
	return 0;
}

/*
 * Index of the listed domain that is dom (same UUID), or -1. ls[hint] is tried first, a
 * shortcut checked like the rest: virDomainListGetStats answers in the order asked, leaving
 * out domains that vanished. The listed UUIDs were read once; asking libvirt for them here
 * made a listing of N domains up to N² calls (7 s of a 5000-domain plan).
 */
static int find_listed(const struct listed *ls, int n, virDomainPtr dom, int hint)
{
	unsigned char u[VIR_UUID_BUFLEN];

	if (virDomainGetUUID(dom, u) < 0)
		return -1;
	if (hint >= 0 && hint < n && ls[hint].uuid_known &&
		memcmp(u, ls[hint].uuid, sizeof(u)) == 0)
		return hint;
	for (int i = 0; i < n; i++)
		if (ls[i].uuid_known && memcmp(u, ls[i].uuid, sizeof(u)) == 0)
			return i;
	return -1;
}

/*
 * The states of all listed domains in one call (virDomainListGetStats); a
 * domain missing from the answer, or a driver without it, is asked alone.
 */
static void bulk_states(struct listed *ls, int n)
{
	_cleanup_free_ virDomainPtr *doms = xcalloc((size_t)n + 1, sizeof(*doms));
	virDomainStatsRecordPtr *recs = NULL;
	int nrecs;

	for (int i = 0; i < n; i++)
		doms[i] = ls[i].dom;
	nrecs = virDomainListGetStats(doms, VIR_DOMAIN_STATS_STATE, &recs, 0);
	for (int r = 0, next = 0; r < nrecs; r++) {
		int i = find_listed(ls, n, recs[r]->dom, next);

		if (i >= 0)
			next = i + 1;
		for (int p = 0; i >= 0 && p < recs[r]->nparams; p++) {
			const virTypedParameter *tp = &recs[r]->params[p];
			if (streq(tp->field, "state.state") && tp->type == VIR_TYPED_PARAM_INT) {
				ls[i].state = tp->value.i;
				ls[i].state_known = true;
			}
		}
	}
	if (recs)
		virDomainStatsRecordListFree(recs);
	virResetLastError();
}

/*
 * Persistent or not for all listed domains in one call: the transient ones
 * are listed once more on their own. A failing call leaves each to be asked alone.
 */
static void bulk_persistent(
	struct libvirt_backend *lb, struct listed *ls, int n, unsigned int flags)
{
	virDomainPtr *tr = NULL;
	int nt =
		virConnectListAllDomains(lb->conn, &tr, flags | VIR_CONNECT_LIST_DOMAINS_TRANSIENT);

	if (nt < 0) {
		virResetLastError();
		return;
	}
	for (int i = 0; i < n; i++) {
		ls[i].persistent = true;
		ls[i].persistent_known = true;
	}
	for (int t = 0; t < nt; t++) {
		int i = find_listed(ls, n, tr[t], -1);
		if (i >= 0)
			ls[i].persistent = false;
		virDomainFree(tr[t]);
	}
	free(tr);
}

struct list_pool {
	struct libvirt_backend *lb;
	struct listed *ls;
	int n;
	int next;
	pthread_mutex_t lock;
};

/* One of the listing threads: reads the next guest's XML until none is left. */
static void *list_worker(void *arg)
{
	struct list_pool *p = arg;

	for (;;) {
		int i;

		pthread_mutex_lock(&p->lock);
		i = p->next < p->n ? p->next++ : -1;
		pthread_mutex_unlock(&p->lock);
		if (i < 0)
			return NULL;
		p->ls[i].g = read_guest(p->lb, &p->ls[i]);
	}
}

/* A listing thread of its own: libxml2's error handler is per thread (see libvirt_open). */
static void *list_thread(void *arg)
{
	xmlSetGenericErrorFunc(NULL, silent_xml_error_func);
	return list_worker(arg);
}

/*
 * The per-guest reads (domain XML, 1 or 2 calls) from a few threads on the one
 * connection: libvirt's client is thread-safe and keeps several calls in
 * flight, so over a remote link the guests cost about one round trip per
 * LIST_THREADS guests instead of one each.
 */
#define LIST_THREADS 8

static void read_guests_parallel(struct libvirt_backend *lb, struct listed *ls, int n)
{
	struct list_pool p = { .lb = lb, .ls = ls, .n = n };
	xmlGenericErrorFunc old_xml_func;
	pthread_t th[LIST_THREADS];
	void *old_xml_ctx;
	int started = 0;

	pthread_mutex_init(&p.lock, NULL);
	for (int i = 0; i < LIST_THREADS && i < n - 1; i++)
		if (pthread_create(&th[started], NULL, list_thread, &p) == 0)
			started++;
	/* This thread too (alone when no thread started), silenced for the time being. */
	old_xml_func = xmlGenericError;
	old_xml_ctx = xmlGenericErrorContext;
	xmlSetGenericErrorFunc(NULL, silent_xml_error_func);
	list_worker(&p);
	xmlSetGenericErrorFunc(old_xml_ctx, old_xml_func);
	for (int i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	pthread_mutex_destroy(&p.lock);
}

static int libvirt_list_guests(struct hvc_backend *b, bool include_inactive,
	struct hvc_guest_list *out, struct hvc_error *err)
{
	struct libvirt_backend *lb = libvirt_backend_from_backend(b);
	unsigned int flags = include_inactive ? 0 : VIR_CONNECT_LIST_DOMAINS_ACTIVE;
	virDomainPtr *doms = NULL;
	struct listed *ls;
	int n;

	n = virConnectListAllDomains(lb->conn, &doms, flags);
	if (n < 0)
		return hvc_error_set(
			err, -EIO, "cannot list guests on '%s': %s", b->uri, last_error());

	/* Deterministic output: by name, byte order. */
	qsort(doms, (size_t)n, sizeof(*doms), compare_domain_names);
	ls = xcalloc((size_t)n + 1, sizeof(*ls));
	for (int i = 0; i < n; i++) {
		ls[i].dom = doms[i];
		ls[i].uuid_known = virDomainGetUUID(doms[i], ls[i].uuid) == 0;
	}
	if (n > 0) {
		bulk_states(ls, n);
		bulk_persistent(lb, ls, n, flags);
		read_guests_parallel(lb, ls, n);
	}
	for (int i = 0; i < n; i++) {
		struct hvc_guest *g = ls[i].g;
		if (g && is_dom0(lb, doms[i], g))
			hvc_guest_free(g); /* the host itself, not a guest: see libvirt_host() */
		else if (g)
			hvc_guest_list_append(out, g);
		virDomainFree(doms[i]);
	}
	free(ls);
	free(doms);
	return 0;
}

static int libvirt_set_boot_cmdline(struct hvc_backend *b, const struct hvc_guest *g,
	const char *expect_old, const char *new_cmdline, const struct hvc_record *rec,
	struct hvc_error *err)
{
	struct libvirt_backend *lb = libvirt_backend_from_backend(b);
	_cleanup_free_ char *xml = NULL, *new_xml = NULL, *back = NULL;
	const char *name = g->name ? g->name : g->uuid;
	virDomainPtr dom = NULL, defined = NULL;
	int persistent, r;

	dom = g->uuid[0] ? virDomainLookupByUUIDString(lb->conn, g->uuid)
			 : virDomainLookupByName(lb->conn, strna(g->name));
	if (!dom) {
		r = hvc_error_set(err, last_error_is_no_domain() ? -ENOENT : -EIO,
			last_error_is_no_domain() ? "guest '%s': no longer defined: %s"
						  : "guest '%s': cannot look it up: %s",
			name, last_error());
		goto out;
	}

	/* Defining a transient guest would make it persistent, not change its next boot. */
	persistent = virDomainIsPersistent(dom);
	if (persistent < 0) {
		r = hvc_error_set(err, -EIO, "guest '%s': cannot tell whether it is persistent: %s",
			name, last_error());
		goto out;
	}
	if (persistent == 0) {
		r = hvc_error_set(err, -EPERM,
			"guest '%s': transient guest: no persistent definition to change", name);
		goto out;
	}

	xml = virDomainGetXMLDesc(dom, DEFINITION_XML_FLAGS);
	if (!xml) {
		r = hvc_error_set(
			err, -EIO, "guest '%s': cannot read domain XML: %s", name, last_error());
		goto out;
	}
	/*
	 * libvirt has no compare-and-swap for definitions: the before-value check
	 * here narrows the race with other writers, it cannot close it.
	 */
	r = hvc_libvirt_xml_set_cmdline(xml, expect_old, new_cmdline, rec, &new_xml, err);
	if (r < 0) {
		hvc_error_prefix(err, "guest '%s'", name);
		goto out;
	}

	/* libxml2's handler is per thread: this worker's must be silent too (see libvirt_open). */
	xmlSetGenericErrorFunc(NULL, silent_xml_error_func);
	defined = virDomainDefineXMLFlags(lb->conn, new_xml, VIR_DOMAIN_DEFINE_VALIDATE);
	if (!defined) {
		r = hvc_error_set(err, -EIO, "guest '%s': cannot define the new configuration: %s",
			name, last_error());
		goto out;
	}

	back = virDomainGetXMLDesc(defined, DEFINITION_XML_FLAGS);
	if (!back) {
		r = hvc_error_set(err, -EIO, "guest '%s': cannot read back domain XML: %s", name,
			last_error());
		goto out;
	}
	r = hvc_libvirt_xml_check_written(back, new_cmdline, rec, err);
	if (r < 0)
		hvc_error_prefix(err, "guest '%s'", name);
out:
	if (defined)
		virDomainFree(defined);
	if (dom)
		virDomainFree(dom);
	return r;
}

static int libvirt_guest_addresses(struct hvc_backend *b, const struct hvc_guest *g,
	struct hvc_guest_address **ret, unsigned *ret_n, struct hvc_error *err)
{
	/* The host's own records first; the agent is the guest talking (virDomainInterfaceAddresses(3)). */
	static const struct {
		unsigned int flag;
		const char *name;
	} sources[] = {
		{ VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_LEASE, "lease" },
		{ VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_ARP, "arp" },
		{ VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_AGENT, "agent" },
	};
	struct libvirt_backend *lb = libvirt_backend_from_backend(b);
	struct hvc_guest_address *out = NULL;
	unsigned n_out = 0;
	bool usable = false;
	virDomainPtr dom;

	*ret = NULL;
	*ret_n = 0;
	if (lb->is_test_driver)
		return 0;
	dom = virDomainLookupByUUIDString(lb->conn, g->uuid);
	if (!dom)
		return hvc_error_set(
			err, -ENOENT, "guest '%s': cannot find it: %s", g->name, last_error());
	for (size_t s = 0; s < ELEMENTSOF(sources) && !usable; s++) {
		virDomainInterfacePtr *ifaces = NULL;
		int n;

		/* The agent needs a read-write connection. */
		if (sources[s].flag == VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_AGENT && b->read_only)
			continue;
		/* A source that is not there (no agent, no lease) is normal: try the next. */
		n = virDomainInterfaceAddresses(dom, &ifaces, sources[s].flag, 0);
		for (int i = 0; i < n; i++) {
			for (unsigned int a = 0; a < ifaces[i]->naddrs && n_out < 64; a++) {
				const virDomainIPAddress *ip = &ifaces[i]->addrs[a];
				bool seen = false;

				for (unsigned k = 0; k < n_out; k++)
					seen = seen || streq_ptr(out[k].address, ip->addr);
				if (!ip->addr || seen)
					continue;
				out = xrealloc(out, n_out + 1, sizeof(*out));
				out[n_out].address = xstrdup(ip->addr);
				out[n_out].source = sources[s].name;
				out[n_out].refused = hvc_address_refusal(ip->addr, ip->prefix);
				usable = usable || !out[n_out].refused;
				n_out++;
			}
			virDomainInterfaceFree(ifaces[i]);
		}
		free(ifaces);
	}
	virResetLastError();
	virDomainFree(dom);
	*ret = out;
	*ret_n = n_out;
	return 0;
}

/* The domain of g (by UUID, else name), or NULL with err set. */
static virDomainPtr lookup(
	struct libvirt_backend *lb, const struct hvc_guest *g, struct hvc_error *err)
{
	virDomainPtr dom = g->uuid[0] ? virDomainLookupByUUIDString(lb->conn, g->uuid)
				      : virDomainLookupByName(lb->conn, strna(g->name));
	if (!dom)
		hvc_error_set(err, last_error_is_no_domain() ? -ENOENT : -EIO,
			last_error_is_no_domain() ? "guest '%s': no longer defined: %s"
						  : "guest '%s': cannot look it up: %s",
			g->name ? g->name : g->uuid, last_error());
	return dom;
}

/*
 * virDomainShutdown: the hypervisor's default graceful method (QEMU: the ACPI
 * power button, or the guest agent; libxl: Xen's PV shutdown request);
 * virDomainReboot likewise; virDomainCreate starts the persistent definition
 * (the next-boot one, so a changed <cmdline> takes effect); virDomainDestroy
 * pulls the plug. None waits for the guest.
 */
static int libvirt_power(struct hvc_backend *b, const struct hvc_guest *g, enum hvc_power what,
	struct hvc_error *err)
{
	static const char *const doing[HVC_POWER_LAST] = {
		[HVC_POWER_SHUTDOWN] = "ask it to shut down",
		[HVC_POWER_START] = "start it",
		[HVC_POWER_REBOOT] = "ask it to reboot",
		[HVC_POWER_OFF] = "power it off",
	};
	struct libvirt_backend *lb = libvirt_backend_from_backend(b);
	virDomainPtr dom = lookup(lb, g, err);
	int r;

	if (!dom)
		return err ? err->code : -EIO;
	switch (what) {
	case HVC_POWER_SHUTDOWN:
		r = virDomainShutdown(dom);
		break;
	case HVC_POWER_START:
		r = virDomainCreate(dom);
		break;
	case HVC_POWER_REBOOT:
		r = virDomainReboot(dom, 0);
		break;
	case HVC_POWER_OFF:
		r = virDomainDestroy(dom);
		break;
	default:
		r = -1;
		break;
	}
	if (r < 0)
		r = hvc_error_set(err, -EIO, "guest '%s': cannot %s: %s", g->name,
			what < HVC_POWER_LAST ? doing[what] : "do that", last_error());
	virDomainFree(dom);
	return r < 0 ? r : 0;
}

static int libvirt_guest_state(struct hvc_backend *b, const struct hvc_guest *g,
	enum hvc_state *ret, struct hvc_error *err)
{
	struct libvirt_backend *lb = libvirt_backend_from_backend(b);
	virDomainPtr dom = lookup(lb, g, err);
	int state, reason, r = 0;

	if (!dom)
		return err ? err->code : -EIO;
	if (virDomainGetState(dom, &state, &reason, 0) < 0)
		r = hvc_error_set(
			err, -EIO, "guest '%s': cannot read its state: %s", g->name, last_error());
	else
		*ret = state_from_libvirt(state);
	virDomainFree(dom);
	return r;
}

/* A remote connection whose link or daemon went away answers 0 (or -1) from then on. */
static bool libvirt_alive(struct hvc_backend *b)
{
	return virConnectIsAlive(libvirt_backend_from_backend(b)->conn) == 1;
}

const struct hvc_backend_impl hvc_libvirt_backend_impl = {
	.name = "libvirt",
	.open = libvirt_open,
	.destroy = libvirt_destroy,
	.list_guests = libvirt_list_guests,
	.set_boot_cmdline = libvirt_set_boot_cmdline,
	.guest_addresses = libvirt_guest_addresses,
	.host = libvirt_host,
	.power = libvirt_power,
	.power_ops = 1u << HVC_POWER_SHUTDOWN | 1u << HVC_POWER_START | 1u << HVC_POWER_REBOOT |
		1u << HVC_POWER_OFF,
	.guest_state = libvirt_guest_state,
	.alive = libvirt_alive,
};
