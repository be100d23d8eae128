/* test-conffile.c: hvclock.conf parsing: values, per-guest sections, errors with file:line. */
#include <errno.h>
#include <stdio.h>
#include <unistd.h>

#include "core/conffile.h"
#include "tests/harness.h"

static void test_good(void)
{
	_cleanup_free_ char *path = hvc_test_data("conf/good.conf");
	struct hvc_config c;
	struct hvc_error err = { 0 };
	const struct hvc_guest_config *g;

	CHECK_INTEQ(hvc_config_load(path, true, &c, &err), 0);
	CHECK_STREQ(c.user, "admin");
	CHECK_STREQ(c.identity, "/root/.ssh/id_hvclock");
	CHECK_INTEQ(c.port, 2222);
	CHECK_INTEQ(c.agent, 0);
	CHECK_INTEQ(c.connect_timeout_s, 5);
	CHECK_INTEQ(c.command_timeout_s, 30);
	CHECK_INTEQ(c.guest_deadline_s, 90);
	CHECK_INTEQ(c.parallel, 8);
	g = hvc_config_guest(&c, "web1", "x");
	CHECK(g && streq(g->address, "10.0.0.5:2201") && streq(g->profile, "el6-kvm"));
	/* By UUID, case-insensitively. */
	g = hvc_config_guest(&c, "other", "4A1C6E2B-9F0D-4E57-8B3A-1C2D3E4F5001");
	CHECK(g && g->skip);
	CHECK(hvc_config_guest(&c, "nope", "nope") == NULL);
	/* restart: the guest's own key wins over [run]'s, which is the default for the others. */
	CHECK(hvc_config_restart_allowed(&c, "web1", "x"));
	CHECK(!hvc_config_restart_allowed(&c, "other", "4a1c6e2b-9f0d-4e57-8b3a-1c2d3e4f5001"));
	CHECK(!hvc_config_restart_allowed(&c, "nope", "nope"));
	hvc_config_finish(&c);
	/* Without any restart key every guest may be restarted. */
	CHECK_INTEQ(hvc_config_load("/nonexistent/hvclock.conf", false, &c, &err), 0);
	CHECK(hvc_config_restart_allowed(&c, "nope", "nope"));
	hvc_config_finish(&c);
}

static void test_missing(void)
{
	struct hvc_config c;
	struct hvc_error err = { 0 };

	/* The default file may be absent; an explicit one may not. */
	CHECK_INTEQ(hvc_config_load("/nonexistent/hvclock.conf", false, &c, &err), 0);
	hvc_config_finish(&c);
	CHECK(hvc_config_load("/nonexistent/hvclock.conf", true, &c, &err) < 0);
	CHECK(strstr(err.msg, "/nonexistent/hvclock.conf: cannot read configuration") != NULL);
}

struct bad {
	const char *text;
	int line;
	const char *phrase;
};

