// From data to a distributed covariance matrix.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "covdefl/binary_input.hpp"
#include "covdefl/grid.hpp"

namespace covdefl {

// An input file and how to read it.
struct InputSource {
    std::string path;
    std::string format = "auto";  // npy, raw, idx, csv, mm, hdf5 or auto
    io::RawOptions raw;           // layout of a raw binary file
    // Dataset of an HDF5 input (see covdefl/hdf5.hpp); empty for the other
    // formats, and for an HDF5 file with exactly one 2-D dataset.
    std::string dataset;
    // The file stores the matrix transposed (features x samples): it is
    // read as stored and transposed on the grid with PDTRAN, which keeps
    // both copies in memory while it runs.
    bool transpose = false;
};

// A distributed n x d data matrix read from a file (rows are samples).
// Collective. Each rank reads only the rows of its process row, keeping the
// columns of its process column, so no rank stores the whole matrix when the
// grid has more than one process. Throws a collective Error on every rank
// when any rank fails: a missing or malformed file, or a NaN or infinity
// (the message names the row and column, 1-based).
// `.npy` and raw binary files are read with MPI-IO (read_binary_matrix),
// IDX and text files with a row reader (open_rows).
BlockCyclicMatrix read_data_matrix(const ProcessGrid& grid,
                                   const InputSource& input, int block_size);
BlockCyclicMatrix read_data_matrix(const ProcessGrid& grid,
                                   const std::string& path,
                                   const std::string& format, int block_size);

// Rows and columns of the matrix in a file, read from its header on every
// rank. Collective; a failure on any rank is a collective Error.
struct MatrixShape {
    std::int64_t rows = 0;
    std::int64_t cols = 0;
};
// With input.transpose the shape is that of the transposed matrix.
MatrixShape read_matrix_shape(const ProcessGrid& grid,
                              const InputSource& input);
MatrixShape read_matrix_shape(const ProcessGrid& grid, const std::string& path,
                              const std::string& format);

// Subtracts the column means from `x` in place and returns the means
// (length d, on every rank). The means come from a reduction of the raw
// column sums. A second reduction of the centred sums then removes the
// rounding left by the first, so a large common offset does not cancel the
// digits of the spread.
std::vector<double> center_columns(BlockCyclicMatrix& x);

// Returns C = xᵀ x / (n − 1) for a centred n x d matrix `x`, as a d x d
// block-cyclic matrix on the same grid whose lower triangle is valid.
// On a P x 1 grid, when covariance_workspace_bytes allows the d x d partial
// product, each rank forms its rows' xᵀx with one DSYRK and one
// MPI_Allreduce sums them. Other grids use PDSYRK. Throws a collective Error
// when n < 2 or the result is not finite.
BlockCyclicMatrix form_covariance(const BlockCyclicMatrix& x);

// Bytes of the d x d partial product that form_covariance keeps on each
// rank for an n x d `x` on `grid`: 8·d² when it takes the local path,
// otherwise 0.
double covariance_workspace_bytes(const ProcessGrid& grid, std::int64_t n,
                                  std::int64_t d);

// Reads a d x d symmetric matrix from a file and returns it block-cyclic,
// symmetrised as (A + Aᵀ)/2. Collective. Throws a collective Error when the
// matrix is not square, not finite, has a negative diagonal entry, or is not
// symmetric to within 1e-10 of its largest entry (the message names the
// largest asymmetry and where it is).
BlockCyclicMatrix read_covariance_matrix(const ProcessGrid& grid,
                                         const InputSource& input,
                                         int block_size);
BlockCyclicMatrix read_covariance_matrix(const ProcessGrid& grid,
                                         const std::string& path,
                                         const std::string& format,
                                         int block_size);

// Eigenvalues 1..d of a spectrum spec: "geometric:R" gives R^(i−1) for
// 0 < R < 1; "power:P" gives i^(−P) for P > 0; "list:a,b,c" gives a, b, c
// followed by zeros. Throws Error on a malformed spec, a list longer than d
// or a negative value.
std::vector<double> parse_spectrum(const std::string& spec, std::int64_t d);

// Builds C = Q diag(λ) Qᵀ on the grid, with Q the orthogonal factor of the
// Householder QR (PDGEQRF, PDORGQR) of a d x d Gaussian matrix drawn from
// `seed`. The matrix is the same for every grid shape. When `eigenvectors`
// is not null it receives Q: column i is the eigenvector of λ[i].
BlockCyclicMatrix synthetic_covariance(
    const ProcessGrid& grid, const std::vector<double>& eigenvalues,
    std::uint64_t seed, int block_size,
    std::unique_ptr<BlockCyclicMatrix>* eigenvectors = nullptr);

// Sum of the diagonal of a square block-cyclic matrix, on every rank.
double trace(const BlockCyclicMatrix& a);

}  // namespace covdefl
