// Implicit deflation: products with Σ − Σj θj vj vjᵀ that leave Σ intact.
#pragma once

#include <vector>

#include "covdefl/solver.hpp"

namespace covdefl {

// Âk x = Σx − Vk Θk Vkᵀ x for a block-cyclic symmetric Σ whose lower
// triangle is valid: one product with Σ (SymmetricProduct or PDSYMV, as
// `kernel` selects), then two local matrix-vector
// products with the stored components Vk and one reduction of k doubles.
// deflate() appends (θ, v) to the stored components, so Σ is never
// modified and stays available (for the PDSYEVR check, for example).
//
// The components are stored in the layout of a DistVector (on process
// column 0), the layout of x and y, so Vkᵀx needs no redistribution as a
// PDGEMV with a 2-D block-cyclic Vk would.
class ImplicitDeflation : public DeflatedOperator {
public:
    // Throws Error unless the matrix is square with square blocks.
    explicit ImplicitDeflation(const BlockCyclicMatrix& matrix,
                               ProductKernel kernel = ProductKernel::triangle);
    int dimension() const override { return matrix_.rows(); }
    const ProcessGrid& grid() const override { return matrix_.grid(); }
    int block_size() const override { return matrix_.block_rows(); }
    void apply(const DistVector& x, DistVector& y) const override;
    void deflate(double theta, const DistVector& v) override;

    int deflated() const { return static_cast<int>(thetas_.size()); }

private:
    const BlockCyclicMatrix& matrix_;
    ProductKernel kernel_;
    SymmetricProduct product_;
    int local_ = 0;  // entries of a DistVector on this rank
    // Local rows of v1, ..., vk, column-major with leading dimension
    // max(1, local_).
    std::vector<double> vectors_;
    std::vector<double> thetas_;
};

}  // namespace covdefl
