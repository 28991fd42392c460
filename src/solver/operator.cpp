#include "covdefl/solver.hpp"
#include "grid/scalapack.hpp"

namespace covdefl {

ExplicitDeflation::ExplicitDeflation(BlockCyclicMatrix& matrix)
    : matrix_(matrix)
{
    if (matrix.rows() != matrix.cols() ||
        matrix.block_rows() != matrix.block_cols()) {
        throw Error("ExplicitDeflation needs a square matrix with square "
                    "blocks");
    }
}

void ExplicitDeflation::apply(const DistVector& x, DistVector& y) const
{
    const int n = matrix_.rows();
    const int one = 1;
    const double alpha = 1.0;
    const double beta = 0.0;
    // y = Âx, reading the lower triangle once.
    pdsymv_("L", &n, &alpha, matrix_.data(), &one, &one, matrix_.desc(),
            x.data(), &one, &one, x.desc(), &one, &beta, y.data(), &one, &one,
            y.desc(), &one);
}

void ExplicitDeflation::deflate(double theta, const DistVector& v)
{
    const int n = matrix_.rows();
    const int one = 1;
    const double alpha = -theta;
    // Â ← Â − θ v vᵀ, lower triangle.
    pdsyr_("L", &n, &alpha, v.data(), &one, &one, v.desc(), &one,
           matrix_.data(), &one, &one, matrix_.desc());
}

}  // namespace covdefl
