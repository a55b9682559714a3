#!/bin/bash
# test_tokenizer_cli.sh VKGPT FIXTURES: the tokenizer commands end to end: train a vocabulary,
# tokenize and detokenize a file through it, the output formats, and exit codes for errors.
set -u
vkgpt="$1"
fixtures="$2"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0

check() { # name, then a command that must succeed
    local name="$1"
    shift
    if "$@" > "$tmp/out" 2> "$tmp/err"; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        echo "FAIL: $name"
        sed 's/^/  /' "$tmp/out" "$tmp/err" | head -20
    fi
}

train() {
    "$vkgpt" tokenizer train --vocab-size 400 --out "$tmp/tok" "$fixtures/russian.txt" &&
        [ -s "$tmp/tok/vocab.json" ] && [ -s "$tmp/tok/merges.txt" ]
}

round_trip() {
    "$vkgpt" tokenize --tokenizer "$tmp/tok" -f "$fixtures/russian.txt" > "$tmp/ids" &&
        "$vkgpt" detokenize --tokenizer "$tmp/tok" -f "$tmp/ids" > "$tmp/back" &&
        cmp "$tmp/back" "$fixtures/russian.txt"
}

ids_as_arguments() {
    [ "$("$vkgpt" detokenize --tokenizer "$tmp/tok" 208 159 209 128)" = "Пр" ]
}

json_output() {
    local out
    local want='{"ids": [97, 32, 34, 98, 34], "pieces": ["a", "Ġ", "\"", "b", "\""]}'
    out=$("$vkgpt" tokenize --tokenizer "$tmp/tok" -p 'a "b"' --json) && [ "$out" = "$want" ]
}

pieces_output() {
    [ "$("$vkgpt" tokenize --tokenizer "$tmp/tok" -p 'a b' --pieces)" = "a Ġb" ] ||
        [ "$("$vkgpt" tokenize --tokenizer "$tmp/tok" -p 'a b' --pieces)" = "a Ġ b" ]
}

special_text() {
    [ "$("$vkgpt" tokenize --tokenizer "$tmp/tok" -p '<|endoftext|>' --special)" = "399" ]
}

bench_prints_rate() {
    "$vkgpt" tokenize --tokenizer "$tmp/tok" --bench "$fixtures/russian.txt" --seconds 0.2 |
        grep -q 'MB/s'
}

missing_folder_fails() {
    "$vkgpt" tokenize --tokenizer "$tmp/none" -p x 2> "$tmp/e"
    [ $? -eq 1 ] && grep -q "$tmp/none" "$tmp/e"
}

bad_usage_is_2() {
    "$vkgpt" tokenize -p x 2> /dev/null
    [ $? -eq 2 ]
}

unknown_ids_reported() {
    "$vkgpt" detokenize --tokenizer "$tmp/tok" 97 99999 > "$tmp/o" 2> "$tmp/e" &&
        [ "$(cat "$tmp/o")" = "a" ] && grep -q "1 id(s) name no token" "$tmp/e"
}

check "train" train
check "round trip through a file" round_trip
check "ids as arguments" ids_as_arguments
check "json output" json_output
check "pieces output" pieces_output
check "special token text" special_text
check "bench prints MB/s" bench_prints_rate
check "missing folder fails with its name" missing_folder_fails
check "bad usage exits 2" bad_usage_is_2
check "unknown ids reported" unknown_ids_reported
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
