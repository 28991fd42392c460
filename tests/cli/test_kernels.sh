#!/usr/bin/env bash
# End-to-end runs of the block iterations and the product kernels: each
# against PDSYEVR and the known spectrum at 1-4 ranks, the same results
# whichever iteration, kernel or rank count computed them, and the errors
# for invalid settings.
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

# --- Invalid settings -----------------------------------------------------

expect_error "unknown block iteration" 2 "invalid --block-iteration 'lobpcg'" \
    --synthetic 50 --block-iteration lobpcg
expect_error "block steps 1" 2 'invalid --block-steps 1' \
    --synthetic 50 --block-steps 1
expect_error "block steps 101" 2 'invalid --block-steps 101' \
    --synthetic 50 --block-steps 101
expect_error "unknown product kernel" 2 "invalid --product-kernel 'dense'" \
    --synthetic 50 --product-kernel dense

finish_suite
