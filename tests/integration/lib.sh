# shellcheck shell=bash
# Helpers for integration tests that boot a guest under ./xenlet.  Source
# it from bash; it moves to the repository root.
#
#   require_launcher                  exit 77 (with the reason) without
#                                     /dev/kvm; fail if ./xenlet is missing
#   require_debian [OUT PROGRAM [modules|"" [FILE...]]]
#                                     sets KERNEL (Debian's, fetched) and
#                                     INITRD (scripts/make-initramfs.sh's,
#                                     with PROGRAM into OUT if given, the
#                                     kernel's blkfront/netfront/ext4
#                                     modules with "modules", FILEs in its
#                                     /bin); exit 77 with the reason if
#                                     either fails
#   run_xenlet NAME ARGS...           `xenlet run ARGS` under a timeout,
#                                     stdin from $XENLET_STDIN (default
#                                     /dev/null: the guest's console input);
#                                     sets RC, OUT, ERR (files) for NAME
#   expect_rc N, expect_out_has STR, expect_out_line STR, expect_result R,
#   expect_err_matches ERE [STR]      record a failure (and show the run's
#                                     output) but go on
#   finish                            exit 0 if nothing failed, else 1
set -u

cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 1
XENLET=${XENLET:-./xenlet}
# shellcheck disable=SC2034 # for the scripts that source this
GUESTS=build/tests/guests
RUN_TIMEOUT=${XENLET_RUN_TIMEOUT:-120}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/xenlet-test.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
# Each test's domains get their control sockets (and default names) in a
# directory of its own, not the host's /run/xenlet.
export XENLET_RUNTIME_DIR=${XENLET_RUNTIME_DIR:-$WORK/run}
failures=0
RUN='' RC='' OUT='' ERR=''

require_launcher() {
	if [ ! -e /dev/kvm ]; then
		echo "skip: /dev/kvm does not exist on this machine"
		exit 77
	fi
	if [ ! -r /dev/kvm ] || [ ! -w /dev/kvm ]; then
		echo "skip: /dev/kvm is not readable and writable by $(id -un)"
		exit 77
	fi
	if [ ! -x "$XENLET" ]; then
		echo "FAIL: $XENLET is not built (run make)"
		exit 1
	fi
}

require_debian() {
	if ! KERNEL=$(scripts/fetch-kernel.sh 2>"$WORK/fetch.err"); then
		echo "skip: cannot fetch Debian's kernel from the package archive:"
		sed 's/^/  /' "$WORK/fetch.err"
		exit 77
	fi
	local args=("${@:1:2}")
	if [ "${3:-}" = modules ]; then
		# fetch-kernel.sh keeps them beside kernels/vmlinuz-<version>.
		args+=("$(dirname "$KERNEL")/modules-${KERNEL##*/vmlinuz-}")
	elif [ $# -gt 3 ]; then
		args+=("")
	fi
	# Arguments past the third: files for the initramfs's /bin.
	args+=("${@:4}")
	if ! INITRD=$(scripts/make-initramfs.sh "${args[@]}" 2>"$WORK/initrd.err"); then
		echo "skip: cannot build the initramfs from Debian's busybox-static:"
		sed 's/^/  /' "$WORK/initrd.err"
		exit 77
	fi
}

run_xenlet() {
	RUN=$1
	shift
	OUT=$WORK/$RUN.out
	ERR=$WORK/$RUN.err
	timeout "$RUN_TIMEOUT" "$XENLET" run "$@" <"${XENLET_STDIN:-/dev/null}" >"$OUT" 2>"$ERR"
	RC=$?
	if [ "$RC" = 124 ]; then
		fail "timed out after ${RUN_TIMEOUT}s: xenlet run $*"
	fi
}

fail() {
	failures=$((failures + 1))
	echo "FAIL [$RUN]: $*"
	echo "  --- stdout (last 15 lines)"
	tail -n 15 "$OUT" | sed 's/^/  | /'
	echo "  --- stderr (last 15 lines)"
	tail -n 15 "$ERR" | sed 's/^/  | /'
}

pass() {
	echo "ok [$RUN]: $*"
}

expect_rc() {
	if [ "$RC" = "$1" ]; then
		pass "exit status $1"
	else
		fail "exit status $RC, expected $1"
	fi
}

expect_out_has() {
	if grep -qF -- "$1" "$OUT"; then
		pass "stdout has '$1'"
	else
		fail "stdout lacks '$1'"
	fi
}

# A whole line of stdout, exactly.
expect_out_line() {
	if grep -qxF -- "$1" "$OUT"; then
		pass "stdout has the line '$1'"
	else
		fail "stdout lacks the line '$1'"
	fi
}

# A line of stderr matching the ERE (case-insensitive) and, if given,
# also containing STR.
expect_err_matches() {
	local what="/$1/${2:+ with '$2'}"
	if grep -iE -- "$1" "$ERR" | grep -qiF -- "${2:-}"; then
		pass "stderr has a line matching $what"
	else
		fail "stderr has no line matching $what"
	fi
}

# The guest's final "Test result:" line: exactly one, and it is the last.
expect_result() {
	local n last
	n=$(grep -c '^Test result:' "$OUT")
	last=$(grep -v '^[[:space:]]*$' "$OUT" | tail -n 1)
	if [ "$n" = 1 ] && [ "$last" = "Test result: $1" ]; then
		pass "result '$1'"
	else
		fail "expected one final line 'Test result: $1' ($n result lines; last line '$last')"
	fi
}

finish() {
	if [ "$failures" = 0 ]; then
		echo "all checks passed"
		exit 0
	fi
	echo "$failures check(s) failed"
	exit 1
}
