# bad-glob: unterminated bracket in a glob (broken test fixture).
[profile]
name = fuzz
summary = Broken on purpose

[match]
kernel = 2.6.18-[0-9*

[timesync]
required = yes
