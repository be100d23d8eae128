; claim: no action, only a [done-if]: claims matching guests as fine (test fixture).
[profile]
name = fuzz
summary = Claims EL7 KVM guests on kvm-clock as fine
priority = 50

[match]
hypervisor = kvm
kernel = 3.10.0-*.el7*

[done-if]
current-clocksource = kvm-clock
