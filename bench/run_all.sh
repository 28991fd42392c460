#!/usr/bin/env bash
# Runs covdefl and its peers side by side on the same matrices, in one run.
# It builds the drivers, generates and caches the covariance matrices, and
# measures the machine's memory bandwidth (STREAM) and DGEMM rate. Then it
# runs every solver on every case REPS times and writes raw.jsonl, raw.csv
# and summary.md (medians, products, residuals, ratios) to
# bench/work/results/TIMESTAMP/. Numbers worth quoting need a quiet
# machine. Not part of CI.
#
# usage: bench/run_all.sh [options]
#   --quick               d = 2048 only, 1 repetition, --timeout 120
#   --dims LIST           matrix orders, comma-separated (2048,4096,8192)
#   --spectra LIST        inverse (λi = 1/i), geometric (0.9^(i−1)),
#                         clustered (groups of 5 within 1e-3 relative)
#   --ks LIST             numbers of components K (10,50)
#   --ranks LIST          MPI ranks, and BLAS threads of NumPy (1,2)
#   --reps N              repetitions of every run (3)
#   --tools LIST          any of covdefl,slepc,scalapack,machine,fashion
#                         (all)
#   --covdefl-methods L   covdefl --method values (detected from --help);
#                         block/chebyshev or power/pblas add the block
#                         iteration or the product kernel
#   --slepc-methods L     EPS types (krylovschur,power,subspace)
#   --tol T               tolerance of the iterative solvers (1e-8)
#   --max-iterations N    covdefl's limit per component (10000); SLEPc
#                         gets 10·N
#   --timeout S           wall-time limit of one run in seconds (1800)
#   --dense-limit S       skip PDSYEVR/PDSYEVD at larger d once a run took
#                         longer than S/8 seconds, because doubling d costs
#                         about 8 times as much (600)
#   --build-dir DIR       build folder (bench/work/build)
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
work=$repo/bench/work
build_dir=$work/build
dims=2048,4096,8192
spectra=inverse,geometric,clustered
ks=10,50
ranks_list=1,2
reps=3
tools=covdefl,slepc,scalapack,machine,fashion
covdefl_methods=
slepc_methods=krylovschur,power,subspace
tol=1e-8
max_iterations=10000
timeout_seconds=
dense_limit=600
quick=0
fashion_images=/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz
python=/usr/bin/python3
command_line="bench/run_all.sh $*"

usage() {
    sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'
}

while (($# > 0)); do
    case $1 in
    --quick) quick=1 ;;
    --dims) dims=$2; shift ;;
    --spectra) spectra=$2; shift ;;
    --ks) ks=$2; shift ;;
    --ranks) ranks_list=$2; shift ;;
    --reps) reps=$2; shift ;;
    --tools) tools=$2; shift ;;
    --covdefl-methods) covdefl_methods=$2; shift ;;
    --slepc-methods) slepc_methods=$2; shift ;;
    --tol) tol=$2; shift ;;
    --max-iterations) max_iterations=$2; shift ;;
    --timeout) timeout_seconds=$2; shift ;;
    --dense-limit) dense_limit=$2; shift ;;
    --build-dir) build_dir=$2; shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "run_all: error: unknown option '$1'; see --help" >&2; exit 1 ;;
    esac
    shift
done
if ((quick)); then
    dims=2048
    reps=1
    timeout_seconds=${timeout_seconds:-120}
fi
timeout_seconds=${timeout_seconds:-1800}
IFS=, read -ra dims <<<"$dims"
IFS=, read -ra spectra <<<"$spectra"
IFS=, read -ra ks <<<"$ks"
IFS=, read -ra ranks_list <<<"$ranks_list"
IFS=, read -ra slepc_methods <<<"$slepc_methods"
max_k=0
for k in "${ks[@]}"; do
    if ((k > max_k)); then
        max_k=$k
    fi
done

wants() { [[ ,$tools, == *,$1,* ]]; }

if [[ $(id -u) -eq 0 ]]; then
    export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1

# 1. Packages and build.
"$repo/bench/setup.sh"
echo "run_all: building in $build_dir"
cmake -S "$repo" -B "$build_dir" -DCMAKE_BUILD_TYPE=Release \
    -DCOVDEFL_BENCH=ON -DCOVDEFL_BUILD_TESTS=OFF >/dev/null
