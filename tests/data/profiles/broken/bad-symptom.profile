# bad-symptom: symptom not in hvc_symptom (broken test fixture).
[profile]
name = bad-symptom
summary = Broken on purpose

[match]
symptom = time-went-forwards

[timesync]
required = yes
