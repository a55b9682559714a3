#!/bin/bash
# tokenizer_linear.sh BUILD_DIR TOKENIZER_DIR: encoding time per byte on pathological input at
# growing lengths. Linear-time BPE keeps ns/byte flat as the length grows 40-fold; a quadratic
# merge loop would grow it 40-fold too. Not a test: timings depend on the machine.
#
#   bench/tokenizer_linear.sh build build/tests/tokenizer/gpt2
set -eu
build="${1:?usage: tokenizer_linear.sh BUILD_DIR TOKENIZER_DIR}"
tokdir="${2:?usage: tokenizer_linear.sh BUILD_DIR TOKENIZER_DIR}"
export VKGPT_PLUGIN_PATH="$build/plugins"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

make_input() { # kind bytes file
    case "$1" in
    a) head -c "$2" /dev/zero | tr '\0' 'a' ;;
    spaces) head -c "$2" /dev/zero | tr '\0' ' ' ;;
    cyrillic) yes 'ы' | tr -d '\n' | head -c "$2" ;;
    letters) awk -v n="$2" 'BEGIN { srand(1); for (i = 0; i < n; i++)
                                      printf "%c", 97 + int(rand() * 26) }' ;;
    esac > "$3"
}

printf '%-10s %10s %12s %10s\n' input bytes ns/byte MB/s
for kind in a cyrillic spaces letters; do
    for n in 25000 100000 1000000; do
        make_input "$kind" "$n" "$tmp/in"
        out=$("$build/cli/vkgpt" tokenize --tokenizer "$tokdir" --bench "$tmp/in" --seconds 1)
        rate=$(echo "$out" | sed -n 's/^encode: \([0-9.]*\) MB\/s (\([0-9.]*\) ns\/byte).*/\2 \1/p')
        printf '%-10s %10d %12s %10s\n' "$kind" "$n" $rate
    done
done
