/*
 * rusage.c: run a command, write "wall user sys maxrss_kib" to a file (bench/run.sh).
 *
 *   rusage OUTFILE CMD [ARG...]
 *
 * Like `/usr/bin/time -f '%e %U %S %M'`, but with microsecond CPU times (GNU time prints
 * centiseconds: 0.05 s for 16 guests is too coarse for a per-guest figure). The figures are
 * wait4()'s for CMD's process: user and sys include every descendant it waited for (xargs
 * waits for each sh + ssh), maxrss is the largest RSS of CMD or of any such descendant (Linux
 * reports the maximum, not a sum). A small C program, not a script: the forked child's RSS
 * before exec counts in maxrss, and an interpreter's ~10 MiB would hide an ssh client's.
 * Wall time runs from just before fork to the end of wait4. Exits with CMD's status.
 *
 *   rusage -a OUTFILE CMD [ARG...]
 *
 * All descendants: rusage is their subreaper (PR_SET_CHILD_SUBREAPER), and after CMD's exit
 * (the wall time's end) it waits for every orphan left, and the CPU and maxrss are
 * getrusage(RUSAGE_CHILDREN): also children nobody waited for, e.g. the `ssh -W` that
 * `ssh -J` starts and leaves to init ("we don't wait() ... rely on init to reap the child").
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	struct rusage ru;
	double t0;
	int status;
	pid_t pid;
	FILE *f;
	int all = argc > 1 && strcmp(argv[1], "-a") == 0;
	double wall;

	argv += all;
	argc -= all;
	if (argc < 3) {
		fprintf(stderr, "usage: rusage [-a] OUTFILE CMD [ARG...]\n");
		return 2;
	}
	if (all && prctl(PR_SET_CHILD_SUBREAPER, 1) < 0) {
		perror("rusage: PR_SET_CHILD_SUBREAPER");
		return 127;
	}
	t0 = now();
	pid = fork();
	if (pid < 0) {
		perror("rusage: fork");
		return 127;
	}
	if (pid == 0) {
		execvp(argv[2], argv + 2);
		perror("rusage: exec");
		_exit(127);
	}
	if (wait4(pid, &status, 0, &ru) < 0) {
		perror("rusage: wait4");
		return 127;
	}
	wall = now() - t0;
	if (all) {
		while (wait(NULL) >= 0 || errno == EINTR)
			;
		getrusage(RUSAGE_CHILDREN, &ru);
	}
	f = fopen(argv[1], "w");
	if (!f) {
		perror(argv[1]);
		return 127;
	}
	fprintf(f, "%.3f %ld.%06ld %ld.%06ld %ld\n", wall, (long)ru.ru_utime.tv_sec,
		(long)ru.ru_utime.tv_usec, (long)ru.ru_stime.tv_sec, (long)ru.ru_stime.tv_usec,
		ru.ru_maxrss);
	fclose(f);
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}
