# no-match: no [match] block (broken test fixture).
[profile]
name = no-match
summary = Broken on purpose

[timesync]
required = yes
