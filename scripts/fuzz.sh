#!/usr/bin/env bash
# Builds the libFuzzer harnesses of fuzz/ with clang and runs each one for a
# bounded time on a corpus seeded from the test files. Not part of CI.
#
#   scripts/fuzz.sh [HARNESS...]      (default: every harness)
#
# Environment:
#   FUZZ_SECONDS  run time of each harness in seconds (default 300)
#   FUZZ_DIR      build folder, corpora and findings (default build-fuzz/ in
#                 the repository, which git ignores)
#   FUZZ_MAX_LEN  maximum input length in bytes (default 16384)
#
# Each harness runs as one libFuzzer job (-jobs=1). A run resumes from the
# corpus that earlier runs left in FUZZ_DIR/corpus/HARNESS. Crashes, hangs
# (over 10 s per input) and out-of-memory inputs are written to
# FUZZ_DIR/findings/HARNESS/, where they stay until removed. The summary
# counts every file there. The exit status is 1 when any is present or a
# libFuzzer run exits non-zero.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
fuzz_dir=${FUZZ_DIR:-$repo/build-fuzz}
seconds=${FUZZ_SECONDS:-300}
max_len=${FUZZ_MAX_LEN:-16384}
all_harnesses=(fuzz_npy_header fuzz_idx_header fuzz_csv_text fuzz_npy_file
    fuzz_idx_file fuzz_mtx_header)

if (($# > 0)); then
    harnesses=("$@")
else
    harnesses=("${all_harnesses[@]}")
fi

# Prints the input format of `harness`: npy, idx, csv or mtx.
format_of() {
    case $1 in
    fuzz_npy_header | fuzz_npy_file) echo npy ;;
    fuzz_idx_header | fuzz_idx_file) echo idx ;;
    fuzz_csv_text) echo csv ;;
    fuzz_mtx_header) echo mtx ;;
    *)
        echo "fuzz.sh: unknown harness '$1'; expected one of" \
            "${all_harnesses[*]}" >&2
        exit 2
        ;;
    esac
}

# Prints the test files of `format`, one per line.
seed_files() {
    local -a patterns
    case $1 in
    npy) patterns=(-name '*.npy') ;;
    idx) patterns=(-name '*idx*') ;;
    csv) patterns=(-name '*.csv' -o -name '*.tsv' -o -name '*.txt') ;;
    mtx) patterns=(-name '*.mtx' -o -name '*.mm') ;;
    esac
    find "$repo/tests/data" -type f \( "${patterns[@]}" \)
}

# Prints the value of `key` (cov, ft, corp, exec/s) from the last libFuzzer
# status line of `log`, or '-' when the log has none.
status_value() {
    local key=$1 log=$2
    grep -E '^#[0-9]+' "$log" | tail -n 1 |
        sed -nE "s/.* $key: ([^ ]+).*/\1/p" | grep . || echo -
}

for harness in "${harnesses[@]}"; do
    format_of "$harness" >/dev/null
done
# libclang-rt-14-dev contains libFuzzer and the sanitizer runtimes.
"$repo/scripts/setup.sh" clang-14 libclang-rt-14-dev

build_dir=$fuzz_dir/build
cmake -S "$repo" -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 \
    -DCOVDEFL_FUZZ=ON -DCOVDEFL_BUILD_TESTS=OFF >/dev/null
cmake --build "$build_dir" -j "$(nproc)" --target "${harnesses[@]}"

echo "fuzz.sh: $seconds s per harness, corpora and findings in $fuzz_dir"
summary=()
found_any=0
for harness in "${harnesses[@]}"; do
    format=$(format_of "$harness")
    corpus=$fuzz_dir/corpus/$harness
    findings=$fuzz_dir/findings/$harness
    run_dir=$fuzz_dir/runs/$harness
    mkdir -p "$corpus" "$findings" "$run_dir"
    seeds=$fuzz_dir/seeds/$harness
    rm -rf "$seeds"
    mkdir -p "$seeds"
    while IFS= read -r file; do
        # Flatten the path into a unique file name.
        relative=${file#"$repo/tests/data/"}
        cp "$file" "$seeds/${relative//\//_}"
    done < <(seed_files "$format")

    echo "fuzz.sh: running $harness ($(ls "$seeds" | wc -l) seed files," \
        "$(ls "$corpus" | wc -l) corpus files)"
    # libFuzzer writes the job's output to fuzz-0.log in the working
    # folder; its exit status is non-zero when it found something.
    status=0
    (cd "$run_dir" && "$build_dir/fuzz/$harness" -jobs=1 \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
        -max_len="$max_len" -print_final_stats=1 \
        -artifact_prefix="$findings/" -dict="$repo/fuzz/$format.dict" \
        "$corpus" "$seeds") >"$run_dir/driver.log" 2>&1 || status=$?
    log=$run_dir/fuzz-0.log
    [[ -f $log ]] || log=$run_dir/driver.log
    cp "$log" "$run_dir/last.log"

    executions=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+)/\1/p' \
        "$log" | tail -n 1)
    finding_count=$(find "$findings" -type f | wc -l)
    summary+=("$(printf '%-16s %8s %12s %6s %7s %8s %9s' "$harness" \
        "$seconds" "${executions:--}" "$(status_value cov "$log")" \
        "$(status_value ft "$log")" "$(ls "$corpus" | wc -l)" \
        "$finding_count")")
    if ((status != 0 || finding_count > 0)); then
        found_any=1
        echo "fuzz.sh: $harness exited with status $status; its log:" \
            "$run_dir/last.log"
        grep -E 'ERROR|SUMMARY|invariant failed|Test unit written' "$log" |
            head -n 20 || true
    fi
done

echo
printf '%-16s %8s %12s %6s %7s %8s %9s\n' harness seconds executions cov ft \
    corpus findings
printf '%s\n' "${summary[@]}"
if ((found_any)); then
    echo "fuzz.sh: findings are in $fuzz_dir/findings; reproduce one with" \
        "$build_dir/fuzz/HARNESS FILE"
    exit 1
fi
