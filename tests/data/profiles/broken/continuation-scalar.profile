# continuation-scalar: continuation of a one-value key (broken test fixture).
[profile]
name = continuation-scalar
summary = Broken on purpose
auto = yes
	no

[match]
hypervisor = kvm

[timesync]
required = yes
