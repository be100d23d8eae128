/* fuzz-file.h: the fuzz input as a file (the profile and hvclock.conf readers take a path). */
#pragma once

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* Write data to DIR/name in a private directory made once; returns the path (static). */
static inline const char *fuzz_file(const uint8_t *data, size_t size, const char *name)
{
	static char dir[] = "/tmp/hvc-fuzz.XXXXXX";
	static char path[256];
	FILE *f;

	if (!path[0]) {
		if (!mkdtemp(dir))
			abort();
		snprintf(path, sizeof(path), "%s/%s", dir, name);
	}
	f = fopen(path, "w");
	if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0)
		abort();
	return path;
}