static const struct bad bad_cases[] = {
	{ "[ssh]\nuser = root\nfrobnicate = 1\n", 3, "unknown key 'frobnicate' in [ssh]" },
	/* The header's own line (profiles' rule; libinih named the first key's line). */
	{ "[shh]\nuser = root\n", 1, "unknown section [shh]" },
	/* The one INI reader (core/ini.c) has the stricter of the two files' rules: */
	{ "# c\n[shh]\n", 2, "unknown section [shh]" },
	{ "[ssh]\nuser = a\nuser = b\n", 3, "duplicate key 'user' in [ssh]" },
	{ "[guest:a]\nskip = yes\n[run]\nparallel = 2\n[guest:a]\nprofile = x\n", 5,
		"duplicate section [guest:a] (first at line 1)" },
	{ "[ssh]\nuser = root\n  admin\n", 3, "user takes one value" },
	{ "[ssh]\nagent = 1\n", 2, "invalid boolean '1' for agent" },
	{ "[ssh]\nagent = Yes\n", 2, "invalid boolean 'Yes' for agent" },
	{ "user = root\n", 1, "'user' is outside of any section" },
	{ "[ssh]\nuser =\n", 2, "key 'user' has no value" },
	{ "[ssh]\nport = 70000\n", 2, "invalid port '70000'" },
	{ "[ssh]\nport = 22x\n", 2, "invalid port" },
	{ "[ssh]\nagent = maybe\n", 2, "invalid boolean 'maybe'" },
	{ "[ssh]\nidentity = id_rsa\n", 2, "absolute path" },
	{ "[ssh]\nuser = root;rm\n", 2, "invalid user name" },
	{ "[ssh]\nconnect-timeout = 0\n", 2, "invalid connect-timeout" },
	{ "[run]\nparallel = 1000\n", 2, "invalid parallel" },
	{ "\n\n[guest:a]\naddress = host name\n", 4, "invalid address 'host name'" },
	{ "[guest:a]\naddress = -oProxyCommand=x\n", 2, "invalid address" },
	{ "[guest:a]\nprofile = EL6!\n", 2, "invalid profile name" },
	/* The stricter of the two name rules (profile.c's): no leading '-'. */
	{ "[guest:a]\nprofile = -el6\n", 2, "invalid profile name '-el6'" },
	{ "[guest:a]\nskip = sometimes\n", 2, "invalid boolean" },
	{ "[guest:a]\nrestart = later\n", 2, "invalid boolean" },
	{ "[guest:a]\ncolour = blue\n", 2, "unknown key 'colour' in [guest:a]" },
	{ "[ssh]\nuser\n", 2, "syntax error" },
	{ "[check]\noffset-warn = 0\n", 2, "invalid offset-warn '0' (seconds, 0.001-3600)" },
	{ "[check]\noffset-crit = 1e3\n", 2, "invalid offset-crit '1e3'" },
	{ "[check]\noffset-crit = -1\n", 2, "invalid offset-crit '-1'" },
	{ "[check]\nsymptoms-warn = many\n", 2,
		"invalid symptoms-warn 'many' (0-100000; 0: never)" },
	{ "[check]\noffset-warn = 2\n", 2, "offset-warn (2) is above offset-crit (1)" },
	{ "[check]\njitter = 1\n", 2, "unknown key 'jitter' in [check]" },
	{ "[host:h1]\nparallel = 2\n[run]\nparallel = 1\n", 1, "[host:h1] has no uri" },
	{ "[host:h1]\n", 1, "[host:h1] has no uri" },
	{ "[host:-x]\nuri = test:///default\n", 1, "invalid host name [host:-x]" },
	{ "[host:a/b]\nuri = test:///default\n", 1, "invalid host name" },
	{ "[host:h]\nuri = qemu+ssh://h/system x\n", 2, "invalid uri" },
	{ "[host:h]\nuri = /system\n", 2, "invalid uri '/system' (SCHEME:" },
	{ "[host:h]\nuri = test:///d\njump = maybe\n", 3,
		"invalid jump 'maybe' (yes, no or auto)" },
	{ "[host:h]\nuri = test:///d\nssh = -oProxyCommand=x\n", 3, "invalid ssh" },
	{ "[host:h]\nuri = test:///d\nssh = a;b@h\n", 3, "invalid user name in ssh" },
	{ "[host:h]\nuri = test:///d\nparallel = 0\n", 3, "invalid parallel '0'" },
	{ "[run]\nparallel-per-host = 300\n", 2, "invalid parallel '300'" },
	{ "[host:h]\nuri = test:///d\naddress = x\n", 3, "unknown key 'address' in [host:h]" },
};

static void test_bad(void)
{
	char path[] = "/tmp/hvclock-conf-XXXXXX";
	int fd = mkstemp(path);

	CHECK(fd >= 0);
	close(fd);
	for (size_t i = 0; i < ELEMENTSOF(bad_cases); i++) {
		struct hvc_config c;
		struct hvc_error err = { 0 };
		_cleanup_free_ char *prefix = xasprintf("%s:%d: ", path, bad_cases[i].line);
		FILE *f = fopen(path, "we");
		bool ok;

		fputs(bad_cases[i].text, f);
		fclose(f);
		ok = hvc_config_load(path, true, &c, &err) == -EINVAL &&
			strncmp(err.msg, prefix, strlen(prefix)) == 0 &&
			strstr(err.msg, bad_cases[i].phrase) != NULL;
		if (!ok)
			printf("# case %zu: got \"%s\"\n", i, err.msg);
		hvc_test_report(bad_cases[i].phrase, ok);
	}
	unlink(path);
}

/* [check]: the defaults (0.1 s, 1 s, 1 symptom, never critical), and each key. */
static void test_check_thresholds(void)
{
	char path[] = "/tmp/hvclock-conf-XXXXXX";
	int fd = mkstemp(path);
	struct hvc_config c;
	struct hvc_error err = { 0 };
	FILE *f;

	CHECK(fd >= 0);
	close(fd);
	CHECK_INTEQ(hvc_config_load("/nonexistent/hvclock.conf", false, &c, &err), 0);
	CHECK(c.check.offset_warn_s == 0.1 && c.check.offset_crit_s == 1.0);
	CHECK_INTEQ(c.check.symptoms_warn, 1);
	CHECK_INTEQ(c.check.symptoms_crit, 0);
	hvc_config_finish(&c);
	f = fopen(path, "we");
	fputs("[check]\noffset-warn = 0.25\noffset-crit = 2.5\nsymptoms-warn = 0\n"
	      "symptoms-crit = 3\n",
		f);
	fclose(f);
	CHECK_INTEQ(hvc_config_load(path, true, &c, &err), 0);
	CHECK(c.check.offset_warn_s == 0.25 && c.check.offset_crit_s == 2.5);
	CHECK_INTEQ(c.check.symptoms_warn, 0);
	CHECK_INTEQ(c.check.symptoms_crit, 3);
	hvc_config_finish(&c);
	unlink(path);
}