make -C "$build_dir" -j "${JOBS:-2}" >/dev/null
covdefl=$build_dir/covdefl
drivers=$build_dir/bench

stamp=$(date -u +%Y%m%dT%H%M%SZ)
results=$work/results/$stamp
logs=$results/logs
mkdir -p "$logs" "$work/matrices"
ln -sfn "$stamp" "$work/results/latest"
raw=$results/raw.jsonl
: >"$raw"

# 2. covdefl's methods: the words of the --method entry in --help that a
# tiny run accepts, or "power" when covdefl has no --method option.
detect_methods() {
    local help candidates=() word
    help=$("$covdefl" --help)
    if ! grep -q -- '--method' <<<"$help"; then
        echo power
        return
    fi
    mapfile -t candidates < <(awk '
        /^  -/ { inside = ($0 ~ /--method[ =]/) }
        inside { print }' <<<"$help" | sed 's/--method//' |
        grep -oE '\b[a-z][a-z0-9_-]+\b' | sort -u)
    local accepted=()
    for word in "${candidates[@]}"; do
        if mpirun -np 1 "$covdefl" --method "$word" --synthetic 16 -k 1 -q \
            -o "$results/method-probe" >/dev/null 2>&1; then
            accepted+=("$word")
        fi
    done
    rm -rf "$results/method-probe"
    (IFS=,; echo "${accepted[*]}")
}
# The covdefl options of a method word: "block", or "block/chebyshev" and
# "power/pblas", where the words after the method choose the block
# iteration (krylov, chebyshev) or the product kernel (triangle, pblas).
method_flags() {
    local words part
    IFS=/ read -ra words <<<"$1"
    echo "--method ${words[0]}"
    for part in "${words[@]:1}"; do
        case $part in
        krylov | chebyshev) echo "--block-iteration $part" ;;
        triangle | pblas) echo "--product-kernel $part" ;;
        *) echo "run_all: unknown method variant '$part' in '$1'" >&2 ;;
        esac
    done
}

# A covdefl without a --method option runs power iteration, so the harness
# passes no flag to it.
# The help text goes through a variable: with pipefail, grep -q closing
# the pipe early would make "covdefl --help | grep -q" fail.
method_flag=1
covdefl_help=$("$covdefl" --help)
if ! grep -q -- '--method' <<<"$covdefl_help"; then
    method_flag=0
fi
if [[ -z $covdefl_methods ]]; then
    covdefl_methods=$(detect_methods)
fi
IFS=, read -ra covdefl_methods <<<"$covdefl_methods"
echo "run_all: covdefl methods: ${covdefl_methods[*]}"

# 3. The run's header: command, machine and versions.
{
    echo "# Benchmark run $stamp"
    echo
    echo "Command: \`$command_line\` (commit $(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown))."
    echo
    echo "- CPU: $(lscpu | sed -n 's/^Model name: *//p') ($(nproc --all) cores)"
    echo "- $(mpirun --version | head -1); ScaLAPACK $(dpkg-query -W -f='${Version}' libscalapack-openmpi-dev 2>/dev/null); OpenBLAS $(dpkg-query -W -f='${Version}' libopenblas0-pthread 2>/dev/null || echo '?')"
    echo "- PETSc $(pkg-config --modversion PETSc), SLEPc $(pkg-config --modversion slepc); scikit-learn $($python -c 'import sklearn; print(sklearn.__version__)'), NumPy $($python -c 'import numpy; print(numpy.__version__)')"
    echo "- dimensions ${dims[*]}; spectra ${spectra[*]}; K ${ks[*]}; ranks ${ranks_list[*]}; repetitions $reps; tolerance $tol; timeout ${timeout_seconds} s; dense limit ${dense_limit} s"
    echo "- covdefl methods: ${covdefl_methods[*]}; SLEPc methods: ${slepc_methods[*]}"
} >"$results/header.md"

# Runs "$@" under the time limit with stdout and stderr in $logs/$name.*,
# and sets exit_code, wall (seconds) and last_command.
execute() {
    local name=$1
    shift
    local start end
    start=$(date +%s.%N)
    set +e
    timeout --kill-after=30 "$timeout_seconds" "$@" \
        >"$logs/$name.out" 2>"$logs/$name.err"
    exit_code=$?
    set -e
    end=$(date +%s.%N)
    wall=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f", b - a }')
    last_command="$*"
}

