# bad-boot-path: boot path unknown is not testable (broken test fixture).
[profile]
name = fuzz
summary = Broken on purpose

[match]
boot-path = unknown

[timesync]
required = yes
