#!/usr/bin/env bash
# run_installed.sh: what a user of the installed library does, end to end. Configures and
# installs vkgpt under a temporary prefix (build folder build-install/), builds the examples
# against it with nothing but pkg-config, and streams a generation from the tiny3 test
# checkpoint with the tokenizer written for it (tests/fixtures/decode/tiny3-tokenizer). The
# tokenizer plugin must come from the install folder <libdir>/vkgpt/plugins, so
# VKGPT_PLUGIN_PATH is cleared. Run from anywhere; CI runs it after the test suites.
set -euo pipefail
cd "$(dirname "$0")/.."

prefix=$(mktemp -d /tmp/vkgpt-prefix.XXXXXX)
work=$(mktemp -d /tmp/vkgpt-example.XXXXXX)
trap 'rm -rf "$prefix" "$work"' EXIT

rm -rf build-install
meson setup build-install --prefix "$prefix" -Dtests=false ${VKGPT_WERROR:+--werror} > /dev/null
ninja -C build-install > /dev/null
meson install -C build-install --quiet > /dev/null

pc=$(find "$prefix" -name vkgpt.pc -printf '%h\n' | head -n 1)
libdir=$(PKG_CONFIG_PATH="$pc" pkg-config --variable=libdir vkgpt)
if ! ls "$libdir"/vkgpt/plugins/vkgpt_plugin_bpe.* > /dev/null 2>&1; then
    echo "run_installed: no bpe plugin in $libdir/vkgpt/plugins" >&2
    exit 1
fi

rm -f examples/stream
PKG_CONFIG_PATH="$pc" make -s -C examples CFLAGS="-O2 -Wall -Wextra ${VKGPT_WERROR:+-Werror}"

cp tests/fixtures/gpt2/tiny3-st/* tests/fixtures/decode/tiny3-tokenizer/* "$work/"
env -u VKGPT_PLUGIN_PATH LD_LIBRARY_PATH="$libdir" \
    examples/stream "$work" "ebc the" 16 > "$work/out" 2> "$work/err" || {
    cat "$work/err" >&2
    exit 1
}

# The prompt comes back first, then the continuation, which must be what the installed vkgpt
# command generates with the same settings.
env -u VKGPT_PLUGIN_PATH LD_LIBRARY_PATH="$libdir" \
    "$prefix/bin/vkgpt" generate -m "$work" -p "ebc the" -n 16 > "$work/cli" 2>&1
if ! head -c 7 "$work/out" | grep -q '^ebc the$' || [ "$(wc -c < "$work/out")" -le 8 ] ||
    ! grep -q 'new tokens' "$work/err" || ! cmp -s "$work/out" "$work/cli"; then
    echo "run_installed: unexpected output; examples/stream:" >&2
    cat "$work/out" "$work/err" >&2
    echo "vkgpt generate:" >&2
    cat "$work/cli" >&2
    exit 1
fi
echo "run_installed: examples/stream ran against the library installed in $prefix"
rm -f examples/stream
