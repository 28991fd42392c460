// Thick-restart Lanczos: a Krylov sub-routine for each deflation step.
#pragma once

#include "covdefl/solver.hpp"

namespace covdefl {

// Thick-restart Lanczos (Wu and Simon, SIAM J. Matrix Anal. Appl. 22,
// 2000) for the largest algebraic eigenvalue of the current deflated
// matrix. For a positive semidefinite matrix that is also the eigenvalue of
// largest magnitude, the one power iteration finds.
//
// The Krylov basis is kept orthonormal by full reorthogonalisation (two
// passes of classical Gram-Schmidt per product). The projected matrix is
// solved with LAPACK dsyev on every rank, and rank 0's solution is
// broadcast, so all ranks take the same steps. When the basis contains m
// vectors, the `kept` Ritz vectors with the largest Ritz values stay and
// the iteration continues from the last basis vector.
//
// The products Âvi of the basis vectors are kept beside them, so the
// residual ‖Âx − θx‖ of the Ritz vector x is computed from actual products
// after every product, not from the Lanczos relation. It is the residual
// the StoppingRule tests. One IterationRecord per product carries the
// Rayleigh quotient θ of the current Ritz vector, that residual, and the
// change ‖x_new − x_old‖ of the Ritz vector.
//
// Throws a collective Error when a Ritz value lies below
// −(tol + 16·√d·ε)·max(scale, |θ|), which proves (to that rounding level)
// that the matrix is not positive semidefinite. A StoppingPolicy is not
// supported: its model of the residual contraction is that of power
// iteration, so solve() throws a collective Error when rank 0 has one.
class LanczosIteration : public EigenSubroutine {
public:
    // `krylov_dimension` is the basis size m (at least 3). `kept` is the
    // number of Ritz vectors kept at a restart, 1 to m − 2; 0 chooses m/2.
    // Throws Error on other values.
    explicit LanczosIteration(int krylov_dimension = default_krylov_dimension,
                              int kept = 0);

    ComponentSummary solve(const DeflatedOperator& op, DistVector& v,
                           int component, const StoppingRule& rule,
                           SolveObserver* observer) override;

    static constexpr int default_krylov_dimension = 20;

private:
    int krylov_dimension_;
    int kept_;
};

}  // namespace covdefl
