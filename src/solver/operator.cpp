#include "covdefl/solver.hpp"
#include "grid/scalapack.hpp"

namespace covdefl {

ExplicitDeflation::ExplicitDeflation(BlockCyclicMatrix& matrix,
                                     ProductKernel kernel)
    : matrix_(matrix)
    , kernel_(kernel)
    , product_(matrix)
{
}

void ExplicitDeflation::apply(const DistVector& x, DistVector& y) const
{
    if (kernel_ == ProductKernel::triangle) {
        product_.multiply(x, 0, y, 0, 1);
        return;
    }
    const int n = matrix_.rows();
    const int one = 1;
    const double alpha = 1.0;
    const double beta = 0.0;
    // y = Âx with PDSYMV on the lower triangle.
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
