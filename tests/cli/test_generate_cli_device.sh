#!/bin/bash
# test_generate_cli_device.sh VKGPT SOURCE_ROOT: `vkgpt generate` end to end on a device: the
# tiny3 checkpoint with the tokenizer written for it, greedy with f32 weights, must produce the
# reference decoder's ids (tests/fixtures/decode/gpt2-tiny3.expected.json, case stream_greedy),
# stream the prompt and the text those ids decode to, and print the same in --json.
set -u
vkgpt="$1"
root="$2"
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

if ! "$vkgpt" devices 2> /dev/null | grep -q .; then
    echo "no Vulkan device"
    exit 77 # meson's code for a skipped test
fi

mkdir "$tmp/model"
cp "$root"/tests/fixtures/gpt2/tiny3-st/* "$root"/tests/fixtures/decode/tiny3-tokenizer/* \
    "$tmp/model/"
# The prompt text and the expected ids, one line each.
python3 - "$root/tests/fixtures/decode/gpt2-tiny3.expected.json" > "$tmp/case" <<'PY'
import json, sys
case = next(c for c in json.load(open(sys.argv[1]))["cases"] if c["name"] == "stream_greedy")
print(case["prompt_texts"][0])
print(" ".join(str(i) for i in case["outputs"][0][0]["ids"]))
PY
prompt=$(sed -n 1p "$tmp/case")
want_ids=$(sed -n 2p "$tmp/case")
n_new=$(echo "$want_ids" | wc -w)

json_ids_match() {
    "$vkgpt" generate -m "$tmp/model" -p "$prompt" -n "$n_new" --dtype f32 --json \
        > "$tmp/json" || return 1
    local got
    got=$(python3 -c 'import json, sys; s = json.load(open(sys.argv[1]))["sequences"][0]
print(" ".join(map(str, s["ids"])))' "$tmp/json") && [ "$got" = "$want_ids" ]
}

streamed_text_matches() {
    "$vkgpt" generate -m "$tmp/model" -p "$prompt" -n "$n_new" --dtype f32 > "$tmp/stream" &&
        "$vkgpt" detokenize --tokenizer "$tmp/model" $want_ids > "$tmp/text" &&
        { printf '%s' "$prompt"; cat "$tmp/text"; printf '\n'; } > "$tmp/want" &&
        cmp "$tmp/stream" "$tmp/want"
}

config_file_and_flags() {
    printf 'model:\n  path: "%s"\n  dtype: f16\ngeneration:\n  max_new_tokens: 2\n' \
        "$tmp/model" > "$tmp/run.yaml"
    "$vkgpt" generate -c "$tmp/run.yaml" --dtype f32 -n "$n_new" -p "$prompt" --json \
        > "$tmp/json" || return 1
    local got
    got=$(python3 -c 'import json, sys; s = json.load(open(sys.argv[1]))["sequences"][0]
print(" ".join(map(str, s["ids"])))' "$tmp/json") && [ "$got" = "$want_ids" ]
}

check "--json ids are the reference's" json_ids_match
check "streamed text is the prompt and the ids' text" streamed_text_matches
check "flags over a config file" config_file_and_flags
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
