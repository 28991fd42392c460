// Products of a symmetric block-cyclic matrix, whose lower triangle is
// stored, with vectors and blocks of vectors: each rank reads each entry of
// its share of the lower triangle once per product.
#pragma once

#include <vector>

#include "covdefl/grid.hpp"

namespace covdefl {

// Kernel of the solvers' matrix products.
enum class ProductKernel {
    // Each rank multiplies its share of the lower triangle by the full
    // (replicated) vectors, and one MPI_Allreduce sums the partial results.
    // For one vector it works in row strips small enough that the
    // transposed pass finds the strip in cache.
    triangle,
    // PBLAS PDSYMV and PDSYMM on the lower triangle.
    pblas,
};

// Parses "triangle" or "pblas"; throws Error naming `option` otherwise.
ProductKernel parse_product_kernel(const std::string& text,
                                   const std::string& option);
const char* product_kernel_name(ProductKernel kernel);

// Y = AX for a square symmetric matrix A with square blocks, lower triangle
// valid (the upper triangle is never read). Keeps a reference to `matrix`,
// whose entries may change between products (explicit deflation).
class SymmetricProduct {
public:
    // `fused` allows the one-pass AVX2 loop for single vectors where the
    // processor has AVX2 and FMA; false keeps the two DGEMV passes.
    explicit SymmetricProduct(const BlockCyclicMatrix& matrix,
                              bool fused = true);

    int dimension() const { return matrix_.rows(); }

    // Y = AX for X and Y replicated on every rank: d x n, column-major
    // with leading dimension d. Collective (one MPI_Allreduce of d·n
    // values); `y` may not alias `x`.
    void multiply_replicated(const double* x, int n, double* y) const;

    // Columns y0..y0+n of `y` = A times columns x0..x0+n of `x`, for
    // distributed vector blocks (d rows, all columns on process column 0,
    // row blocks of the matrix's size) and for DistVector (n = 1).
    // Collective.
    void multiply(const BlockCyclicMatrix& x, int x0, BlockCyclicMatrix& y,
                  int y0, int n) const;

private:
    // d·n, the values of one replicated block of n vectors. Throws a
    // collective Error when they exceed one MPI message (2^31 − 1).
    std::size_t message_entries(int n) const;
    // This rank's partial sums of AX into `partial` (d x n, zeroed here),
    // from replicated X. No communication.
    void local_product(const double* x, int n, double* partial) const;

    const BlockCyclicMatrix& matrix_;
    bool fused_;
    std::vector<int> row_index_;  // global row of each local row
    std::vector<int> col_index_;  // global column of each local column
    // For each local column block: the first local row at or below the
    // diagonal block, and whether that row starts the diagonal block.
    std::vector<int> first_row_;
    std::vector<char> holds_diagonal_;
    // Scratch, reused between products.
    mutable std::vector<double> xr_, xc_, yr_, yc_, full_;
};

}  // namespace covdefl
