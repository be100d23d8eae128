/*
 * libvirt-open.c: the libvirt part of an offline plan, alone (bench/planning.sh).
 *
 *   libvirt-open URI
 *
 * Opens URI read-only and closes it: for test:///FILE that is libvirt's test driver loading and
 * parsing FILE. The process maps the same libvirt libraries as a hvclock linked with them, so
 * hvclock's CPU minus this one's is hvclock's own part (plus libssh's and json-c's loading).
 */
#include <libvirt/libvirt.h>
#include <stdio.h>

int main(int argc, char **argv)
{
	virConnectPtr c;

	if (argc != 2) {
		fprintf(stderr, "usage: libvirt-open URI\n");
		return 2;
	}
	c = virConnectOpenReadOnly(argv[1]);
	if (!c)
		return 1;
	virConnectClose(c);
	return 0;
}
