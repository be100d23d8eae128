/* cmdline-cases.h: the editor's table rows, shared by test-cmdline.c, test-cmdline-kernel.c
 * (the differential against the kernel's parser) and cmdline-rows.c (the sim guests' boot
 * loaders, tests/sim/t-scripts.sh). Include once per program. */
#pragma once

#include <stdbool.h>

struct edit_case {
	const char *name;
	const char *in;
	const char *set[4];
	const char *remove[4];
	const char *out;
	bool changed;
};

static const struct edit_case edit_cases[] = {
	/* Appending and replacing. */
	{ "set on empty line", "", { "clocksource=tsc" }, { 0 }, "clocksource=tsc", true },
	{ "set on blank line", "  \t\n", { "clocksource=tsc" }, { 0 }, "clocksource=tsc", true },
	{ "set appends", "ro quiet", { "clocksource=tsc" }, { 0 }, "ro quiet clocksource=tsc",
		true },
	{ "set replaces in place", "ro clocksource=hpet quiet", { "clocksource=tsc" }, { 0 },
		"ro clocksource=tsc quiet", true },
	{ "set holding keeps text byte-for-byte", "ro  clocksource=tsc\tquiet \n",
		{ "clocksource=tsc" }, { 0 }, "ro  clocksource=tsc\tquiet \n", false },
	/* Linux <= 2.6.25 separates only at ' ' (kernel/params.c next_arg(), v2.6.25): a tab or
	 * newline between untouched neighbours, or at an end, stays; runs of spaces become one. */
	{ "change keeps tabs and newlines, not runs of spaces", "  ro\tquiet\n", { "tsc=reliable" },
		{ 0 }, "ro\tquiet\n tsc=reliable", true },
	{ "change joins runs of spaces with single spaces", "  ro   quiet  ", { "tsc=reliable" },
		{ 0 }, "ro quiet tsc=reliable", true },
	{ "several sets in order", "ro", { "clocksource=tsc", "tsc=reliable" }, { 0 },
		"ro clocksource=tsc tsc=reliable", true },
	{ "later set of same name wins", "ro", { "clocksource=hpet", "clocksource=tsc" }, { 0 },
		"ro clocksource=tsc", true },
	{ "no edits at all", "ro  quiet ", { 0 }, { 0 }, "ro  quiet ", false },

	/* Duplicates: the last occurrence is the effective one. */
	{ "earlier duplicate has the value, last not", "clocksource=tsc ro clocksource=hpet quiet",
		{ "clocksource=tsc" }, { 0 }, "ro clocksource=tsc quiet", true },
	{ "last duplicate has the value", "clocksource=hpet ro clocksource=tsc",
		{ "clocksource=tsc" }, { 0 }, "clocksource=hpet ro clocksource=tsc", false },
	{ "identical duplicates are left alone", "clocksource=tsc clocksource=tsc",
		{ "clocksource=tsc" }, { 0 }, "clocksource=tsc clocksource=tsc", false },

	/* Quoting. */
	{ "value compared unquoted", "ro clocksource=\"tsc\"", { "clocksource=tsc" }, { 0 },
		"ro clocksource=\"tsc\"", false },
	{ "fully quoted token compared unquoted", "\"clocksource=tsc\" ro", { "clocksource=tsc" },
		{ 0 }, "\"clocksource=tsc\" ro", false },
	{ "fully quoted token with space replaced", "ro \"acpi_osi=Linux x\" quiet",
		{ "acpi_osi=Linux" }, { 0 }, "ro acpi_osi=Linux quiet", true },
	{ "quoted value with space stays one token", "a=\"b c\"  d", { "e=1" }, { 0 },
		"a=\"b c\" d e=1", true },
	{ "quote inside value is part of it", "clocksource=\"tsc\"x", { "clocksource=tsc" }, { 0 },
		"clocksource=tsc", true },
	{ "unbalanced quote: append goes before it", "ro acpi_osi=\"Linux clocksource=hpet",
		{ "clocksource=tsc" }, { 0 },
		"ro clocksource=tsc acpi_osi=\"Linux clocksource=hpet", true },
	{ "unbalanced quote hides --", "ro a=\"x -- clocksource=hpet", { "clocksource=tsc" }, { 0 },
		"ro clocksource=tsc a=\"x -- clocksource=hpet", true },
	{ "unbalanced quote keeps its trailing spaces", "a=\"x y  ", { "b=1" }, { 0 },
		"b=1 a=\"x y  ", true },
	{ "unbalanced last occurrence replaced", "ro clocksource=\"hpet", { "clocksource=tsc" },
		{ 0 }, "ro clocksource=tsc", true },
	{ "unbalanced value compared unquoted", "ro clocksource=\"tsc", { "clocksource=tsc" },
		{ 0 }, "ro clocksource=\"tsc", false },

	/* Names: '-' == '_', exact length, case and '.' significant. */
	{ "dash and underscore equal (holds)", "no_kvmclock ro", { "no-kvmclock" }, { 0 },
		"no_kvmclock ro", false },
	{ "dash and underscore equal (replace)", "tsc-early-khz=100 ro", { "tsc_early_khz=200" },
		{ 0 }, "tsc_early_khz=200 ro", true },
	{ "longer name with same prefix untouched by set", "clocksource_failover=hpet",
		{ "clocksource=tsc" }, { 0 }, "clocksource_failover=hpet clocksource=tsc", true },
	{ "longer name with same prefix untouched by remove",
		"clocksource_failover=hpet clocksource=tsc", { 0 }, { "clocksource" },
		"clocksource_failover=hpet", true },
	{ "names are case sensitive", "Quiet", { "quiet" }, { 0 }, "Quiet quiet", true },
	{ "values are case sensitive", "clocksource=TSC", { "clocksource=tsc" }, { 0 },
		"clocksource=tsc", true },
	{ "dot is not underscore", "kvm.foo=1", { "kvm_foo=1" }, { 0 }, "kvm.foo=1 kvm_foo=1",
		true },
	{ "value containing =", "root=UUID=abc ro", { "root=UUID=def" }, { 0 }, "root=UUID=def ro",
		true },
	{ "= at index 0 does not split", "=tsc clocksource=hpet", { "clocksource=tsc" }, { 0 },
		"=tsc clocksource=tsc", true },

	/* Flags versus key=value of the same name. */
	{ "flag becomes value", "quiet ro", { "quiet=1" }, { 0 }, "quiet=1 ro", true },
	{ "value becomes flag", "quiet=1 ro", { "quiet" }, { 0 }, "quiet ro", true },
	{ "flag already present", "ro quiet", { "quiet" }, { 0 }, "ro quiet", false },
	{ "flag shadowed by later value", "quiet ro quiet=1", { "quiet" }, { 0 }, "ro quiet",
		true },
	{ "value shadowed by later flag", "quiet=1 ro quiet", { "quiet=1" }, { 0 }, "ro quiet=1",
		true },
	{ "empty value is not a flag", "ro quiet", { "quiet=" }, { 0 }, "ro quiet=", true },
	{ "empty value equals a lone opening quote", "ro a=\"", { "a=" }, { 0 }, "ro a=\"", false },
	{ "empty value equals empty quotes", "ro quiet=\"\"", { "quiet=" }, { 0 }, "ro quiet=\"\"",
		false },

	/* `--`: init arguments are never matched nor edited. */
	{ "set inserts before --", "ro -- clocksource=hpet single", { "clocksource=tsc" }, { 0 },
		"ro clocksource=tsc -- clocksource=hpet single", true },
	{ "set holds before --, init args ignored", "clocksource=tsc -- clocksource=hpet",
		{ "clocksource=tsc" }, { 0 }, "clocksource=tsc -- clocksource=hpet", false },
	{ "remove leaves init args", "clocksource=hpet -- clocksource=hpet", { 0 },
		{ "clocksource" }, "-- clocksource=hpet", true },
	{ "remove only in init args", "ro -- quiet", { 0 }, { "quiet" }, "ro -- quiet", false },
	{ "quoted -- is a separator too", "ro \"--\" clocksource=hpet", { "clocksource=tsc" },
		{ 0 }, "ro clocksource=tsc \"--\" clocksource=hpet", true },
	{ "--x is not a separator", "--x clocksource=hpet", { "clocksource=tsc" }, { 0 },
		"--x clocksource=tsc", true },
	{ "--=1 is not a separator", "--=1 clocksource=hpet", { 0 }, { "clocksource" }, "--=1",
		true },
	{ "only the first -- separates", "a -- b -- c", { "d" }, { 0 }, "a d -- b -- c", true },

	/* Removing. */
	{ "remove absent", "ro quiet", { 0 }, { "clocksource" }, "ro quiet", false },
	{ "remove from empty line", "", { 0 }, { "quiet" }, "", false },
	{ "remove every occurrence", "clocksource=tsc ro clocksource clocksource=hpet", { 0 },
		{ "clocksource" }, "ro", true },
	{ "remove by value: only matching", "clocksource=tsc ro clocksource=hpet", { 0 },
		{ "clocksource=hpet" }, "clocksource=tsc ro", true },
	{ "remove by value: no match", "clocksource=tsc ro", { 0 }, { "clocksource=hpet" },
		"clocksource=tsc ro", false },
	{ "remove by value matches quoted", "ro clocksource=\"hpet\"", { 0 },
		{ "clocksource=hpet" }, "ro", true },
	{ "remove by value spares the flag", "quiet ro quiet=1", { 0 }, { "quiet=1" }, "quiet ro",
		true },
	{ "remove empty value spares the flag", "quiet quiet= ro", { 0 }, { "quiet=" }, "quiet ro",
		true },
	{ "remove flag and values by name", "quiet=1 ro quiet", { 0 }, { "quiet" }, "ro", true },
	{ "remove the only token", "clocksource=hpet\n", { 0 }, { "clocksource" }, "", true },
	{ "remove with dash matches underscore", "no-kvmclock ro", { 0 }, { "no_kvmclock" }, "ro",
		true },
	{ "remove quoted value with spaces", "dyndbg=\"file a.c +p\" ro", { 0 }, { "dyndbg" }, "ro",
		true },
	{ "xen-classic-ntp: quoted jiffies removed by value",
		"ro root=/dev/xvda1 clocksource=\"jiffies\" quiet", { 0 },
		{ "clocksource=jiffies" }, "ro root=/dev/xvda1 quiet", true },
	{ "remove value containing =", "root=UUID=abc ro", { 0 }, { "root=UUID=abc" }, "ro", true },

	/* Removes run before sets. */
	{ "remove by name spares the token a set holds", "clocksource=tsc ro",
		{ "clocksource=tsc" }, { "clocksource" }, "clocksource=tsc ro", false },
	{ "remove by name drops stale duplicates", "clocksource=hpet ro clocksource=tsc quiet",
		{ "clocksource=tsc" }, { "clocksource" }, "ro clocksource=tsc quiet", true },
	{ "remove by name, set not held: appended", "clocksource=tsc ro clocksource=hpet quiet",
		{ "clocksource=tsc" }, { "clocksource" }, "ro quiet clocksource=tsc", true },
	{ "remove by name, set and a later append settle", "ro",
		{ "clocksource=tsc", "tsc=reliable" }, { "clocksource" },
		"ro clocksource=tsc tsc=reliable", true },
	{ "only the last set of a name is spared", "clocksource=tsc ro",
		{ "clocksource=tsc", "clocksource=hpet" }, { "clocksource" }, "ro clocksource=hpet",
		true },
	{ "flag not held: removed and appended", "quiet ro quiet=1 x", { "quiet" },
		{ "quiet", "quiet=1" }, "ro x quiet", true },
	{ "remove then set restoring the tokens is no change", "ro\tclocksource=tsc",
		{ "clocksource=tsc" }, { "clocksource" }, "ro\tclocksource=tsc", false },
	{ "remove and set of the same value: spared", "clocksource=hpet ro clocksource=tsc",
		{ "clocksource=tsc" }, { "clocksource=tsc" }, "clocksource=hpet ro clocksource=tsc",
		false },
	{ "remove and set of the same value: not held, in place",
		"clocksource=tsc ro clocksource=hpet quiet", { "no_kvmclock=1", "clocksource=tsc" },
		{ "clocksource=tsc", "no-kvmclock=1" }, "ro clocksource=tsc quiet no_kvmclock=1",
		true },
	{ "remove other value, set holding value", "clocksource=hpet ro clocksource=tsc",
		{ "clocksource=tsc" }, { "clocksource=hpet" }, "ro clocksource=tsc", true },
	{ "remove by name spares the held flag only", "quiet=1 ro quiet", { "quiet" }, { "quiet" },
		"ro quiet", true },
	{ "remove old value, set new", "ro clocksource=hpet tsc=unstable",
		{ "clocksource=tsc", "tsc=reliable" }, { "clocksource=hpet", "tsc" },
		"ro clocksource=tsc tsc=reliable", true },

	/* Whitespace is the kernel's isspace(). */
	{ "tab, newline and CR separate", "ro\tclocksource=hpet\nquiet\r\n", { "clocksource=tsc" },
		{ 0 }, "ro\tclocksource=tsc\nquiet\r\n", true },
	{ "VT and FF separate", "ro\vquiet\fclocksource=tsc", { "clocksource=tsc" }, { 0 },
		"ro\vquiet\fclocksource=tsc", false },
	{ "NBSP (0xa0) separates",
		"ro\xa0"
		"clocksource=hpet",
		{ "clocksource=tsc" }, { 0 }, "ro\240clocksource=tsc", true },
};
