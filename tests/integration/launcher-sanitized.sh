#!/bin/bash
# The launcher itself under ASan/UBSan (build/xenlet-san) on real runs:
# guests in both trap paths, one with 3 vCPUs on their threads, the grant
# guest (its grant tables worked by the launcher's core), a fault report, a refused kernel, and a stop by signal with the embedded
# xenstore serving a client.  Any sanitizer
# report (including a leak at exit) fails the run.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
XENLET=build/xenlet-san
require_launcher
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=99
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:exitcode=99

clean() {
	if grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$ERR"; then
		fail "sanitizer report"
	else
		pass "no sanitizer report"
	fi
}

for path in guest host; do
	run_xenlet "start-info-$path" "$GUESTS/start-info.elf" --memory 40 \
		--trap-path "$path" --stats --cmdline "xt.pages=10240"
	expect_rc 0
	expect_result SUCCESS
	clean
	run_xenlet "smp-$path" "$GUESTS/smp.elf" --vcpus 3 --trap-path "$path" \
		--cmdline "xt.events=2000"
	expect_rc 0
	expect_result SUCCESS
	clean
	run_xenlet "grant-$path" "$GUESTS/grant.elf" --trap-path "$path"
	expect_rc 0
	expect_result SUCCESS
	clean
	run_xenlet "fault-$path" "$GUESTS/shutdown-modes.elf" --memory 32 \
		--trap-path "$path" --cmdline "xt.action=pagefault"
	expect_rc 4
	clean
done
run_xenlet refused /bin/true
expect_rc 1
clean

RUN=signal OUT=$WORK/signal.out ERR=$WORK/signal.err
sock=$WORK/xs.socket
"$XENLET" run "$GUESTS/shutdown-modes.elf" --memory 32 --trap-path host \
	--cmdline "xt.action=yield" --xenstore-socket "$sock" >"$OUT" 2>"$ERR" &
pid=$!
for _ in $(seq 200); do
	grep -q "yielding until stopped" "$OUT" 2>/dev/null && break
	sleep 0.05
done
if command -v xenstore-ls >/dev/null; then
	XENSTORED_PATH=$sock xenstore-ls /local/domain/1 >/dev/null ||
		fail "xenstore-ls against the running launcher failed"
fi
kill -INT "$pid"
wait "$pid"
RC=$?
expect_rc 130
clean
finish
