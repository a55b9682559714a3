#!/bin/bash
# test_generate_cli.sh VKGPT SOURCE_ROOT: the config and generate commands without a device:
# flags and KEY=VALUE overrides show in `vkgpt config --print` over a shipped config, a bad
# config stops `vkgpt generate` with its file:line:col, and every command's --help gives each
# option that takes a value its default.
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

# The value of one key in printed YAML: the line "  NAME: VALUE" under "SECTION:".
key_value() { # section, name; reads the YAML on stdin
    awk -v s="$1:" -v k="  $2:" '$0 == s { on = 1; next } /^[^ ]/ { on = 0 }
        on && index($0, k) == 1 { sub(k " *", ""); print; exit }'
}

flags_override_the_file() {
    "$vkgpt" config --print -c "$root/configs/sample.yaml" --temp 0.5 --top-k 7 \
        --no-repeat-ngram 3 -n 9 > "$tmp/cfg" || return 1
    [ "$(key_value generation temperature < "$tmp/cfg")" = "0.5" ] &&
        [ "$(key_value generation top_k < "$tmp/cfg")" = "7" ] &&
        [ "$(key_value generation no_repeat_ngram_size < "$tmp/cfg")" = "3" ] &&
        [ "$(key_value generation max_new_tokens < "$tmp/cfg")" = "9" ] &&
        [ "$(key_value generation top_p < "$tmp/cfg")" = "0.95" ] &&
        [ "$(key_value generation repetition_penalty < "$tmp/cfg")" = "1.1" ] &&
        [ "$(key_value generation strategy < "$tmp/cfg")" = "sample" ] &&
        [ "$(key_value model preset < "$tmp/cfg")" = "rugpt3-small" ]
}

later_settings_win() {
    "$vkgpt" config -c "$root/configs/sample.yaml" --temp 0.5 generation.temperature=0.3 \
        --max-new-tokens 5 --top-p 0.5 --set generation.top_p=0.75 > "$tmp/cfg" || return 1
    [ "$(key_value generation temperature < "$tmp/cfg")" = "0.3" ] &&
        [ "$(key_value generation max_new_tokens < "$tmp/cfg")" = "5" ] &&
        [ "$(key_value generation top_p < "$tmp/cfg")" = "0.75" ]
}

strategy_flag_over_a_beam_file() {
    "$vkgpt" config -c "$root/configs/beam.yaml" --strategy greedy > "$tmp/cfg" &&
        [ "$(key_value generation strategy < "$tmp/cfg")" = "greedy" ] &&
        [ "$(key_value generation num_beams < "$tmp/cfg")" = "1" ]
}

# Exit status 1 and a message that starts with the file and position.
fails_at() { # expected "file:line:col", then the vkgpt arguments
    local where="$1"
    shift
    "$vkgpt" "$@" > /dev/null 2> "$tmp/e"
    local rc=$?
    [ "$rc" -eq 1 ] && grep -qF "$where" "$tmp/e"
}

unknown_key_names_position() {
    printf 'generation:\n  strategy: sample\n  temprature: 0.5\n' > "$tmp/bad.yaml"
    fails_at "$tmp/bad.yaml:3:3" generate -c "$tmp/bad.yaml" -p hello &&
        grep -q "temperature" "$tmp/e"
}

wrong_type_names_position() {
    printf 'model:\n  dtype: f32\ngeneration:\n  top_k: many\n' > "$tmp/bad2.yaml"
    fails_at "$tmp/bad2.yaml:4:10" generate -c "$tmp/bad2.yaml" -p hello
}

out_of_range_names_position() {
    printf 'generation:\n  top_p: 1.5\n' > "$tmp/bad3.yaml"
    fails_at "$tmp/bad3.yaml:2:10" generate -c "$tmp/bad3.yaml" -p hello
}

bad_flag_value_is_an_error() {
    "$vkgpt" generate --temp warm -p hello > /dev/null 2> "$tmp/e"
    [ $? -eq 1 ] && grep -q "temperature" "$tmp/e"
}

missing_config_is_an_error() {
    fails_at "$tmp/none.yaml" generate -c "$tmp/none.yaml" -p hello
}

unknown_flag_is_usage_error() {
    "$vkgpt" generate --temperature 1 -p hello > /dev/null 2>&1
    [ $? -eq 2 ]
}

# Every option of a command's help (a line indented 2 to 6 columns, then '-') that names a value
# (an upper-case word, or a|b) says what its default is, or that it is required, on its line or
# on the lines that continue it (indented 7 columns or more).
help_gives_defaults() { # command words
    "$vkgpt" "$@" --help > "$tmp/help" || return 1
    awk -v value='^ +-[^ ]*(, --[a-z-]+)? ([A-Z][A-Z_]*|[a-z0-9]+[|])' '
        function flush() {
            if (entry ~ value && entry !~ /default|required/) {
                print "no default: " entry
                bad = 1
            }
            entry = ""
        }
        /^(  |   |    |     |      )-/ { flush(); entry = $0; next }
        /^       +[^ ]/ && entry != "" { entry = entry " " $0; next }
        { flush() }
        END { flush(); exit bad }' "$tmp/help"
}

every_help() {
    local ok=0
    for c in version devices selftest generate bench info config tokenize detokenize \
        "tokenizer train"; do
        # shellcheck disable=SC2086
        help_gives_defaults $c || { echo "in: vkgpt $c --help"; ok=1; }
    done
    "$vkgpt" --help | grep -q -- '--version' || ok=1
    return $ok
}

check "flags override the file in config --print" flags_override_the_file
check "later settings win" later_settings_win
check "--strategy greedy over a beam file" strategy_flag_over_a_beam_file
check "generate: unknown key at file:line:col" unknown_key_names_position
check "generate: wrong type at file:line:col" wrong_type_names_position
check "generate: out of range at file:line:col" out_of_range_names_position
check "generate: bad flag value" bad_flag_value_is_an_error
check "generate: missing config file" missing_config_is_an_error
check "generate: unknown flag exits 2" unknown_flag_is_usage_error
check "every --help gives defaults" every_help
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
