#!/bin/sh
# run_all.sh SECONDS: runs every weight-file fuzzer for SECONDS each (default 60) from its seed
# corpus, keeping what it finds in build-fuzz/corpus/<target>. Build first (docs/FUZZING.md).
set -e
seconds=${1:-60}
root=$(dirname "$0")/..
for t in safetensors torch_zip pickle; do
    dict=$root/fuzz/pickle.dict
    [ "$t" = safetensors ] && dict=$root/fuzz/safetensors.dict
    mkdir -p "$root/build-fuzz/corpus/$t"
    "$root/build-fuzz/fuzz/fuzz_$t" -max_total_time="$seconds" -rss_limit_mb=2048 \
        -max_len=65536 -print_final_stats=1 -dict="$dict" \
        "$root/build-fuzz/corpus/$t" "$root/fuzz/corpus/$t"
done
