/* fuzz-file.h: the fuzz input as a file (the profile and hvclock.conf readers take a path). */
#pragma once

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static char fuzz_dir[] = "/tmp/hvc-fuzz.XXXXXX";
static char fuzz_path[256];

static inline void fuzz_file_cleanup(void)
{
	unlink(fuzz_path);
	rmdir(fuzz_dir);
}

/* Write data to DIR/name in a private directory made once (removed at exit); returns the path. */
static inline const char *fuzz_file(const uint8_t *data, size_t size, const char *name)
{
	const char *path = fuzz_path;
	FILE *f;

	if (!fuzz_path[0]) {
		if (!mkdtemp(fuzz_dir))
			abort();
		snprintf(fuzz_path, sizeof(fuzz_path), "%s/%s", fuzz_dir, name);
		atexit(fuzz_file_cleanup);
	}
	f = fopen(path, "w");
	if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0)
		abort();
	return path;
}
