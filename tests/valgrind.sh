#!/bin/bash
# valgrind.sh COMMAND [ARG...]: runs one test under valgrind memcheck and fails when any of its
# processes reports a memory error or a leak. Used as meson's test wrapper:
#     meson test -C build --suite cpu --setup valgrind
#     meson test -C build --suite cpu --wrapper "$PWD/tests/valgrind.sh"
#
# Criterion runs every test in a process of its own, started by exec'ing the test binary, and
# decides pass or fail from what that process reports before it exits: a plain
#     --wrapper 'valgrind --leak-check=full --error-exitcode=1'
# sees the errors (they are printed) but cannot fail the test, since the exit status of the
# test's process is ignored and leaks are only found at its exit. So every process valgrind
# follows writes its own log, and this script reads the logs afterwards.
#
# Programs started from /bin and /usr/bin (the shell of a command-line test, its tools) are
# not followed: their leaks are not vkgpt's. VALGRIND_EXTRA adds options: to find where an
# uninitialised value came from, rerun the failing test with VALGRIND_EXTRA=--track-origins=yes
# (left off by default: it makes the gpu tests two to three times slower under valgrind).
set -u
here=$(cd "$(dirname "$0")" && pwd)
logs=$(mktemp -d "${TMPDIR:-/tmp}/vkgpt-valgrind.XXXXXX") || exit 2
trap 'rm -rf "$logs"' EXIT

# shellcheck disable=SC2086
valgrind --tool=memcheck --trace-children=yes --trace-children-skip='/bin/*,/usr/bin/*' \
    --leak-check=full --show-leak-kinds=definite,indirect,possible \
    --errors-for-leak-kinds=definite,indirect,possible \
    --suppressions="$here/valgrind.supp" --gen-suppressions=all \
    --log-file="$logs/%p.log" ${VALGRIND_EXTRA:-} "$@"
rc=$?

# A process that exec's another (the shell running a test's command) leaves a log with no
# summary; only complete logs with errors count.
failed=0
for log in "$logs"/*.log; do
    [ -e "$log" ] || continue
    if grep -q "ERROR SUMMARY: [1-9]" "$log"; then
        echo "valgrind: errors in process $(basename "$log" .log):" >&2
        cat "$log" >&2
        failed=1
    fi
done
[ $failed = 0 ] || exit 1
exit $rc
