#!/usr/bin/env bash
# End-to-end runs of the eigen sub-routines (--method) and deflation forms (--deflation).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# Checks the solver and kernel fields of OUTPUT/report.json: the method and
# deflation named, one product counted per iteration at least, and a
# positive time, size and bandwidth per product.
# Usage: check_kernel_report NAME OUTPUT METHOD DEFLATION
check_kernel_report() {
    local name=$1 output=$2 method=$3 deflation=$4 reason
    if reason=$("$python" - "$output/report.json" "$method" "$deflation" <<'PY'
import json
import sys

path, method, deflation = sys.argv[1:]
with open(path) as f:
    report = json.load(f)
solver, kernel = report["solver"], report["kernel"]
problems = []
if solver["method"] != method:
    problems.append(f"solver.method is {solver['method']}, expected {method}")
if solver["deflation"] != deflation:
    problems.append(f"solver.deflation is {solver['deflation']}, expected {deflation}")
if kernel["products"] < solver["total_iterations"]:
    problems.append(f"{kernel['products']} products < {solver['total_iterations']} iterations")
d = report["input"]["dimension"]
if kernel["bytes_per_product"] != 4.0 * d * (d + 1):
    problems.append(f"bytes_per_product {kernel['bytes_per_product']} != 8 d (d + 1) / 2")
for field in ("seconds_per_product", "bandwidth_gb_per_s"):
    if not kernel[field] > 0:
        problems.append(f"kernel.{field} is {kernel[field]}, expected > 0")
for entry in report["components"]:
    bound = entry["bounds"]["power_iteration"]
    if method != "power" and bound["value"] is not None:
        problems.append(f"component {entry['component']} has a power-iteration bound")
if problems:
    print("; ".join(problems))
    sys.exit(1)
PY
    ); then
        pass "$name"
    else
        fail "$name" "$reason"
    fi
}

# --- Lanczos with --check at 1 to 4 ranks ----------------------------------

declare -A lanczos_output
for ranks in 1 2 3 4; do
    expect_result "lanczos synthetic power:1 --check" "$ranks" \
        synthetic OUTPUT 300 1 5 -- \
        --synthetic 300 --spectrum power:1 --components 5 --method lanczos \
        --check &&
        python_check "lanczos --check report np=$ranks" self-check "$last_output" &&
        check_kernel_report "lanczos kernel report np=$ranks" "$last_output" \
            lanczos explicit
    lanczos_output[$ranks]=$last_output
done
for ranks in 2 3 4; do
    compare_outputs "lanczos np=$ranks equals np=1" \
        "${lanczos_output[1]}" "${lanczos_output[$ranks]}"
done

# --- Deflation forms and the power method ----------------------------------

declare -A form_output
for method in lanczos power; do
    for deflation in explicit implicit; do
        expect_result "$method $deflation geometric:0.9 --check" 2 \
            self-check OUTPUT -- \
            --synthetic 200 --spectrum geometric:0.9 --components 4 \
            --method "$method" --deflation "$deflation" --check &&
            check_kernel_report "$method $deflation kernel report" \
                "$last_output" "$method" "$deflation"
        form_output[$method-$deflation]=$last_output
    done
done
compare_outputs "lanczos implicit equals explicit" \
    "${form_output[lanczos-explicit]}" "${form_output[lanczos-implicit]}"
compare_outputs "power implicit equals explicit" \
    "${form_output[power-explicit]}" "${form_output[power-implicit]}"
compare_outputs "lanczos equals power" \
    "${form_output[lanczos-implicit]}" "${form_output[power-implicit]}"

# A basis of 3 vectors restarts after every product but still converges.
expect_result "lanczos krylov-dim 3" 2 synthetic OUTPUT 150 1 3 -- \
    --synthetic 150 --spectrum power:1 --components 3 --krylov-dim 3

# --- Measured bandwidth ----------------------------------------------------

new_output
if run_expecting_success "measure-bandwidth" 2 "$output" \
    --synthetic 200 --components 2 --measure-bandwidth; then
    if grep -qE '% of the triad' "$output.stdout" &&
        "$python" -c 'import json, sys
kernel = json.load(open(sys.argv[1]))["kernel"]
sys.exit(0 if kernel["triad_bandwidth_gb_per_s"] > 0 and kernel["fraction_of_triad"] > 0 else 1)' \
            "$output/report.json"; then
        pass "measure-bandwidth"
    else
        fail "measure-bandwidth" "no triad bandwidth in the summary or report.json"
    fi
fi

# --- Indefinite matrices and invalid options --------------------------------

# plusminus3 (eigenvalues 3, -3, 1, 0.5) reaches the solver, where Lanczos
# finds the Ritz value -3. The trace check rejects path3 (trace 0) first.
for ranks in 1 2; do
    expect_error "lanczos indefinite plusminus3" "$ranks" \
        'positive semidefinite;Ritz value' \
        --input "$cases_dir/indefinite-covariance/plusminus3.npy" \
        --input-kind covariance --components 2 --method lanczos
done
expect_error "unknown method" 2 "invalid --method 'arnoldi'" \
    --synthetic 50 --method arnoldi
expect_error "unknown deflation" 2 "invalid --deflation 'lazy'" \
    --synthetic 50 --deflation lazy
expect_error "krylov-dim 2" 2 'invalid --krylov-dim 2' \
    --synthetic 50 --krylov-dim 2
expect_error "target accuracy with lanczos" 2 \
    '--target-accuracy needs --method power' \
    --synthetic 50 --method lanczos --target-accuracy 1e-6

finish_suite
