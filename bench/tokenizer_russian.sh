#!/bin/bash
# tokenizer_russian.sh BUILD_DIR TOKENIZER_DIR: encoding speed on Russian prose, single thread.
# The text is Russian documentation shipped by Debian packages: vim's Russian tutor
# (vim-runtime) and the Russian manual pages (manpages-ru and others), rendered to plain text.
#
#   bench/tokenizer_russian.sh build build/tests/tokenizer/gpt2
set -eu
build="${1:?usage: tokenizer_russian.sh BUILD_DIR TOKENIZER_DIR}"
tokdir="${2:?usage: tokenizer_russian.sh BUILD_DIR TOKENIZER_DIR}"
export VKGPT_PLUGIN_PATH="$build/plugins"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

{
    cat /usr/share/vim/vim*/tutor/tutor.ru.utf-8 2> /dev/null || true
    for page in /usr/share/man/ru/man*/*; do
        MANWIDTH=100 man -l "$page" 2> /dev/null | col -b
    done
} > "$tmp/ru.txt"
if [ ! -s "$tmp/ru.txt" ]; then
    echo "no Russian text found: install vim-runtime or manpages-ru" >&2
    exit 1
fi
"$build/cli/vkgpt" tokenize --tokenizer "$tokdir" --bench "$tmp/ru.txt" --seconds 3
