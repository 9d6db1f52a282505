#!/usr/bin/env bash
# Every executable is built with the hardening the project promises:
# position-independent, full RELRO (relro + now), non-executable stack,
# stack protector.  Reads the ELF headers of the real build products.
. "$(dirname "$0")/lib.sh"

bins=(fcgi/signer/paraphe-signer fcgi/sca/paraphe-sca admin/paraphe-admin
	sam/paraphe-samd audit/paraphe-auditd tools/paraphe-config)
for b in "${bins[@]}"; do
	f=$top_builddir/$b
	if [ ! -x "$f" ]; then
		not_ok "$b exists" "not built: $f"
		continue
	fi
	check "$b is position-independent (PIE)" bash -c "readelf -h '$f' | grep -q 'Type:.*DYN'"
	check "$b has a read-only relocation segment (RELRO)" bash -c "readelf -lW '$f' | grep -q GNU_RELRO"
	check "$b binds symbols at start (BIND_NOW)" bash -c "readelf -dW '$f' | grep -Eq 'BIND_NOW|FLAGS_1.*NOW'"
	check "$b has a non-executable stack" bash -c "readelf -lW '$f' | grep GNU_STACK | grep -vq RWE"
	check "$b uses the stack protector" bash -c "readelf -sW '$f' | grep -q __stack_chk_fail"
	# The system call filters (lib/pp_sandbox.c; t_sandbox checks them at work).
	[ "$b" = tools/paraphe-config ] ||
		check "$b links libseccomp" bash -c "readelf -dW '$f' | grep -q 'NEEDED.*libseccomp'"
done
pp_finish