# Maps an exit status to the status column: 3 is covdefl's and 1 the SLEPc
# driver's "results written, not all converged" (only when it printed a
# record).
status_of() {
    local code=$1 has_record=$2
    case $code in
    0) echo ok ;;
    124 | 137) echo timeout ;;
    3) echo not_converged ;;
    1) if ((has_record)); then echo not_converged; else echo failed; fi ;;
    *) echo failed ;;
    esac
}

# Appends a record with the command of the last execute, if any.
last_command=
record() {
    "$python" "$repo/bench/results.py" record "$raw" "$@" \
        command="$last_command"
}

# 4. Matrices, generated once by covdefl's synthetic generator.
matrix_path() { echo "$work/matrices/$1-$2.npy"; }
if wants covdefl || wants slepc || wants scalapack; then
    for d in "${dims[@]}"; do
        for spectrum in "${spectra[@]}"; do
            path=$(matrix_path "$spectrum" "$d")
            if [[ ! -f $path ]]; then
                echo "run_all: generating $path"
                mpirun -np 1 "$drivers/make_covariance" "$d" "$spectrum" \
                    "$path" 42 >>"$work/matrices/generation.log"
            fi
        done
    done
fi

# 5. Machine limits.
if wants machine; then
    for ranks in "${ranks_list[@]}"; do
        name=stream-r$ranks
        execute "$name" mpirun -np "$ranks" --oversubscribe "$drivers/stream"
        record driver "$logs/$name.out" case=machine tool=stream \
            ranks="$ranks" status="$(status_of "$exit_code" 0)" \
            exit_code="$exit_code" wall_seconds="$wall"
        name=dgemm-r$ranks
        execute "$name" mpirun -np "$ranks" --oversubscribe \
            "$drivers/dgemm_peak" 4096 3
        record driver "$logs/$name.out" case=machine tool=dgemm \
            ranks="$ranks" status="$(status_of "$exit_code" 0)" \
            exit_code="$exit_code" wall_seconds="$wall"
        echo "run_all: machine limits at $ranks ranks measured"
    done
fi

# Dense solvers are skipped at orders of at least dense_skip[routine:ranks].
declare -A dense_skip=()
declare -A dense_reason=()

run_dense() {
    local routine=$1 path=$2 d=$3 spectrum=$4 k=$5 ranks=$6 rep=$7
    local key=$routine:$ranks name meta
    meta=(case=matrix spectrum="$spectrum" dimension="$d" ranks="$ranks"
        repetition="$rep" tool=scalapack method="$routine")

    if [[ -n ${dense_skip[$key]:-} ]] && ((d >= dense_skip[$key])); then
        last_command=
        for kk in "${ks[@]}"; do
            [[ $routine == pdsyevr && $kk != "$k" ]] && continue
            record driver /dev/null "${meta[@]}" components="$kk" \
                status=skipped note="${dense_reason[$key]}"
        done
        return
    fi

    name=$routine-$spectrum-$d-k$k-r$ranks-$rep
    execute "$name" mpirun -np "$ranks" --oversubscribe \
        "$drivers/scalapack_eigs" --input "$path" --routine "$routine" -k "$k"
    local status
    status=$(status_of "$exit_code" 0)
    if [[ $routine == pdsyevd ]]; then
        # One PDSYEVD run computes every eigenpair, so it stands for each K
        # (its residual is over the top max(K) pairs).
        for kk in "${ks[@]}"; do
            record driver "$logs/$name.out" "${meta[@]}" components="$kk" \
                status="$status" exit_code="$exit_code" wall_seconds="$wall" \
                note="one run for all K"
        done
    else
        record driver "$logs/$name.out" "${meta[@]}" components="$k" \
            status="$status" exit_code="$exit_code" wall_seconds="$wall"
    fi

    if [[ $status == timeout ]]; then
        dense_skip[$key]=$d
        dense_reason[$key]="skipped: $routine at d = $d took more than ${timeout_seconds} s"
    elif awk -v w="$wall" -v l="$dense_limit" 'BEGIN { exit !(8 * w > l) }'; then
        dense_skip[$key]=$((d + 1))
        dense_reason[$key]="skipped: $routine took $wall s at d = $d, so about 8 x $wall s > ${dense_limit} s at 2d"
    fi
}

# 6. Eigensolvers on the cached matrices. Repetitions are the outer loop, so
# the noise of the machine spreads over every case.
solver_reps=$reps
if ! wants covdefl && ! wants slepc && ! wants scalapack; then
    solver_reps=0
