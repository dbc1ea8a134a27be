#!/bin/bash
# Runs each test given (a binary, a script, or a quoted command line) and
# prints one closing line "<suite>: N passed, N failed, N skipped".
# Exit status 77 from a test means "skipped: this machine lacks something";
# the test must have printed why.
set -u
suite=$1; shift
pass=0 fail=0 skip=0 failed=()
for t in "$@"; do
	echo "=== $t"
	start=$(date +%s)
	bash -c "$t"
	rc=$?
	secs=$(( $(date +%s) - start ))
	case $rc in
	0)  pass=$((pass + 1)); echo "--- PASS $t (${secs}s)" ;;
	77) skip=$((skip + 1)); echo "--- SKIP $t (${secs}s)" ;;
	*)  fail=$((fail + 1)); failed+=("$t"); echo "--- FAIL $t (exit $rc, ${secs}s)" ;;
	esac
done
for t in "${failed[@]+"${failed[@]}"}"; do echo "failed: $t"; done
echo "$suite: $pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ]
