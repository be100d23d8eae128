#!/bin/sh
# t-examples.sh: the provisioning examples in docs/examples, run as far as this machine allows.
# virt-install-hvclock.sh: the real virt-install (--connect test:///default --dry-run: checks the
# options, creates nothing) then hvclock (a stand-in that records its arguments): the guest's name
# reaches `hvclock rollout --accept-new --wait-ssh 300 --` as one argument; a failing virt-install
# runs no hvclock. cloud-init-user-data.yaml: YAML that cloud-init reads as cloud-config (its own
# schema check where cloud-init is installed). terraform-libvirt.tf: `terraform fmt -check`, and
# its local-exec block applied by the real terraform with the guest's name from a variable (the
# libvirt provider cannot be downloaded here, so `terraform validate` of the whole file cannot run).
. "$(dirname "$0")/lib.sh"

EX=$(cd "$(dirname "$0")/../.." && pwd)/docs/examples
mkdir "$TMP/bin"
cat >"$TMP/bin/hvclock" <<EOS
#!/bin/sh
printf '%s\n' "\$@" >"$TMP/args"
EOS
chmod +x "$TMP/bin/hvclock"
args_are() { [ "$(cat "$TMP/args" 2>/dev/null)" = "$(printf '%s\n' "$@")" ]; }
skip() { ok "$1 # SKIP $2"; }

# --- virt-install + hvclock ---
check "virt-install-hvclock.sh: sh -n" sh -n "$EX/virt-install-hvclock.sh"
run_example() { # ARGS...: the example with the stand-in hvclock first in PATH
	rc=0
	PATH="$TMP/bin:$PATH" "$EX/virt-install-hvclock.sh" "$@" >"$TMP/out" 2>"$TMP/err" || rc=$?
}
run_example
check "virt-install-hvclock.sh: no arguments: usage, exit 2, no hvclock" sh -c "[ $rc -eq 2 ] && grep -q '^usage: ' '$TMP/err' && [ ! -e '$TMP/args' ]"
if command -v virt-install >/dev/null; then
	cp "$EX/cloud-init-user-data.yaml" "$TMP/user-data"
	: >"$TMP/web1.qcow2"
	name='web 1; $(touch '"$TMP"'/pwned)'
	run_example "$name" "$TMP/web1.qcow2" "$TMP/user-data" --connect test:///default --dry-run
	check "virt-install-hvclock.sh: virt-install accepts its options (test:///default, --dry-run), exit 0" rc_is 0
	check "virt-install-hvclock.sh: then hvclock rollout --accept-new --wait-ssh 300 -- NAME (one argument)" \
		args_are rollout --accept-new --wait-ssh 300 -- "$name"
	check "virt-install-hvclock.sh: the name never ran as shell" test ! -e "$TMP/pwned"
	rm -f "$TMP/args"
	run_example web2 "$TMP/web1.qcow2" "$TMP/user-data" --connect test:///default --dry-run --no-such-option
	check "virt-install-hvclock.sh: virt-install fails: exit non-zero, no hvclock" sh -c "[ $rc -ne 0 ] && [ ! -e '$TMP/args' ]"
else
	skip "virt-install-hvclock.sh: run with virt-install" "virt-install not found (apt-get install virtinst)"
fi

# --- cloud-init ---
check "cloud-init-user-data.yaml: starts with #cloud-config" sh -c "head -n 1 '$EX/cloud-init-user-data.yaml' | grep -qx '#cloud-config'"
rc=0
python3 - "$EX/cloud-init-user-data.yaml" >"$TMP/out" 2>"$TMP/err" <<'PY' || rc=$?
import sys, yaml
d = yaml.safe_load(open(sys.argv[1]))
assert d["disable_root"] is False, d
assert len(d["ssh_authorized_keys"]) == 1 and d["ssh_authorized_keys"][0].startswith("ssh-ed25519 "), d
assert d["ssh_pwauth"] is False, d
PY
check "cloud-init-user-data.yaml: YAML: root not disabled, one authorized key, no SSH passwords" rc_is 0
if command -v cloud-init >/dev/null; then
	rc=0
	cloud-init schema --config-file "$EX/cloud-init-user-data.yaml" >"$TMP/out" 2>"$TMP/err" || rc=$?
	check "cloud-init-user-data.yaml: cloud-init schema: valid" rc_is 0
else
	skip "cloud-init-user-data.yaml: cloud-init schema" "cloud-init not installed (the YAML checks above only)"
fi

# --- Terraform ---
TF=$EX/terraform-libvirt.tf
if command -v terraform >/dev/null; then
	export TF_CLI_CONFIG_FILE=/dev/null TF_IN_AUTOMATION=1 CHECKPOINT_DISABLE=1 TF_DATA_DIR="$TMP/tfdata"
	rc=0
	terraform fmt -check -diff "$TF" >"$TMP/out" 2>"$TMP/err" || rc=$?
	check "terraform-libvirt.tf: terraform fmt -check (HCL syntax and layout)" rc_is 0
	# its terraform_data block alone (terraform's built-in provider: nothing to download), the
	# guest's name from a variable instead of libvirt_domain.guest
	mkdir "$TMP/tf"
	{
		printf 'variable "name" {\n  type = string\n}\n\n'
		sed -n '/^resource "terraform_data" "hvclock"/,/^}/p' "$TF" |
			sed 's/libvirt_domain\.guest\.id/var.name/; s/libvirt_domain\.guest\.name/var.name/'
	} >"$TMP/tf/main.tf"
	name='web 1; $(touch '"$TMP"'/pwned-tf)'
	rc=0
	(cd "$TMP/tf" && terraform init -input=false -no-color >"$TMP/out" 2>"$TMP/err" &&
		PATH="$TMP/bin:$PATH" terraform apply -input=false -no-color -auto-approve -var "name=$name" \
			>>"$TMP/out" 2>>"$TMP/err") || rc=$?
	check "terraform-libvirt.tf: its local-exec block applied by terraform: exit 0" rc_is 0
	check "terraform-libvirt.tf: hvclock rollout --accept-new --wait-ssh 300 -- NAME, the name one argument, no shell" \
		sh -c "[ \"\$(cat '$TMP/args')\" = \"\$(printf '%s\n' rollout --accept-new --wait-ssh 300 -- '$name')\" ] && [ ! -e '$TMP/pwned-tf' ]"
else
	skip "terraform-libvirt.tf: terraform fmt and apply of its local-exec block" "terraform not found (not in Debian)"
fi

finish