static void test_addresses(void)
{
	static const struct {
		const char *in, *host;
		unsigned port;
	} good[] = {
		{ "10.0.0.5", "10.0.0.5", 0 },
		{ "10.0.0.5:2201", "10.0.0.5", 2201 },
		{ "guest.example", "guest.example", 0 },
		{ "[fd00::5]:22", "fd00::5", 22 },
		{ "fd00::5", "fd00::5", 0 },
	};
	static const char *const bad[] = { "", ":22", "a b", "host:0", "host:99999", "[fd00::5",
		"-oProxyCommand=x", "h;rm", "h`x`", "[::1]x" };

	for (size_t i = 0; i < ELEMENTSOF(good); i++) {
		char *host = NULL;
		unsigned port = 99;
		CHECK_INTEQ(hvc_parse_address(good[i].in, &host, &port), 0);
		CHECK_STREQ(host, good[i].host);
		CHECK_INTEQ(port, good[i].port);
		free(host);
	}
	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		char *host = NULL;
		unsigned port;
		if (hvc_parse_address(bad[i], &host, &port) != -EINVAL) {
			printf("# accepted bad address \"%s\"\n", bad[i]);
			hvc_test_case_failed = 1;
		}
		free(host);
	}
}

/* [host:NAME] sections in file order; ssh = split into user and address; [run] parallel-per-host. */
static void test_hosts(void)
{
	char path[] = "/tmp/hvclock-conf-XXXXXX";
	int fd = mkstemp(path);
	struct hvc_config c;
	struct hvc_error err = { 0 };
	const struct hvc_host_config *h;
	FILE *f;

	CHECK(fd >= 0);
	close(fd);
	f = fopen(path, "we");
	fputs("[run]\nparallel-per-host = 4\n"
	      "[host:kvm-02.example]\nuri = qemu+ssh://root@kvm-02/system?no_tty=1\n"
	      "jump = auto\nssh = admin@10.0.0.2:2222\n"
	      "[host:kvm-01]\nuri = test:///default\nparallel = 2\njump = no\n"
	      "[host:xen1]\nuri = xen+ssh://xen1/system\njump = yes\nssh = [fd00::1]\n",
		f);
	fclose(f);
	CHECK_INTEQ(hvc_config_load(path, true, &c, &err), 0);
	CHECK_INTEQ(c.parallel_per_host, 4);
	CHECK_INTEQ(c.n_hosts, 3);
	CHECK_STREQ(c.hosts[0].name, "kvm-02.example");
	CHECK_STREQ(c.hosts[0].uri, "qemu+ssh://root@kvm-02/system?no_tty=1");
	CHECK_INTEQ(c.hosts[0].jump, HVC_JUMP_AUTO);
	CHECK_STREQ(c.hosts[0].ssh_user, "admin");
	CHECK_STREQ(c.hosts[0].ssh_address, "10.0.0.2:2222");
	CHECK_INTEQ(c.hosts[0].parallel, 0);
	h = hvc_config_host(&c, "kvm-01");
	CHECK(h && streq(h->uri, "test:///default") && h->parallel == 2 && h->jump == HVC_JUMP_NO);
	CHECK(h && !h->ssh_user && !h->ssh_address);
	h = hvc_config_host(&c, "xen1");
	CHECK(h && h->jump == HVC_JUMP_YES && !h->ssh_user && streq(h->ssh_address, "[fd00::1]"));
	CHECK(hvc_config_host(&c, "kvm-03") == NULL);
	hvc_config_finish(&c);
	unlink(path);
}

int main(void)
{
	static const struct hvc_test tests[] = {
		HVC_TEST(test_good),
		HVC_TEST(test_missing),
		HVC_TEST(test_bad),
		HVC_TEST(test_addresses),
		HVC_TEST(test_check_thresholds),
		HVC_TEST(test_hosts),
	};
	return hvc_test_run(tests, ELEMENTSOF(tests));
}
