/*
 * cmdline-rows.c: every row of the editor's table (tests/unit/cmdline-cases.h) as the host
 * would send it to a guest's boot loader, for tests/sim/t-scripts.sh to run in sim guests.
 *
 * Usage: cmdline-rows DIR. For each row I and each LOADER (grubby, grub: /etc/default/grub
 * with GRUB_CMDLINE_LINUX_DEFAULT="quiet", as the sim guests have it), writes DIR/I.LOADER.*:
 * .blocked (the reason the plan refuses the row), or .in (the value the guest starts with),
 * .out (what the C editor makes of it: the row's own expected result), .default-out (grub:
 * GRUB_CMDLINE_LINUX_DEFAULT after the edit), .data (the apply data block, from the real request
 * builder) and .again (the data block of a second plan made from .out: the edit must settle).
 * Exit 1 if the editor disagrees with its own table or a request cannot be built.
 *
 * cmdline-rows --data grubby|grub|FAMILY OLD DEFAULT|- SETS REMOVES (comma-separated, may be
 * ""; grub: update-grub, FAMILY another GRUB 2 family's name): the data block for one edit
 * of a guest whose boot loader holds OLD (and GRUB_CMDLINE_LINUX_DEFAULT, "-": none), on stdout; exit 1 with the reason if refused.
 */
#include <errno.h>
#include <stdio.h>

#include "core/cmdline.h"
#include "core/guestscript.h"
#include "core/util.h"
#include "tests/unit/cmdline-cases.h"

static int write_file(const char *dir, size_t row, const char *loader, const char *ext,
	const char *text, size_t len)
{
	_cleanup_free_ char *p = xasprintf("%s/%zu.%s.%s", dir, row, loader, ext);
	FILE *f = fopen(p, "w");

	if (!f || fwrite(text, 1, len, f) != len || fclose(f) != 0) {
		fprintf(stderr, "cmdline-rows: cannot write %s\n", p);
		return -EIO;
	}
	return 0;
}

#define ROWS_RELEASE "6.1.0-26-amd64"

static int write_text(
	const char *dir, size_t row, const char *loader, const char *ext, const char *text)
{
	return write_file(dir, row, loader, ext, text, strlen(text));
}

/* The data block of the apply request for one boot loader action on a guest with these facts. */
static char *data_block(bool grubby, const char *family, const char *old, const char *default_old,
	char *const *set, char *const *remove)
{
	int bl = family ? hvc_bootloader_from_string(family) : -1;
	struct hvc_guest *g = hvc_guest_new();
	struct hvc_guest_plan gp = { 0 };
	struct hvc_error err = { 0 };
	struct hvc_action *a;
	size_t len = 0;
	char *req, *start, *data = NULL;

	g->facts.bootloader = grubby ? HVC_BOOTLOADER_GRUBBY
		: bl >= 0            ? (enum hvc_bootloader)bl
				     : HVC_BOOTLOADER_UPDATE_GRUB;
	/* The table is the editor for Linux >= 4.2 (the sim guests' reading). */
	g->facts.kernel_release = xstrdup(ROWS_RELEASE);
	g->facts.grub_cmdline = xstrdup(old);
	g->facts.grub_cmdline_default = xstrdup_or_null(default_old);
	gp.guest = g;
	gp.actions = xcalloc(1, sizeof(*a));
	gp.n_actions = 1;
	a = &gp.actions[0];
	a->kind = HVC_ACTION_GUEST_BOOTLOADER;
	a->state = HVC_ACTION_PENDING;
	a->target = xstrdup("guest boot loader");
	a->set = strv_copy(set);
	a->remove = strv_copy(remove);
	req = hvc_apply_request(&gp, false, 0, &len, &err);
	if (!req)
		fprintf(stderr, "cmdline-rows: no request: %s\n", err.msg);
	else if ((start = strstr(req, "\nhvc_main <<'" HVC_GUEST_DATA_END "'\n"))) {
		start = strchr(start + 1, '\n') + 1;
		data = xstrndup(start, strlen(start) - strlen(HVC_GUEST_DATA_END "\n"));
	}
	free(req);
	hvc_guest_plan_finish(&gp);
	hvc_guest_free(g);
	return data;
}

int main(int argc, char **argv)
{
	int ret = 0;

	if (argc == 7 && streq(argv[1], "--data")) {
		_cleanup_strv_free_ char **set = strv_split(argv[5], ","),
					 **rm = strv_split(argv[6], ",");
		bool grubby = streq(argv[2], "grubby");
		const char *def = streq(argv[4], "-") ? NULL : argv[4];
		struct hvc_boot_edit e;
		_cleanup_free_ char *why = NULL, *data = NULL;

		if (hvc_boot_edit_compute(ROWS_RELEASE, false, NULL, grubby, NULL, argv[3], NULL,
			    def, set, rm, &e, &why) < 0) {
			fprintf(stderr, "refused: %s\n", why);
			return 1;
		}
		hvc_boot_edit_done(&e);
		data = data_block(
			grubby, streq(argv[2], "grub") ? NULL : argv[2], argv[3], def, set, rm);
		if (!data)
			return 1;
		fputs(data, stdout);
		return 0;
	}
	if (argc != 2) {
		fprintf(stderr, "usage: cmdline-rows DIR\n");
		return 2;
	}
	for (size_t i = 0; i < ELEMENTSOF(edit_cases); i++) {
		const struct edit_case *c = &edit_cases[i];
		char *const *set = (char *const *)c->set, *const *remove = (char *const *)c->remove;

		for (int grubby = 0; grubby < 2; grubby++) {
			const char *loader = grubby ? "grubby" : "grub";
			const char *default_old = grubby ? NULL : "quiet";
			struct hvc_boot_edit e, again;
			_cleanup_free_ char *why = NULL, *why2 = NULL, *data = NULL, *data2 = NULL;

			ret |= write_text(argv[1], i, loader, "name", c->name);
			if (hvc_boot_edit_compute(ROWS_RELEASE, false, NULL, grubby, NULL, c->in,
				    NULL, default_old, set, remove, &e, &why) < 0) {
				_cleanup_free_ char *line = xasprintf("%s\n", why);
				ret |= write_text(argv[1], i, loader, "blocked", line);
				continue;
			}
			if (!streq(e.new, c->out)) {
				fprintf(stderr,
					"cmdline-rows: row '%s': the editor disagrees with its "
					"table\n",
					c->name);
				ret = 1;
			}
			data = data_block(grubby, NULL, e.old, e.default_old, set, remove);
			if (hvc_boot_edit_compute(ROWS_RELEASE, false, NULL, grubby, NULL, e.new,
				    NULL, e.default_new, set, remove, &again, &why2) < 0) {
				fprintf(stderr,
					"cmdline-rows: row '%s': its result is refused: %s\n",
					c->name, why2);
				ret = 1;
			} else {
				if (again.changed) {
					fprintf(stderr,
						"cmdline-rows: row '%s': the edit does not "
						"settle\n",
						c->name);
					ret = 1;
				}
				data2 = data_block(grubby, NULL, e.new, e.default_new, set, remove);
				hvc_boot_edit_done(&again);
			}
			if (!data || !data2)
				ret = 1;
			else
				ret |= write_text(argv[1], i, loader, "in", c->in) |
					write_text(argv[1], i, loader, "out", e.new) |
					write_text(argv[1], i, loader, "default-out",
						e.default_new ? e.default_new : "") |
					write_text(argv[1], i, loader, "data", data) |
					write_text(argv[1], i, loader, "again", data2);
			hvc_boot_edit_done(&e);
		}
	}
	return ret ? 1 : 0;
}
