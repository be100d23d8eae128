# bad-cpu-flag: a CPU flag hvclock does not collect (broken test fixture).
[profile]
name = fuzz
summary = Broken on purpose

[match]
cpu-flags = constant_tsc avx2

[timesync]
required = yes