fi
for ((rep = 1; rep <= solver_reps; ++rep)); do
    for d in "${dims[@]}"; do
        for spectrum in "${spectra[@]}"; do
            path=$(matrix_path "$spectrum" "$d")
            for ranks in "${ranks_list[@]}"; do
                if wants scalapack; then
                    run_dense pdsyevd "$path" "$d" "$spectrum" "$max_k" \
                        "$ranks" "$rep"
                fi
                for k in "${ks[@]}"; do
                    meta=(case=matrix spectrum="$spectrum" dimension="$d"
                        components="$k" ranks="$ranks" repetition="$rep")
                    if wants covdefl; then
                        for method in "${covdefl_methods[@]}"; do
                            name=covdefl-${method//\//+}-$spectrum-$d-k$k-r$ranks-$rep
                            out=$results/covdefl-output
                            rm -rf "$out"
                            flag=()
                            ((method_flag)) && flag=($(method_flags "$method"))
                            execute "$name" mpirun -np "$ranks" --oversubscribe \
                                "$covdefl" "${flag[@]}" --input "$path" \
                                --input-kind covariance -k "$k" --tol "$tol" \
                                --max-iterations "$max_iterations" -q -o "$out"
                            record covdefl "$out/report.json" "${meta[@]}" \
                                tool=covdefl method="$method" \
                                status="$(status_of "$exit_code" 0)" \
                                exit_code="$exit_code" wall_seconds="$wall"
                        done
                    fi
                    if wants slepc; then
                        for method in "${slepc_methods[@]}"; do
                            name=slepc-$method-$spectrum-$d-k$k-r$ranks-$rep
                            execute "$name" mpirun -np "$ranks" --oversubscribe \
                                "$drivers/slepc_eigs" -input "$path" \
                                -method "$method" -k "$k" -tol "$tol" \
                                -max_it $((10 * max_iterations))
                            has_record=0
                            grep -q '^{' "$logs/$name.out" && has_record=1
                            record driver "$logs/$name.out" "${meta[@]}" \
                                tool=slepc method="$method" \
                                status="$(status_of "$exit_code" "$has_record")" \
                                exit_code="$exit_code" wall_seconds="$wall"
                        done
                    fi
                    if wants scalapack; then
                        run_dense pdsyevr "$path" "$d" "$spectrum" "$k" \
                            "$ranks" "$rep"
                    fi
                done
                echo "run_all: repetition $rep, d = $d, $spectrum, $ranks ranks done"
            done
        done
    done
done
rm -rf "$results/covdefl-output"

# 7. Fashion-MNIST end to end: covdefl on R ranks against scikit-learn and
# NumPy with R BLAS threads.
if wants fashion; then
    for ((rep = 1; rep <= reps; ++rep)); do
        for ranks in "${ranks_list[@]}"; do
            meta=(case=fashion-mnist dimension=784 components=10
                ranks="$ranks" repetition="$rep")
            name=fashion-covdefl-r$ranks-$rep
            out=$results/covdefl-output
            rm -rf "$out"
            execute "$name" mpirun -np "$ranks" --oversubscribe "$covdefl" \
                --input "$fashion_images" -k 10 -q -o "$out"
            record covdefl "$out/report.json" "${meta[@]}" tool=covdefl \
                status="$(status_of "$exit_code" 0)" exit_code="$exit_code" \
                wall_seconds="$wall"
            for method in full arpack randomized eigh; do
                name=fashion-$method-t$ranks-$rep
                OPENBLAS_NUM_THREADS=$ranks OMP_NUM_THREADS=$ranks \
                    execute "$name" "$python" "$repo/bench/sklearn_pca.py" \
                    --method "$method" -k 10 "$fashion_images"
                tool=sklearn
                [[ $method == eigh ]] && tool=numpy
                record driver "$logs/$name.out" "${meta[@]}" tool="$tool" \
                    method="$method" threads="$ranks" status="$(status_of "$exit_code" 0)" \
                    exit_code="$exit_code" wall_seconds="$wall"
            done
            echo "run_all: Fashion-MNIST repetition $rep at $ranks ranks/threads done"
        done
    done
    rm -rf "$results/covdefl-output"
fi

# 8. Tables.
"$python" "$repo/bench/results.py" summarize "$results"
echo "run_all: results in $results (raw.jsonl, raw.csv, summary.md)"
