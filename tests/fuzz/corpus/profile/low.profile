[profile]
name = fuzz
summary = Negative priority, CRLF line ends and a BOM
priority = -5

[match]
hypervisor = kvm

[cmdline]
set = tsc=unstable
