// The check against ScaLAPACK's dense eigensolver PDSYEVR.
#pragma once

#include <string>
#include <vector>

#include "covdefl/bounds.hpp"
#include "covdefl/grid.hpp"

namespace covdefl {

// Comparison of one component with PDSYEVR's eigenpair of the same index.
struct ComponentCheck {
    double reference_eigenvalue = 0.0;
    double relative_eigenvalue_difference = 0.0;  // |θk − λk| / |λk|
    double sin_angle = 0.0;                       // sin∠(vk, zk)
    // ‖C vk − θ'k vk‖ against the original matrix C, θ'k = vkᵀ C vk.
    double residual_original = 0.0;
};

// Outcome of the reference computation and of its own sanity checks.
struct ReferenceCheck {
    bool valid = false;         // PDSYEVR succeeded and passed its checks
    std::string failure;        // why the reference was not trusted
    int block_size_used = 0;    // block size of the PDSYEVR run that counted
    int info = 0;               // PDSYEVR's info of that run
    double max_residual = 0.0;  // max_k ‖C zk − λk zk‖ / ‖C‖ estimate
    double max_orthogonality = 0.0;  // max_{i,j} |ziᵀzj − δij|
    double seconds = 0.0;
    std::vector<ComponentCheck> components;
};

// Computes the top `vectors.size()` eigenpairs of the symmetric matrix
// `original` with PDSYEVR. Only its lower triangle is read, and it is left
// unchanged. The reference's residuals and orthogonality are checked
// against 1e3·d·ε (relative to the largest eigenvalue), and then each of
// `vectors` is compared with it. PDSYEVR
// runs on a copy whose block size is the matrix's own, halved until
// PDSYEVR's internal workspace fits its back-transformation (a ScaLAPACK
// 2.2.1 defect otherwise returns unconverted vectors with INFO = 0). When
// that run fails (info ≠ 0 or a failed check) with blocks larger than 16,
// it runs once more with 16 x 16 blocks. A reference that still fails is
// returned with valid = false and `failure` set: never an error of
// covdefl's components. Collective.
ReferenceCheck check_against_pdsyevr(const BlockCyclicMatrix& original,
                                     const std::vector<DistVector>& vectors);

// Largest block size not above `requested` for which PDSYEVR (ScaLAPACK
// 2.2.1) back-transforms the top `k` of `n` eigenvectors on `grid`; the
// block size that check_against_pdsyevr uses for its first run.
int pdsyevr_block_size(int n, int k, int requested, const ProcessGrid& grid);

// Actual errors of the components with Rayleigh quotients `eigenvalues`
// against a valid `check`. PDSYEVR's pairs are accurate to about its
// relative residual times λ1 over the gap (`bounds[k].original_gap`), plus
// its loss of orthogonality, so that is each error's uncertainty.
std::vector<ActualError>
actual_errors(const ReferenceCheck& check,
              const std::vector<double>& eigenvalues,
              const std::vector<ComponentBounds>& bounds);

}  // namespace covdefl
