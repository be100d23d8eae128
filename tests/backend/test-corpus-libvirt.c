/*
 * test-corpus-libvirt.c: every domain XML of ../shared/corpus/libvirt-xml (libvirt 9.0.0's own
 * test data) through hvclock's parse + edit (backends/libvirt/libvirt-xml.c: the calls the libvirt
 * backend makes), judged independently with libxml2:
 *
 *  - schema: libvirt's /usr/share/libvirt/schemas/domain.rng (what virt-xml-validate and
 *    virDomainDefineXMLFlags(VIR_DOMAIN_DEFINE_VALIDATE), which hvclock uses, check), loaded once
 *    and validated in-process with libxml2's RelaxNG: one xmllint process per file would cost a
 *    schema load each (~0.3 s), one xmllint for all files gives no per-file verdict on the output.
 *  - with <os><kernel>: the edit (clocksource=jiffies, as the profiles set it) must succeed; after
 *    removing /domain/os/cmdline and hvclock's <metadata> record (and whitespace-only text) from
 *    both, their C14N forms are the same; the output carries the planned <cmdline>, is
 *    schema-valid, and editing it again changes nothing; the rollback edit gives the input's
 *    meaning back (same C14N, without the record).
 *  - a Xen <bootloader>, or a Xen PV guest with neither <kernel> nor <bootloader> (libvirt's libxl
 *    driver boots it with pygrub, which appends the <cmdline>): edited and checked the same way.
 *  - without <kernel> otherwise: the edit is refused (-EINVAL), nothing written.
 *  - schema-invalid input (libvirt's negative tests; libvirt refuses them too): counted apart;
 *    hvclock refuses it or its output is still schema-invalid (so libvirt refuses the define); never
 *    a crash (ASan/UBSan run this test).
 */
#include <dirent.h>
#include <errno.h>
#include <glob.h>
#include <time.h>
#include <unistd.h>

#include <libxml/c14n.h>
#include <libxml/parser.h>
#include <libxml/relaxng.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>

#include "backends/libvirt/libvirt-xml.h"
#include "core/cmdline.h"
#include "core/guest.h"
#include "core/util.h"
#include "tests/harness.h"

#define DOMAIN_RNG "/usr/share/libvirt/schemas/domain.rng"

static xmlRelaxNGPtr schema;

static void quiet_errors(void *ctx, const char *msg, ...)
{
}

static void quiet_structured(void *ctx, const xmlError *e)
{
}

