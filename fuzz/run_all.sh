#!/bin/bash
# run_all.sh [-c] SECONDS [TARGET...]: runs every fuzzer (or the TARGETs named) one after the
# other for SECONDS each (default 60), from its seed corpus in fuzz/corpus/<target>, keeping
# what it finds in build-fuzz/corpus/<target> and any crashing input in build-fuzz/crashes/.
# Build first (docs/FUZZING.md).
#
#   -c   SECONDS counts the fuzzer's CPU time instead of wall time: on a shared machine a
#        recorded run then means the same amount of fuzzing whatever else runs. The fuzzer is
#        told to stop (SIGUSR1, which libFuzzer takes as "finish and print the stats") once its
#        user + system time reaches SECONDS.
#
# Prints one line per target: wall and CPU seconds, executions, corpus (inputs/bytes), verdict;
# the full output is in build-fuzz/logs/<target>.log. Exits 1 when any target crashed.
set -u
cpu_clock=0
if [ "${1:-}" = -c ]; then
    cpu_clock=1
    shift
fi
seconds=${1:-60}
shift $(( $# > 0 ? 1 : 0 ))
root=$(cd "$(dirname "$0")/.." && pwd)
build=$root/build-fuzz
targets=("$@")
[ ${#targets[@]} -gt 0 ] ||
    targets=(safetensors torch_zip pickle vocab_merges tokenizer_json encode config)

# Per target: dictionary and largest input. Tokenizer files need room for a whole vocabulary
# (the fixed one is 41 KB); text and configs find their bugs in short inputs.
options() {
    case "$1" in
        safetensors) echo "-dict=$root/fuzz/safetensors.dict -max_len=65536" ;;
        torch_zip | pickle) echo "-dict=$root/fuzz/pickle.dict -max_len=65536" ;;
        vocab_merges | tokenizer_json) echo "-dict=$root/fuzz/tokenizer.dict -max_len=65536" ;;
        encode) echo "-dict=$root/fuzz/encode.dict -max_len=16384" ;;
        config) echo "-dict=$root/fuzz/config.dict -max_len=16384" ;;
        *) echo "run_all.sh: unknown target '$1'" >&2; exit 2 ;;
    esac
}

clock_ticks=$(getconf CLK_TCK)
# The process's user + system time in whole seconds (fields 14 and 15 of /proc/PID/stat,
# counted after the command name, which may hold spaces).
cpu_seconds() {
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    stat=${stat##*) }
    set -- $stat
    echo $(( (${12} + ${13}) / clock_ticks ))
}

failed=0
mkdir -p "$build/logs" "$build/crashes"
for t in "${targets[@]}"; do
    exe=$build/fuzz/fuzz_$t
    [ -x "$exe" ] || { echo "run_all.sh: $exe is not built" >&2; exit 2; }
    opts=$(options "$t") || exit 2
    limit=-max_total_time=$seconds
    [ $cpu_clock = 1 ] && limit=
    mkdir -p "$build/corpus/$t"
    log=$build/logs/$t.log
    start=$(date +%s)
    # Seeds come second: libFuzzer writes new inputs to the first folder only.
    # shellcheck disable=SC2086
    "$exe" $limit $opts -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$build/crashes/$t-" "$build/corpus/$t" "$root/fuzz/corpus/$t" \
        > "$log" 2>&1 &
    pid=$!
    used=0
    while kill -0 $pid 2>/dev/null; do
        now=$(cpu_seconds $pid) && used=$now
        if [ $cpu_clock = 1 ] && [ "$used" -ge "$seconds" ]; then
            kill -USR1 $pid 2>/dev/null
            break
        fi
        sleep 1
    done
    wait $pid
    rc=$?
    wall=$(( $(date +%s) - start ))
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    corpus=$(grep -o 'corp: [0-9]*/[0-9]*[a-zA-Z]*' "$log" | tail -n 1)
    verdict=ok
    if [ $rc != 0 ]; then
        verdict="CRASH (exit $rc), see $log"
        failed=1
    fi
    printf '%-15s wall %5ss  cpu %5ss  execs %10s  %-16s %s\n' "$t" "$wall" "$used" \
        "${execs:-?}" "${corpus:-corp: ?}" "$verdict"
done
exit $failed
