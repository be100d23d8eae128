/* libvirt-xml.c: read and edit libvirt domain XML with libxml2, never by string edits. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlreader.h>
#include <libxml/xmlsave.h>
#include <libxml/xmlstring.h>

#include "backends/libvirt/libvirt-xml.h"

#define CMDLINE_LOCATION "domain XML <os><cmdline>"

static void xml_doc_freep(xmlDocPtr *p)
{
	if (*p)
		xmlFreeDoc(*p);
}

static void xml_charp_freep(xmlChar **p)
{
	if (*p)
		xmlFree(*p);
}

#define _cleanup_xml_doc_ _cleanup_(xml_doc_freep)
#define _cleanup_xml_free_ _cleanup_(xml_charp_freep)

#define BAD_CAST_STR(s) ((const xmlChar *)(s))

/* Trailing newline and spaces of a libxml2 message. */
static void chomp(char *s)
{
	size_t n = strlen(s);
	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == ' '))
		s[--n] = '\0';
}

/*
 * Parse xml into a document whose root is <domain>. No network, no entity
 * expansion, nothing printed: libxml2's complaint comes back in err.
 */
static int parse_domain_doc(const char *xml, xmlDocPtr *ret_doc, struct hvc_error *err)
{
	xmlParserCtxtPtr ctxt;
	xmlDocPtr doc;
	xmlNodePtr root;
	int len;

	if (!xml)
		return hvc_error_set(err, -EINVAL, "cannot parse domain XML: no XML given");
	if (strlen(xml) > INT_MAX)
		return hvc_error_set(err, -EINVAL, "cannot parse domain XML: too large");
	len = (int)strlen(xml);

	ctxt = xmlNewParserCtxt();
	if (!ctxt)
		return hvc_error_set(err, -ENOMEM, "cannot parse domain XML: out of memory");
	doc = xmlCtxtReadMemory(ctxt, xml, len, "domain.xml", NULL,
		XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (!doc) {
		const xmlError *e = xmlCtxtGetLastError(ctxt);
		int line = e ? e->line : 0;
		char msg[512];

		snprintf(msg, sizeof(msg), "%s", e && e->message ? e->message : "unknown error");
		chomp(msg);
		xmlFreeParserCtxt(ctxt);
		if (line > 0)
			return hvc_error_set(
				err, -EINVAL, "cannot parse domain XML: line %d: %s", line, msg);
		return hvc_error_set(err, -EINVAL, "cannot parse domain XML: %s", msg);
	}
	xmlFreeParserCtxt(ctxt);

	root = xmlDocGetRootElement(doc);
	if (!root || root->ns || !xmlStrEqual(root->name, BAD_CAST_STR("domain"))) {
		xmlFreeDoc(doc);
		return hvc_error_set(
			err, -EINVAL, "cannot parse domain XML: the root element is not <domain>");
	}
	*ret_doc = doc;
	return 0;
}

/* node is the element name[0..len) in namespace ns (NULL: in none). */
static bool is_element(xmlNodePtr node, const xmlChar *ns, const char *name, size_t len)
{
	if (node->type != XML_ELEMENT_NODE || strlen((const char *)node->name) != len ||
		memcmp(node->name, name, len) != 0)
		return false;
	return ns ? node->ns && node->ns->href && xmlStrEqual(node->ns->href, ns) : !node->ns;
}

/*
 * The first node path selects below from, in document order, as the XPath of
 * the same text would, without an XPath context (the listing reads every
 * domain's XML: a context and an evaluation per lookup cost more than the
 * parse itself). path: element names separated by '/' ("os/type";
 * "hvclock:state", "libosinfo:os" with those two prefixes; no prefix: no
 * namespace); the last step may be "@NAME" (an attribute without namespace);
 * a leading '/' starts at the document. Borrowed.
 */
static xmlNodePtr path_node(xmlDocPtr doc, xmlNodePtr from, const char *path)
{
	const char *step = path, *slash, *colon, *name;
	const xmlChar *ns = NULL;
	size_t len;

	if (*path == '/') {
		from = (xmlNodePtr)doc;
		step = path + 1;
	}
	if (!from)
		return NULL;
	if (*step == '@') {
		for (xmlAttrPtr a = from->type == XML_ELEMENT_NODE ? from->properties : NULL; a;
			a = a->next)
			if (!a->ns && xmlStrEqual(a->name, BAD_CAST_STR(step + 1)))
				return (xmlNodePtr)a;
		return NULL;
	}
	slash = strchr(step, '/');
	len = slash ? (size_t)(slash - step) : strlen(step);
	colon = memchr(step, ':', len);
	name = step;
	if (colon) {
		size_t plen = (size_t)(colon - step);

		if (plen == strlen(HVC_LIBVIRT_XML_NS_PREFIX) &&
			memcmp(step, HVC_LIBVIRT_XML_NS_PREFIX, plen) == 0)
			ns = BAD_CAST_STR(HVC_LIBVIRT_XML_NS);
		else if (plen == strlen("libosinfo") && memcmp(step, "libosinfo", plen) == 0)
			ns = BAD_CAST_STR(HVC_LIBOSINFO_XML_NS);
		else
			abort(); /* a path in this file with an unknown prefix */
		name = colon + 1;
		len -= plen + 1;
	}
	for (xmlNodePtr c = from->children; c; c = c->next) {
		xmlNodePtr found;

		if (!is_element(c, ns, name, len))
			continue;
		if (!slash)
			return c;
		found = path_node(doc, c, slash + 1);
		if (found)
			return found;
	}
	return NULL;
}

/* The text content of node, or NULL. */
static char *node_text(xmlNodePtr node)
{
	_cleanup_xml_free_ xmlChar *c = NULL;

	if (!node)
		return NULL;
	c = xmlNodeGetContent(node);
	return xstrdup(c ? (const char *)c : "");
}

/* The text of the first node path_node() finds; NULL when there is none or it is empty. */
static char *path_text(xmlDocPtr doc, xmlNodePtr from, const char *path)
{
	char *s = node_text(path_node(doc, from, path));

	if (s && !*s) {
		free(s);
		return NULL;
	}
	return s;
}

static char *attr_text(xmlNodePtr node, const char *name)
{
	_cleanup_xml_free_ xmlChar *v = NULL;

	if (!node)
		return NULL;
	v = xmlGetNoNsProp(node, BAD_CAST_STR(name));
	return v ? xstrdup((const char *)v) : NULL;
}

static bool attr_bool(xmlNodePtr node, const char *name)
{
	_cleanup_free_ char *v = attr_text(node, name);

	return v && (streq(v, "yes") || streq(v, "true") || streq(v, "1"));
}

/* "" and NULL both mean "no cmdline": libvirt does not keep an empty <cmdline/>. */
static const char *norm_cmdline(const char *s)
{
	return s && *s ? s : NULL;
}

/*
 * Hypervisor and guest type from <domain type> and <os><type>.
 *
 * The libvirt test driver (domain type 'test') has no Xen/KVM flavour of its
 * own, so the test fleets (tests/data/libvirt, the README demo fleet) model
 * Xen guests through the os type: 'xen' or 'linux' = Xen PV, 'xenpvh' = Xen
 * PVH, and 'hvm' = a KVM guest (Xen HVM cannot be expressed there).
 */
static void classify(const char *domtype, const char *ostype, enum hvc_hypervisor *ret_hv,
	enum hvc_guest_type *ret_type)
{
	enum hvc_hypervisor hv = HVC_HYPERVISOR_UNKNOWN;
	enum hvc_guest_type t = HVC_GUEST_TYPE_UNKNOWN;
	bool pv = ostype && (streq(ostype, "xen") || streq(ostype, "linux"));
	bool pvh = ostype && streq(ostype, "xenpvh");
	bool hvm = ostype && streq(ostype, "hvm");

	if (domtype && (streq(domtype, "kvm") || streq(domtype, "qemu"))) {
		hv = HVC_HYPERVISOR_KVM;
		t = HVC_GUEST_TYPE_KVM;
	} else if (domtype && streq(domtype, "xen")) {
		hv = HVC_HYPERVISOR_XEN;
		if (pv)
			t = HVC_GUEST_TYPE_PV;
		else if (pvh)
			t = HVC_GUEST_TYPE_PVH;
		else if (hvm)
			t = HVC_GUEST_TYPE_HVM;
	} else if (domtype && streq(domtype, "test")) {
		if (pv || pvh) {
			hv = HVC_HYPERVISOR_XEN;
			t = pv ? HVC_GUEST_TYPE_PV : HVC_GUEST_TYPE_PVH;
		} else if (hvm) {
			hv = HVC_HYPERVISOR_KVM;
			t = HVC_GUEST_TYPE_KVM;
		}
	}
	*ret_hv = hv;
	*ret_type = t;
}

static const char *path_basename(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

/* pv-grub / pvgrub / PvhGrub / grub-x86_64-xen.bin: a GRUB image, not a Linux kernel. */
static bool kernel_is_grub(const char *path)
{
	return strcasestr(path_basename(path), "grub") != NULL;
}

/* Xen PV and PVH: the guests that boot a host-held kernel, a pvgrub image or pygrub. */
static bool is_xen_pv_like(enum hvc_hypervisor hv, enum hvc_guest_type t)
{
	return hv == HVC_HYPERVISOR_XEN && (t == HVC_GUEST_TYPE_PV || t == HVC_GUEST_TYPE_PVH);
}

/* The boot loader libvirt's libxl driver runs for a Xen PV guest without one (LIBXL_BOOTLOADER_PATH). */
#define LIBXL_DEFAULT_BOOTLOADER "pygrub"

/*
 * The host boot loader a Xen guest runs, as libvirt's libxl driver decides it
 * (libxlMakeDomBuildInfo(), src/libxl/libxl_conf.c, libvirt 9.0.0): PV and PVH
 * run <bootloader> when given; a PV guest (os type xen/linux) with neither
 * <bootloader> nor <kernel> gets pygrub ("for compatibility with the legacy xen
 * toolstack"); PVH and HVM get no default. Empty elements count as absent
 * (virXPathString()). *ret_default is set when the result is that default.
 * NULL: no host boot loader.
 */
static const char *xen_bootloader(enum hvc_hypervisor hv, enum hvc_guest_type t, const char *kernel,
	const char *bootloader, bool *ret_default)
{
	*ret_default = false;
	if (!is_xen_pv_like(hv, t))
		return NULL;
	if (bootloader && *bootloader)
		return bootloader;
	if (t == HVC_GUEST_TYPE_PV && !(kernel && *kernel)) {
		*ret_default = true;
		return LIBXL_DEFAULT_BOOTLOADER;
	}
	return NULL;
}

static void parse_record(xmlDocPtr doc, xmlNodePtr state, struct hvc_record *rec)
{
	xmlNodePtr n;
	_cleanup_free_ char *port = NULL;

	hvc_record_finish(rec);
	rec->profile = attr_text(state, "profile");
	rec->time = attr_text(state, "time");
	rec->cmdline_changed = attr_bool(state, "cmdline-changed");
	rec->had_cmdline = attr_bool(state, "had-cmdline");
	/* An element that is present but empty is an empty cmdline, absent is none. */
	rec->old_cmdline = node_text(path_node(doc, state, "hvclock:old-cmdline"));
	rec->new_cmdline = node_text(path_node(doc, state, "hvclock:new-cmdline"));
	n = path_node(doc, state, "hvclock:address");
	if (n) {
		rec->address = attr_text(n, "host");
		port = attr_text(n, "port");
		if (port) {
			char *end;
			long v = strtol(port, &end, 10);
			/* A port that is not a port is ignored (default port), not fatal. */
			if (*port && !*end && v > 0 && v <= 65535)
				rec->port = (int)v;
		}
	}
}

int hvc_libvirt_xml_parse(const char *xml, struct hvc_guest *g, struct hvc_error *err)
{
	_cleanup_xml_doc_ xmlDocPtr doc = NULL;
	_cleanup_free_ char *uuid = NULL, *domtype = NULL, *ostype = NULL, *kernel = NULL,
			    *bootloader = NULL, *loader = NULL, *name = NULL;
	const char *hostbl;
	bool bl_default;
	xmlNodePtr state;
	int r;

	r = parse_domain_doc(xml, &doc, err);
	if (r < 0)
		return r;

	name = path_text(doc, NULL, "/domain/name");
	if (name) {
		free(g->name);
		g->name = TAKE_PTR(name);
	}
	uuid = path_text(doc, NULL, "/domain/uuid");
	if (uuid && strlen(uuid) < sizeof(g->uuid))
		snprintf(g->uuid, sizeof(g->uuid), "%s", uuid);

	if (!path_node(doc, NULL, "/domain/os") || !path_node(doc, NULL, "/domain/os/type"))
		return hvc_error_set(err, -EINVAL, "domain XML has no <os> element");

	domtype = attr_text(xmlDocGetRootElement(doc), "type");
	ostype = path_text(doc, NULL, "/domain/os/type");
	classify(domtype, ostype, &g->hypervisor, &g->type);

	kernel = path_text(doc, NULL, "/domain/os/kernel");
	bootloader = path_text(doc, NULL, "/domain/bootloader");
	free(g->kernel);
	g->kernel = NULL;
	free(g->boot_detail);
	if (kernel && is_xen_pv_like(g->hypervisor, g->type) && kernel_is_grub(kernel)) {
		g->boot = HVC_BOOT_PVGRUB;
		g->boot_detail = xasprintf("pvgrub %s", kernel);
	} else if (kernel) {
		g->boot = HVC_BOOT_DIRECT_KERNEL;
		g->boot_detail = xasprintf("kernel %s", kernel);
		g->kernel = TAKE_PTR(kernel);
	} else if ((hostbl = xen_bootloader(
			    g->hypervisor, g->type, kernel, bootloader, &bl_default))) {
		g->boot = HVC_BOOT_BOOTLOADER;
		g->boot_detail = bl_default
			? xstrdup("bootloader pygrub (libvirt's default for a Xen "
				  "PV guest without <kernel> or <bootloader>)")
			: xasprintf("bootloader %s", path_basename(hostbl));
	} else {
		/* Includes a <bootloader> on HVM/KVM, which libvirt does not run. */
		loader = path_text(doc, NULL, "/domain/os/loader");
		g->boot = HVC_BOOT_FIRMWARE;
		g->boot_detail = loader ? xasprintf("firmware %s", loader) : xstrdup("firmware");
	}

	free(g->cmdline);
	g->cmdline = path_text(doc, NULL, "/domain/os/cmdline");
	g->has_cmdline = g->cmdline != NULL;
	free_and_strdup(&g->cmdline_location, CMDLINE_LOCATION);
	/* libvirt's libxl driver rebuilds a Xen domain on reboot (libxlDomainCleanup() drops the transient definition; measured in tests/e2e/xen); QEMU does not. */
	g->reboot_applies = g->hypervisor == HVC_HYPERVISOR_XEN;

	free(g->os_id);
	g->os_id = path_text(doc, NULL, "/domain/metadata/libosinfo:libosinfo/libosinfo:os/@id");
	free(g->arch);
	g->arch = path_text(doc, NULL, "/domain/os/type/@arch");

	state = path_node(doc, NULL, "/domain/metadata/hvclock:state");
	g->has_record = state != NULL;
	if (state)
		parse_record(doc, state, &g->record);
	else
		hvc_record_finish(&g->record);
	return 0;
}

/* The DOM way of hvc_libvirt_xml_get_cmdline(): its errors are parse_domain_doc()'s. */
static int get_cmdline_doc(const char *xml, char **ret_cmdline, struct hvc_error *err)
{
	_cleanup_xml_doc_ xmlDocPtr doc = NULL;
	int r;

	r = parse_domain_doc(xml, &doc, err);
	if (r < 0)
		return r;
	*ret_cmdline = path_text(doc, NULL, "/domain/os/cmdline");
	return 0;
}

/*
 * Read with libxml2's streaming reader, which builds no tree and stops at the
 * first /domain/os/cmdline (the live XML of every running guest is read for
 * it alone). Anything unexpected (not well-formed, another root, a DTD) is
 * handed to the DOM way, for the same result and message as hvc_libvirt_xml_parse().
 */
int hvc_libvirt_xml_get_cmdline(const char *xml, char **ret_cmdline, struct hvc_error *err)
{
	static const char *const path[] = { "domain", "os", "cmdline" };
	xmlTextReaderPtr rd;
	char *found = NULL;
	bool root_ok = false;
	int r, depth, matched = 0; /* elements of path open around the reader */

	if (!xml || strlen(xml) > INT_MAX)
		return get_cmdline_doc(xml, ret_cmdline, err);
	rd = xmlReaderForMemory(xml, (int)strlen(xml), "domain.xml", NULL,
		XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (!rd)
		return get_cmdline_doc(xml, ret_cmdline, err);
	while ((r = xmlTextReaderRead(rd)) == 1) {
		int type = xmlTextReaderNodeType(rd);

		if (type == XML_READER_TYPE_DOCUMENT_TYPE)
			break; /* entities the reader's text would leave out: the DOM way */
		depth = xmlTextReaderDepth(rd);
		if (type == XML_READER_TYPE_END_ELEMENT && depth < matched)
			matched = depth;
		if (type != XML_READER_TYPE_ELEMENT || depth != matched)
			continue;
		if (!xmlStrEqual(xmlTextReaderConstLocalName(rd), BAD_CAST_STR(path[depth])) ||
			xmlTextReaderConstNamespaceUri(rd)) {
			if (depth == 0)
				break; /* not <domain>: the DOM way says so */
			continue;
		}
		root_ok = true;
		if (depth < 2) {
			if (!xmlTextReaderIsEmptyElement(rd))
				matched = depth + 1;
			continue;
		}
		{
			xmlChar *c = xmlTextReaderReadString(rd);

			found = xstrdup(c ? (const char *)c : "");
			xmlFree(c);
			break;
		}
	}
	xmlFreeTextReader(rd);
	if (r < 0 || (r == 1 && !found) || !root_ok) {
		free(found);
		return get_cmdline_doc(xml, ret_cmdline, err);
	}
	if (found && !*found)
		free(TAKE_PTR(found));
	*ret_cmdline = found;
	return 0;
}

static bool is_blank_text(xmlNodePtr n)
{
	return n && n->type == XML_TEXT_NODE && xmlIsBlankNode(n);
}

/* Insert node after ref, repeating the indentation in front of ref so the XML stays readable. */
static void add_after_indented(xmlNodePtr ref, xmlNodePtr node)
{
	xmlNodePtr at = ref;

	if (is_blank_text(ref->prev)) {
		xmlNodePtr ws = xmlNewDocText(ref->doc, ref->prev->content);
		at = xmlAddNextSibling(ref, ws);
	}
	xmlAddNextSibling(at, node);
}

/* Append node as the last element child of parent, indented like its first element child. */
static void append_child_indented(xmlNodePtr parent, xmlNodePtr node)
{
	xmlNodePtr last_elem = NULL;

	for (xmlNodePtr c = parent->children; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE)
			last_elem = c;
	if (last_elem)
		add_after_indented(last_elem, node);
	else
		xmlAddChild(parent, node);
}

/* Unlink and free node together with the indentation in front of it. */
static void remove_node(xmlNodePtr node)
{
	if (is_blank_text(node->prev)) {
		xmlNodePtr ws = node->prev;
		xmlUnlinkNode(ws);
		xmlFreeNode(ws);
	}
	xmlUnlinkNode(node);
	xmlFreeNode(node);
}

/* Set the text of an element (the text is taken literally, not as markup). */
static void set_text(xmlNodePtr node, const char *text)
{
	xmlNodeSetContent(node, NULL);
	xmlAddChild(node, xmlNewDocText(node->doc, BAD_CAST_STR(text)));
}

/*
 * Text that survives an XML round trip unchanged: UTF-8 without the control
 * characters XML 1.0 forbids, and without CR (parsers turn it into LF).
 */
static bool valid_text(const char *s)
{
	if (!s)
		return true;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 && *p != '\t' && *p != '\n')
			return false;
	return xmlCheckUTF8(BAD_CAST_STR(s)) != 0;
}

static xmlNodePtr new_record_node(xmlDocPtr doc, const struct hvc_record *rec)
{
	xmlNodePtr st = xmlNewDocNode(doc, NULL, BAD_CAST_STR("state"), NULL);
	xmlNsPtr ns = xmlNewNs(
		st, BAD_CAST_STR(HVC_LIBVIRT_XML_NS), BAD_CAST_STR(HVC_LIBVIRT_XML_NS_PREFIX));

	xmlSetNs(st, ns);
	if (rec->profile)
		xmlSetProp(st, BAD_CAST_STR("profile"), BAD_CAST_STR(rec->profile));
	if (rec->time)
		xmlSetProp(st, BAD_CAST_STR("time"), BAD_CAST_STR(rec->time));
	xmlSetProp(st, BAD_CAST_STR("cmdline-changed"),
		BAD_CAST_STR(rec->cmdline_changed ? "yes" : "no"));
	xmlSetProp(st, BAD_CAST_STR("had-cmdline"), BAD_CAST_STR(rec->had_cmdline ? "yes" : "no"));
	/* xmlNewTextChild escapes its text, unlike xmlNewChild. */
	if (rec->old_cmdline)
		xmlNewTextChild(
			st, ns, BAD_CAST_STR("old-cmdline"), BAD_CAST_STR(rec->old_cmdline));
	if (rec->new_cmdline)
		xmlNewTextChild(
			st, ns, BAD_CAST_STR("new-cmdline"), BAD_CAST_STR(rec->new_cmdline));
	if (rec->address) {
		xmlNodePtr a = xmlNewChild(st, ns, BAD_CAST_STR("address"), NULL);
		xmlSetProp(a, BAD_CAST_STR("host"), BAD_CAST_STR(rec->address));
		if (rec->port > 0) {
			char port[16];
			snprintf(port, sizeof(port), "%d", rec->port);
			xmlSetProp(a, BAD_CAST_STR("port"), BAD_CAST_STR(port));
		}
	}
	return st;
}

/* Replace every hvclock record under /domain/metadata by rec (none if NULL). */
static void put_record(xmlDocPtr doc, const struct hvc_record *rec)
{
	static const char *const identity[] = { "name", "uuid", "genid", "title", "description" };
	xmlNodePtr root = xmlDocGetRootElement(doc), metadata, first, next, st = NULL;

	metadata = path_node(doc, NULL, "/domain/metadata");
	if (!metadata && !rec)
		return;
	if (!metadata) {
		/* libvirt's schema takes <metadata> after the identity elements, like virt-install. */
		xmlNodePtr ref = NULL;

		for (xmlNodePtr c = root->children; c; c = c->next)
			for (size_t i = 0; i < sizeof(identity) / sizeof(identity[0]); i++)
				if (is_element(c, NULL, identity[i], strlen(identity[i])))
					ref = c;
		metadata = xmlNewDocNode(doc, NULL, BAD_CAST_STR("metadata"), NULL);
		if (ref)
			add_after_indented(ref, metadata);
		else if (root->children)
			xmlAddPrevSibling(root->children, metadata);
		else
			xmlAddChild(root, metadata);
	}

	first = path_node(doc, metadata, HVC_LIBVIRT_XML_NS_PREFIX ":state");
	if (rec) {
		st = new_record_node(doc, rec);
		/* Keep the record where it was. */
		if (first)
			add_after_indented(first, st);
		else
			append_child_indented(metadata, st);
	}
	for (xmlNodePtr c = metadata->children; c; c = next) {
		next = c->next;
		if (c != st && is_element(c, BAD_CAST_STR(HVC_LIBVIRT_XML_NS), "state", 5))
			remove_node(c);
	}
}

static int save_doc(xmlDocPtr doc, char **ret_xml, struct hvc_error *err)
{
	xmlBufferPtr buf = xmlBufferCreate();
	xmlSaveCtxtPtr save;
	int r = 0;

	if (!buf)
		return hvc_error_set(err, -ENOMEM, "cannot write domain XML: out of memory");
	save = xmlSaveToBuffer(buf, "UTF-8", XML_SAVE_NO_DECL);
	if (!save || xmlSaveDoc(save, doc) < 0)
		r = hvc_error_set(err, -EIO, "cannot write domain XML");
	if (save && xmlSaveClose(save) < 0 && r == 0)
		r = hvc_error_set(err, -EIO, "cannot write domain XML");
	if (r == 0)
		*ret_xml = xstrdup((const char *)xmlBufferContent(buf));
	xmlBufferFree(buf);
	return r;
}

int hvc_libvirt_xml_set_cmdline(const char *xml, const char *expect_old, const char *new_cmdline,
	const struct hvc_record *rec, char **ret_xml, struct hvc_error *err)
{
	_cleanup_xml_doc_ xmlDocPtr doc = NULL;
	_cleanup_free_ char *cur = NULL, *domtype = NULL, *ostype = NULL;
	xmlNodePtr os, cmd, ref;
	enum hvc_hypervisor hv;
	enum hvc_guest_type t;
	int r;

	new_cmdline = norm_cmdline(new_cmdline);
	if (!valid_text(new_cmdline))
		return hvc_error_set(err, -EINVAL,
			"the new kernel command line has control characters XML cannot carry, or "
			"is not UTF-8");
	if (rec &&
		!(valid_text(rec->profile) && valid_text(rec->time) &&
			valid_text(rec->old_cmdline) && valid_text(rec->new_cmdline) &&
			valid_text(rec->address)))
		return hvc_error_set(err, -EINVAL,
			"hvclock's record has control characters XML cannot carry, or is not "
			"UTF-8");

	r = parse_domain_doc(xml, &doc, err);
	if (r < 0)
		return r;

	os = path_node(doc, NULL, "/domain/os");
	if (!os || !path_node(doc, os, "type"))
		return hvc_error_set(err, -EINVAL, "domain XML has no <os> element");

	cmd = path_node(doc, os, "cmdline");
	cur = path_text(doc, os, "cmdline");
	if (!streq_ptr(cur, norm_cmdline(expect_old)))
		return hvc_error_set(err, -ESTALE, "kernel command line changed since it was read");

	if (new_cmdline) {
		_cleanup_free_ char *kernel = path_text(doc, os, "kernel");

		/* An empty <kernel/> is none (libvirt's virXPathString()). */
		if (!kernel) {
			/*
			 * Never give a disk-booted guest a <cmdline>: QEMU refuses
			 * "-append only allowed with -kernel option" and libxl refuses an
			 * HVM cmdline without kernel, so the guest would not start again.
			 * Xen PV/PVH with a <bootloader> (pygrub), or Xen PV with
			 * neither (libvirt runs pygrub then), is fine: libxl passes the
			 * cmdline to it and pygrub appends it to the GRUB entry.
			 */
			_cleanup_free_ char *bl = path_text(doc, NULL, "/domain/bootloader");
			bool bl_default;

			domtype = attr_text(xmlDocGetRootElement(doc), "type");
			ostype = path_text(doc, os, "type");
			classify(domtype, ostype, &hv, &t);
			if (!xen_bootloader(hv, t, NULL, bl, &bl_default))
				return hvc_error_set(err, -EINVAL,
					"no <kernel> in <os>: the guest boots from its own disk, "
					"and a <cmdline> without <kernel> would stop it from "
					"starting");
		}
		if (!cmd) {
			cmd = xmlNewDocNode(doc, NULL, BAD_CAST_STR("cmdline"), NULL);
			/* The schema wants kernel, initrd, cmdline in that order. */
			ref = path_node(doc, os, "initrd");
			if (!ref)
				ref = path_node(doc, os, "kernel");
			if (!ref)
				ref = path_node(doc, os, "type");
			add_after_indented(ref, cmd);
		}
		set_text(cmd, new_cmdline);
	} else {
		while ((cmd = path_node(doc, os, "cmdline")))
			remove_node(cmd);
	}

	put_record(doc, rec);
	return save_doc(doc, ret_xml, err);
}

static const char *q(const char *s)
{
	return s ? s : "(none)";
}

int hvc_libvirt_xml_check_written(
	const char *xml, const char *cmdline, const struct hvc_record *rec, struct hvc_error *err)
{
	struct hvc_guest *g = hvc_guest_new();
	const struct hvc_record *got = &g->record;
	const char *what = NULL;
	int r;

	r = hvc_libvirt_xml_parse(xml, g, err);
	if (r < 0)
		goto out;
	cmdline = norm_cmdline(cmdline);
	if (!streq_ptr(g->cmdline, cmdline)) {
		r = hvc_error_set(err, -EIO,
			"the definition read back has kernel command line '%s' instead of '%s'",
			q(g->cmdline), q(cmdline));
		goto out;
	}
	if (!rec && g->has_record)
		what = "a record that should have been removed";
	else if (rec && !g->has_record)
		what = "no record";
	else if (rec && !streq_ptr(got->profile, rec->profile))
		what = "another profile";
	else if (rec && !streq_ptr(got->time, rec->time))
		what = "another time";
	else if (rec &&
		(got->cmdline_changed != rec->cmdline_changed ||
			got->had_cmdline != rec->had_cmdline))
		what = "other flags";
	else if (rec && !streq_ptr(got->old_cmdline, rec->old_cmdline))
		what = "another old cmdline";
	else if (rec && !streq_ptr(got->new_cmdline, rec->new_cmdline))
		what = "another new cmdline";
	else if (rec &&
		(!streq_ptr(got->address, rec->address) ||
			(rec->address && got->port != (rec->port > 0 ? rec->port : 0))))
		what = "another address";
	if (what)
		r = hvc_error_set(
			err, -EIO, "the definition read back has %s in hvclock's record", what);
out:
	hvc_guest_free(g);
	return r;
}
