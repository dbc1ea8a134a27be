#!/bin/sh
# Creates tests/guests/<name>/main.c from a skeleton; `make` then builds
# build/tests/guests/<name>.elf.
set -eu
if [ $# -ne 1 ] || ! printf '%s' "$1" | grep -Eq '^[a-z0-9][a-z0-9-]*$'; then
	echo "usage: $0 NAME   (lower-case letters, digits and '-')" >&2
	exit 1
fi
case $1 in lib|lib-unit)
	echo "new-guest: '$1' is taken by the framework" >&2; exit 1 ;;
esac
dir=$(dirname "$0")/$1
if [ -e "$dir" ]; then
	echo "new-guest: $dir already exists" >&2
	exit 1
fi
mkdir "$dir"
cat > "$dir/main.c" <<EOT
/*
 * $1: what this guest checks, and the command line it takes (xt.* keys).
 */
#include <stdint.h>

#include "cmdline.h"
#include "hypercall.h"
#include "test.h"

const char test_title[] = "$1";

void test_main(void)
{
	long rc = HYPERVISOR_xen_version(XENVER_version, 0);

	check_msg(rc > 0, "XENVER_version returned %ld", rc);
}
EOT
echo "new-guest: created $dir/main.c; build with: make build/tests/guests/$1.elf"
