// Blocks of distributed vectors: a d x m block-cyclic matrix whose column
// block is all m columns, so that every column is stored on process column
// 0 with the row distribution of a DistVector. Products with the matrix go
// through PBLAS, and the small dense work (Gram matrices, rotations) runs
// on the local rows of process column 0 followed by one MPI_Allreduce.
#pragma once

#include <vector>

#include "covdefl/grid.hpp"
#include "covdefl/symmetric_product.hpp"

namespace covdefl::block {

// A d x m vector block with row block size nb. Collective.
BlockCyclicMatrix make_vector_block(const ProcessGrid& grid, int rows,
                                    int columns, int nb);

// Rows of `x` stored on this rank: 0 outside process column 0.
int local_rows(const BlockCyclicMatrix& x);

// Local entries of column j (local_rows(x) of them).
double* column(BlockCyclicMatrix& x, int j);
const double* column(const BlockCyclicMatrix& x, int j);

// Y(:, y0:y0+n) = Σ X(:, x0:x0+n) from the lower triangle of the
// symmetric d x d matrix `a`, for all n columns in one pass over the
// matrix: SymmetricProduct or PDSYMM, as `kernel` selects. Collective.
void multiply(const BlockCyclicMatrix& a, const BlockCyclicMatrix& x, int x0,
              BlockCyclicMatrix& y, int y0, int n, ProductKernel kernel);

// Returns A(:, a0:a0+na)ᵀ B(:, b0:b0+nb), na x nb column-major, on every
// rank. Collective (one MPI_Allreduce).
std::vector<double> gram(const BlockCyclicMatrix& a, int a0, int na,
                         const BlockCyclicMatrix& b, int b0, int nb);

// Y(:, y0:y0+n) = beta·Y(:, y0:y0+n) + alpha·A(:, a0:a0+k)·C, with C a
// k x n column-major matrix stored on every rank. Local.
void combine(BlockCyclicMatrix& y, int y0, int n, double beta, double alpha,
             const BlockCyclicMatrix& a, int a0, int k,
             const std::vector<double>& c);

// Copies columns x(:, x0:x0+n) into y(:, y0:y0+n). Local.
void copy_columns(const BlockCyclicMatrix& x, int x0, int n,
                  BlockCyclicMatrix& y, int y0);

// Replaces the n columns of `x` by an orthonormal basis of their span
// (Householder QR: PDGEQRF and PDORGQR). Collective.
void orthonormalize(BlockCyclicMatrix& x, int n);

// Orthonormalises columns x0..x0+n of `x` in place (Householder QR of a
// copy of those columns). Collective.
void orthonormalize_columns(BlockCyclicMatrix& x, int x0, int n);

// Removes from x(:, x0:x0+n) its components along the orthonormal columns
// basis(:, 0:k), twice (block classical Gram-Schmidt). Collective.
void project_out(BlockCyclicMatrix& x, int x0, int n,
                 const BlockCyclicMatrix& basis, int k);

// Eigenvalues of the symmetric n x n column-major matrix `h` in
// descending order, with `h` overwritten by the eigenvectors in the same
// order (LAPACK DSYEV on every rank, then rank 0's result broadcast, so
// that all ranks continue with identical values). Collective. Throws a
// collective Error when DSYEV fails.
std::vector<double> symmetric_eigen(MPI_Comm comm, std::vector<double>& h,
                                    int n);

}  // namespace covdefl::block