static xmlDocPtr read_doc(const char *text)
{
	return xmlReadMemory(text, (int)strlen(text), "domain.xml", NULL,
		XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
}

static bool schema_valid(xmlDocPtr doc)
{
	xmlRelaxNGValidCtxtPtr v = xmlRelaxNGNewValidCtxt(schema);
	int r;

	xmlRelaxNGSetValidStructuredErrors(v, (xmlStructuredErrorFunc)quiet_structured, NULL);
	r = xmlRelaxNGValidateDoc(v, doc);
	xmlRelaxNGFreeValidCtxt(v);
	return r == 0;
}

static xmlNodePtr first_node(xmlDocPtr doc, const char *xpath)
{
	xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
	xmlXPathObjectPtr o;
	xmlNodePtr n = NULL;

	xmlXPathRegisterNs(ctx, BAD_CAST "h", BAD_CAST HVC_LIBVIRT_XML_NS);
	o = xmlXPathEvalExpression(BAD_CAST xpath, ctx);
	if (o && o->nodesetval && o->nodesetval->nodeNr > 0)
		n = o->nodesetval->nodeTab[0];
	xmlXPathFreeObject(o);
	xmlXPathFreeContext(ctx);
	return n;
}

/* A node's text, "" for none (caller frees). */
static char *node_text(xmlNodePtr n)
{
	xmlChar *c = n ? xmlNodeGetContent(n) : NULL;
	char *s = xstrdup(c ? (const char *)c : "");
	xmlFree(c);
	return s;
}

static void drop_blank_text(xmlNodePtr n)
{
	xmlNodePtr c = n->children, next;

	for (; c; c = next) {
		next = c->next;
		if (c->type == XML_TEXT_NODE && xmlIsBlankNode(c)) {
			xmlUnlinkNode(c);
			xmlFreeNode(c);
		} else if (c->type == XML_ELEMENT_NODE) {
			drop_blank_text(c);
		}
	}
}

/*
 * The document's C14N without /domain/os/cmdline, hvclock's record, a <metadata> left empty, and
 * blank text. NULL if it does not parse.
 */
static char *c14n_without_ours(const char *text)
{
	xmlDocPtr doc = read_doc(text);
	xmlNodePtr n;
	xmlChar *out = NULL;
	char *s = NULL;

	if (!doc)
		return NULL;
	while ((n = first_node(doc, "/domain/os/cmdline"))) {
		xmlUnlinkNode(n);
		xmlFreeNode(n);
	}
	while ((n = first_node(doc, "/domain/metadata/h:state"))) {
		xmlUnlinkNode(n);
		xmlFreeNode(n);
	}
	n = first_node(doc, "/domain/metadata");
	if (n && !first_node(doc, "/domain/metadata/*")) {
		xmlUnlinkNode(n);
		xmlFreeNode(n);
	}
	drop_blank_text(xmlDocGetRootElement(doc));
	if (xmlC14NDocDumpMemory(doc, NULL, XML_C14N_1_0, NULL, 0, &out) >= 0 && out)
		s = xstrdup((const char *)out);
	xmlFree(out);
	xmlFreeDoc(doc);
	return s;
}

static char *const set_jiffies[] = { "clocksource=jiffies", NULL };

struct counts {
	int edited, refused, invalid, failed;
};

/* One file: NULL when right, else what is wrong; *what: its category. */
static char *check_file(const char *text, struct counts *n, char **what)
{
	xmlDocPtr in = read_doc(text), od = NULL;
	struct hvc_guest *g = hvc_guest_new();
	struct hvc_error err = { 0 };
	struct hvc_record rec = { 0 };
	_cleanup_free_ char *newline = NULL, *out = NULL, *again = NULL, *back = NULL, *ca = NULL,
			    *cb = NULL, *got = NULL;
	bool valid, has_kernel, has_bootloader, pygrub, changed = false;
	char *why = NULL;
	int r;

	valid = in && schema_valid(in);
	has_kernel = in && first_node(in, "/domain/os/kernel");
	has_bootloader = in && first_node(in, "/domain[@type='xen']/bootloader[normalize-space()]");
	/*
	 * libvirt's libxl driver gives a Xen PV guest (<type>linux</type> or xen) with neither
	 * <kernel> nor <bootloader> the bootloader pygrub (issue 11 item 2): a <cmdline> reaches it.
	 */
	pygrub = in && !has_kernel && !has_bootloader &&
		first_node(in,
			"/domain[@type='xen']/os/type[normalize-space()='linux' or "
			"normalize-space()='xen']");
	has_bootloader = has_bootloader || pygrub;

	r = hvc_libvirt_xml_parse(text, g, &err);
	if (!valid) {
		/* libvirt refuses it (schema or XML); hvclock must refuse it or hand libvirt no valid one. */
		n->invalid++;
		*what = xstrdup("invalid input (libvirt's schema rejects it)");
		if (r < 0) {
			printf("# hvclock: %s\n", err.msg);
			goto out;
		}
		newline = hvc_cmdline_edit(
			g->has_cmdline ? g->cmdline : "", set_jiffies, NULL, &changed, NULL);
		hvc_error_clear(&err);
		r = hvc_libvirt_xml_set_cmdline(
			text, g->has_cmdline ? g->cmdline : NULL, newline, NULL, &out, &err);
		if (r < 0) {
			printf("# hvclock: %s\n", err.msg);
			goto out;
		}
		od = read_doc(out);
		if (od && schema_valid(od))
			why = xstrdup("schema-invalid input, but hvclock's output is schema-valid");
		else
			printf("# the output stays schema-invalid: libvirt refuses the define "
			       "(VIR_DOMAIN_DEFINE_VALIDATE)\n");
		goto out;
	}
	if (r < 0) {
		why = xasprintf("schema-valid, but hvclock cannot read it: %s", err.msg);
		goto out;
	}
	{
		_cleanup_free_ char *c = node_text(first_node(in, "/domain/os/cmdline"));
		if (!streq(c, g->has_cmdline ? g->cmdline : "")) {
			why = xasprintf("hvclock reads the command line '%s', the XML has '%s'",
				strna(g->cmdline), c);
			goto out;
		}
	}
	newline = hvc_cmdline_edit(
		g->has_cmdline ? g->cmdline : "", set_jiffies, NULL, &changed, NULL);
	rec.cmdline_changed = true;
	rec.had_cmdline = g->has_cmdline;
	rec.old_cmdline = g->has_cmdline ? g->cmdline : NULL;
	rec.new_cmdline = newline;
	rec.profile = (char *)"xen-wa1";
	rec.time = (char *)"2026-01-01T00:00:00Z";
	r = hvc_libvirt_xml_set_cmdline(
		text, g->has_cmdline ? g->cmdline : NULL, newline, &rec, &out, &err);
	if (!has_kernel && !has_bootloader) {
		if (r != -EINVAL)
			why = xasprintf("no <kernel>: the edit must be refused, got %d", r);
		else
			printf("# %s\n", err.msg);
		*what = xstrdup("refused (no <kernel>)");
		n->refused++;
		goto out;
	}
	if (r < 0) {
		why = xasprintf("has %s, but the edit is refused: %s",
			has_kernel ? "<kernel>"
				: pygrub
				? "no <kernel> nor <bootloader> (Xen PV: libvirt boots pygrub)"
				: "<bootloader>",
			err.msg);
		goto out;
	}
	od = read_doc(out);
	if (!od) {
		why = xstrdup("the output is not well-formed XML");
		goto out;
	}
	if (!schema_valid(od)) {
		why = xstrdup("schema-valid input, schema-invalid output");
		goto out;
	}
	got = node_text(first_node(od, "/domain/os/cmdline"));
	if (!streq(got, newline)) {
		why = xasprintf("<cmdline> is '%s', the plan said '%s'", got, newline);
		goto out;
	}
	if (!first_node(od, "/domain/metadata/h:state")) {
		why = xstrdup("no hvclock record in <metadata>");
		goto out;
	}
	ca = c14n_without_ours(text);
	cb = c14n_without_ours(out);
	if (!ca || !cb || !streq(ca, cb)) {
		why = xstrdup("after C14N more than <cmdline> and hvclock's record differ");
		goto out;
	}
	if (hvc_libvirt_xml_set_cmdline(out, newline, newline, &rec, &again, &err) < 0 ||
		!streq(again, out)) {
		why = xasprintf("editing again %s", again ? "changed the XML" : err.msg);
		goto out;
	}
	/* Rollback: the old line back, the record gone: the input's meaning again. */
	if (hvc_libvirt_xml_set_cmdline(
		    out, newline, g->has_cmdline ? g->cmdline : NULL, NULL, &back, &err) < 0) {
		why = xasprintf("the rollback edit is refused: %s", err.msg);
		goto out;
	}
	{
		_cleanup_free_ char *cr = c14n_without_ours(back);
		_cleanup_free_ char *c0 = node_text(first_node(in, "/domain/os/cmdline"));
		xmlDocPtr bd = read_doc(back);
		_cleanup_free_ char *c1 =
			node_text(bd ? first_node(bd, "/domain/os/cmdline") : NULL);
		bool rec_left = bd && first_node(bd, "/domain/metadata/h:state");

		if (bd)
			xmlFreeDoc(bd);
		if (!cr || !streq(cr, ca) || !streq(c0, c1) || rec_left)
			why = xstrdup("the rollback does not give back the input");
	}
	if (!why) {
		*what = xasprintf("edited (%s)",
			has_kernel       ? "<kernel>"
				: pygrub ? "Xen PV: libvirt's default pygrub"
					 : "<bootloader>");
		n->edited++;
	}
out:
	if (why)
		n->failed++;
	if (od)
		xmlFreeDoc(od);
	if (in)
		xmlFreeDoc(in);
	hvc_guest_free(g);
	hvc_error_clear(&err);
	return why;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(void)
{
	static const char *const sets[] = { "domainschemadata", "libxlxml2domconfigdata",
		"qemuxml2argvdata", "xlconfigdata", NULL };
	const char *dir = getenv("HVC_CORPUS_DIR");
	/* HVC_DOMAIN_RNG: another schema path, for the test of this test (tests/backend/corpus-guard.sh). */
	const char *rng = getenv("HVC_DOMAIN_RNG") ? getenv("HVC_DOMAIN_RNG") : DOMAIN_RNG;
	_cleanup_strv_free_ char **files = NULL;
	struct counts n = { 0 };
	size_t checked = 0;
	struct timespec t0, t1;
	xmlRelaxNGParserCtxtPtr pc;
	_cleanup_free_ char *top = NULL;
	DIR *d;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (!dir)
		return hvc_test_skip_all("HVC_CORPUS_DIR is not set");
	top = xasprintf("%s/libvirt-xml", dir);
	d = opendir(top);
	if (!d) {
		_cleanup_free_ char *reason =
			xasprintf("no corpus at %s: %s", top, strerror(errno));
		return hvc_test_skip_all(reason);
	}
	closedir(d);
	/* The corpus is there: judging it without libvirt's schema is a failure, not a skip. */
	if (access(rng, R_OK) < 0) {
		printf("1..1\nnot ok 1 - no %s: %s (Debian package libvirt0, which scripts/deps.sh "
		       "installs with libvirt-dev)\n",
			rng, strerror(errno));
		return 1;
	}
	xmlSetGenericErrorFunc(NULL, quiet_errors);
	pc = xmlRelaxNGNewParserCtxt(rng);
	schema = xmlRelaxNGParse(pc);
	xmlRelaxNGFreeParserCtxt(pc);
	if (!schema) {
		printf("1..1\nnot ok 1 - cannot load %s\n", rng);
		return 1;
	}

	for (const char *const *s = sets; *s; s++) {
		_cleanup_free_ char *sub = xasprintf("%s/%s", top, *s);
		struct dirent *de;

		d = opendir(sub);
		if (!d)
			continue;
		while ((de = readdir(d))) {
			size_t l = strlen(de->d_name);
			if (l > 4 && streq(de->d_name + l - 4, ".xml"))
				strv_consume(&files, xasprintf("%s/%s", *s, de->d_name));
		}
		closedir(d);
	}
	if (files)
		qsort(files, strv_length(files), sizeof(char *), cmp_names);

	STRV_FOREACH (f, files) {
		_cleanup_free_ char *path = xasprintf("%s/%s", top, *f);
		_cleanup_free_ char *text = hvc_test_read_file(path);
		_cleanup_free_ char *what = NULL, *why = NULL;

		if (!text) {
			printf("# %s: cannot read: %s\n", path, strerror(errno));
			hvc_test_report(*f, false);
			n.failed++;
			continue;
		}
		why = check_file(text, &n, &what);
		hvc_test_report_file(*f, what, why);
		checked++;
	}
	/* Every domain XML the corpus holds was checked (a set not listed above fails), some. */
	{
		_cleanup_free_ char *pattern = xasprintf("%s/*/*.xml", top);
		hvc_test_report_all_checked(checked, pattern);
	}
	xmlRelaxNGFree(schema);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("# libvirt-xml corpus: %zu files: %d edited, %d refused-with-reason, %d "
	       "invalid-input, "
	       "%d failures (%.1f s)\n",
		strv_length(files), n.edited, n.refused, n.invalid, n.failed,
		(double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	return hvc_test_finish();
}
