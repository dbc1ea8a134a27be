#!/bin/bash
# run-fuzz.sh SECONDS FUZZER... — runs each libFuzzer binary for SECONDS on
# its corpus (tests/fuzz/<name>/, copied so the repo's corpus stays as
# committed). Any crash, leak or sanitizer report fails the run; the
# reproducer is left in build/fuzz-artifacts/.
set -u
secs=$1; shift
status=0
mkdir -p build/fuzz-artifacts
for f in "$@"; do
	name=$(basename "$f")
	seed=tests/fuzz/$name
	work=$(mktemp -d)
	[ -d "$seed" ] && cp -r "$seed"/. "$work"/
	echo "fuzz: $name for ${secs}s"
	if ! "$f" -max_total_time="$secs" -print_final_stats=1 \
		-artifact_prefix=build/fuzz-artifacts/"$name"- "$work" \
		> build/fuzz-artifacts/"$name".log 2>&1; then
		tail -50 build/fuzz-artifacts/"$name".log
		echo "fuzz: $name FOUND A CRASH"
		status=1
	else
		grep -E 'stat::number_of_executed_units|Done [0-9]+ runs' build/fuzz-artifacts/"$name".log | tail -2
	fi
	rm -rf "$work"
done
exit $status
