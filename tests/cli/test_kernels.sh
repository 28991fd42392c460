#!/usr/bin/env bash
# End-to-end runs of the block iterations, the product kernels and the two
# ways of forming the covariance. Each runs against PDSYEVR and the known
# spectrum at 1-4 ranks, and must give the same results whichever
# iteration, kernel or rank count computed them. Invalid settings must
# give their errors.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# --- Block iterations -----------------------------------------------------

declare -A iteration_output
for iteration in krylov chebyshev; do
    for ranks in 1 2 3 4; do
        expect_result "block $iteration --check" "$ranks" synthetic OUTPUT \
            300 1 7 -- \
            --synthetic 300 --spectrum power:1 --components 7 --method block \
            --block-width 3 --block-size 16 --block-iteration "$iteration" \
            --block-steps 5 --check &&
            python_check "block $iteration --check report np=$ranks" \
                self-check "$last_output"
        iteration_output[$iteration,$ranks]=$last_output
    done
    for ranks in 2 3 4; do
        compare_outputs "block $iteration np=$ranks equals np=1" \
            "${iteration_output[$iteration,1]}" \
            "${iteration_output[$iteration,$ranks]}"
    done
done
compare_outputs "block krylov equals chebyshev" \
    "${iteration_output[krylov,2]}" "${iteration_output[chebyshev,2]}"

# A rank-2 covariance with K = 4: after two components the deflated
# matrix is zero, and the block Krylov basis cannot grow from it.
expect_result "block krylov zero eigenvalues" 2 converged OUTPUT -- \
    --synthetic 40 --spectrum list:2,1 --components 4 --method block \
    --block-width 2 --block-size 8

# --- Product kernels ------------------------------------------------------

for method in power lanczos block parallel; do
    declare -A kernel_output=()
    for kernel in triangle pblas; do
        expect_result "$method $kernel --check" 3 synthetic OUTPUT \
            200 1 4 -- \
            --synthetic 200 --spectrum power:1 --components 4 \
            --method "$method" --block-size 8 --product-kernel "$kernel" \
            --check &&
            python_check "$method $kernel --check report np=3" \
                self-check "$last_output"
        kernel_output[$kernel]=$last_output
    done
    compare_outputs "$method triangle equals pblas" \
        "${kernel_output[triangle]}" "${kernel_output[pblas]}"
done

expect_result "implicit deflation with the triangle kernel" 2 synthetic \
    OUTPUT 200 1 4 -- \
    --synthetic 200 --spectrum power:1 --components 4 --method lanczos \
    --deflation implicit --product-kernel triangle --block-size 8

# --- Covariance formation ---------------------------------------------------

# A 2 x 1 grid forms xᵀx by a local DSYRK per rank, a 1 x 2 grid by
# PDSYRK; both give the same components. --measure-bandwidth adds the
# DGEMM rate and the covariance's share of it.
declare -A covariance_output
random=$inputs/random-200x12.npy
for grid in 2x1 1x2; do
    expect_result "covariance grid $grid" 2 data OUTPUT "$random" 4 -- \
        --input "$random" --components 4 --block-size 4 --grid "$grid" \
        --measure-bandwidth
    covariance_output[$grid]=$last_output
done
compare_outputs "local DSYRK equals PDSYRK" \
    "${covariance_output[2x1]}" "${covariance_output[1x2]}"
for grid in 2x1 1x2; do
    expected=PDSYRK
    [[ $grid == 2x1 ]] && expected="DSYRK and MPI_Allreduce"
    if message=$("$python" - "${covariance_output[$grid]}/report.json" \
        "$expected" <<'PY'
import json, sys
kernel = json.load(open(sys.argv[1]))["covariance_kernel"]
problems = []
if kernel["routine"] != sys.argv[2]:
    problems.append(f'routine {kernel["routine"]!r}, expected {sys.argv[2]!r}')
if not kernel["dgemm_gflop_per_s"] > 0:
    problems.append(f'dgemm_gflop_per_s {kernel["dgemm_gflop_per_s"]}')
share = kernel["gflop_per_s"] / kernel["dgemm_gflop_per_s"]
if abs(kernel["fraction_of_dgemm"] - share) > 1e-12 * share:
    problems.append(f'fraction_of_dgemm {kernel["fraction_of_dgemm"]}, expected {share}')
print("; ".join(problems))
sys.exit(1 if problems else 0)
PY
    ); then
        pass "covariance kernel report grid $grid"
    else
        fail "covariance kernel report grid $grid" "$message"
    fi
done

# --- Invalid settings -----------------------------------------------------

expect_error "unknown block iteration" 2 "invalid --block-iteration 'lobpcg'" \
    --synthetic 50 --block-iteration lobpcg
expect_error "block steps 1" 2 'invalid --block-steps 1' \
    --synthetic 50 --block-steps 1
expect_error "block steps 101" 2 'invalid --block-steps 101' \
    --synthetic 50 --block-steps 101
expect_error "unknown product kernel" 2 "invalid --product-kernel 'dense'" \
    --synthetic 50 --product-kernel dense

# Rank 1 with K = 5: parallel deflation's vectors become dependent, and
# the error names the remedy. The block method finds the zero eigenvalues.
expect_error "parallel rank-deficient" 2 \
    'linearly dependent;lower --components or use --method block' \
    --synthetic 50 --spectrum list:1 --components 5 --method parallel
expect_result "block rank-deficient" 2 converged OUTPUT -- \
    --synthetic 50 --spectrum list:1 --components 5 --method block

finish_suite
