#include "covdefl/implicit_deflation.hpp"

#include <algorithm>

#include "covdefl/mpi.hpp"
#include "grid/scalapack.hpp"
#include "solver/blas.hpp"

namespace covdefl {

ImplicitDeflation::ImplicitDeflation(const BlockCyclicMatrix& matrix,
                                     ProductKernel kernel)
    : matrix_(matrix)
    , kernel_(kernel)
    , product_(matrix)
{
    local_ = DistVector(matrix.grid(), matrix.rows(), matrix.block_rows())
                 .local_size();
}

void ImplicitDeflation::apply(const DistVector& x, DistVector& y) const
{
    const int n = matrix_.rows();
    const int one = 1;
    const double alpha = 1.0;
    const double beta = 0.0;
    if (kernel_ == ProductKernel::triangle) {
        product_.multiply(x, 0, y, 0, 1);
    } else {
        // y = Σx with PDSYMV on the lower triangle.
        pdsymv_("L", &n, &alpha, matrix_.data(), &one, &one, matrix_.desc(),
                x.data(), &one, &one, x.desc(), &one, &beta, y.data(), &one,
                &one, y.desc(), &one);
    }
    const int k = deflated();
    if (k == 0) {
        return;
    }
    // c = Θ Vᵀx, then y = y − V c
    const int ld = std::max(1, local_);
    const double zero = 0.0;
    const double minus_one = -1.0;
    std::vector<double> c(static_cast<std::size_t>(k), 0.0);
    dgemv_("T", &local_, &k, &alpha, vectors_.data(), &ld, x.data(), &one,
           &zero, c.data(), &one);
    mpi::sum_all(matrix_.grid().comm(), c.data(), k);
    for (int j = 0; j < k; ++j) {
        c[j] *= thetas_[j];
    }
    dgemv_("N", &local_, &k, &minus_one, vectors_.data(), &ld, c.data(), &one,
           &alpha, y.data(), &one);
}

void ImplicitDeflation::deflate(double theta, const DistVector& v)
{
    const std::size_t ld = static_cast<std::size_t>(std::max(1, local_));
    const std::size_t k = thetas_.size();
    vectors_.resize(ld * (k + 1), 0.0);
    std::copy(v.data(), v.data() + local_, vectors_.data() + ld * k);
    thetas_.push_back(theta);
}

}  // namespace covdefl
