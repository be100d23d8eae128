# bad-boot-path: boot path unknown is not testable (broken test fixture).
[profile]
name = bad-boot-path
summary = Broken on purpose

[match]
boot-path = unknown

[timesync]
required = yes
