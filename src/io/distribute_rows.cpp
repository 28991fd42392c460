// Moving rows parsed from a byte range to their block-cyclic owners.
#include <algorithm>
#include <limits>

#include "covdefl/mpi.hpp"
#include "io/exchange.hpp"
#include "io/text_matrix.hpp"

namespace covdefl::io {

namespace {

// Doubles per block of a RowStore (8 MiB).
constexpr std::int64_t row_store_block_doubles = std::int64_t{1} << 20;

// Owning process of global index `index` (a row or a column) in a
// block-cyclic dimension with `nprocs` processes, source process 0.
int owner_of(std::int64_t index, int block_size, int nprocs)
{
    return static_cast<int>((index / block_size) % nprocs);
}

}  // namespace

std::string not_square_message(const std::string& path, std::int64_t rows,
                               std::int64_t cols)
{
    return path + ": a covariance matrix must be square, but it is " +
           std::to_string(rows) + " x " + std::to_string(cols) +
           "; use --input-kind data for an n x d data matrix";
}

RowStore::RowStore(std::int64_t cols)
    : cols_(cols)
    , rows_per_block_(std::max<std::int64_t>(
          1, row_store_block_doubles / std::max<std::int64_t>(cols, 1)))
{
}

double* RowStore::append_row()
{
    const std::int64_t in_block = rows_ % rows_per_block_;
    if (in_block == 0) {
        blocks_.emplace_back(static_cast<std::size_t>(rows_per_block_ * cols_));
    }
    ++rows_;
    return blocks_.back().data() + in_block * cols_;
}

const double* RowStore::row(std::int64_t index) const
{
    return blocks_[static_cast<std::size_t>(index / rows_per_block_)].data() +
           (index % rows_per_block_) * cols_;
}

void RowStore::clear()
{
    std::vector<std::vector<double>>().swap(blocks_);
    rows_ = 0;
}

std::vector<int> ranks_by_coordinates(const ProcessGrid& grid)
{
    const int nranks = grid.size();
    const int mine[2] = {grid.myrow(), grid.mycol()};
    std::vector<int> coordinates(2 * static_cast<std::size_t>(nranks));
    mpi::check(MPI_Allgather(mine, 2, MPI_INT, coordinates.data(), 2, MPI_INT,
                             grid.comm()),
               "MPI_Allgather");
    std::vector<int> ranks(static_cast<std::size_t>(nranks));
    for (int r = 0; r < nranks; ++r) {
        ranks[coordinates[2 * r] * grid.npcol() + coordinates[2 * r + 1]] = r;
    }
    return ranks;
}

BlockCyclicMatrix distribute_rows(const ProcessGrid& grid, RowStore& store,
                                  std::int64_t first_row,
                                  std::int64_t total_rows, int block_size)
{
    const MPI_Comm comm = grid.comm();
    const int nranks = grid.size();
    const int nprow = grid.nprow();
    const int npcol = grid.npcol();
    const std::int64_t cols = store.cols();
    if (total_rows > std::numeric_limits<int>::max() ||
        cols > std::numeric_limits<int>::max()) {
        throw Error("the input has " + std::to_string(total_rows) +
                        " rows and " + std::to_string(cols) +
                        " columns, more than ScaLAPACK's 32-bit indices "
                        "allow; reduce the matrix",
                    /*collective=*/true);
    }
    const std::vector<int> rank_of = ranks_by_coordinates(grid);

    // Each destination (p, q) receives, row by row, the columns that
    // process column q owns, in increasing order, of the rows that process
    // row p owns.
    std::vector<std::int64_t> cols_per_pcol(static_cast<std::size_t>(npcol));
    for (std::int64_t j = 0; j < cols; ++j) {
        ++cols_per_pcol[owner_of(j, block_size, npcol)];
    }
    std::vector<std::int64_t> rows_per_prow(static_cast<std::size_t>(nprow));
    for (std::int64_t r = 0; r < store.rows(); ++r) {
        ++rows_per_prow[owner_of(first_row + r, block_size, nprow)];
    }
    std::vector<std::int64_t> send_counts(static_cast<std::size_t>(nranks));
    for (int p = 0; p < nprow; ++p) {
        for (int q = 0; q < npcol; ++q) {
            send_counts[rank_of[p * npcol + q]] =
                rows_per_prow[p] * cols_per_pcol[q];
        }
    }
    std::vector<std::int64_t> cursor;
    std::vector<double> send =
        allocate_send_buffer<double>(comm, send_counts, cursor);
    std::vector<int> pcol_of_col(static_cast<std::size_t>(cols));
    for (std::int64_t j = 0; j < cols; ++j) {
        pcol_of_col[j] = owner_of(j, block_size, npcol);
    }
    for (std::int64_t r = 0; r < store.rows(); ++r) {
        const int* rank_in_prow =
            rank_of.data() + owner_of(first_row + r, block_size, nprow) * npcol;
        const double* row = store.row(r);
        for (std::int64_t j = 0; j < cols; ++j) {
            const int destination = rank_in_prow[pcol_of_col[j]];
            send[static_cast<std::size_t>(cursor[destination]++)] = row[j];
        }
    }
    const std::int64_t my_rows = store.rows();
    store.clear();

    std::vector<double> received =
        exchange_by_rank(comm, send, send_counts, MPI_DOUBLE);
    std::vector<double>().swap(send);

    // The rows of every rank, to know which rows each sender's block contains.
    const std::int64_t my_range[2] = {first_row, my_rows};
    std::vector<std::int64_t> ranges(2 * static_cast<std::size_t>(nranks));
    mpi::check(MPI_Allgather(my_range, 2, MPI_INT64_T, ranges.data(), 2,
                             MPI_INT64_T, comm),
               "MPI_Allgather");

    BlockCyclicMatrix x(grid, total_rows, cols, block_size, block_size);
    std::size_t position = 0;
    for (int source = 0; source < nranks; ++source) {
        const std::int64_t first = ranges[2 * source];
        const std::int64_t end = first + ranges[2 * source + 1];
        for (std::int64_t i = first; i < end; ++i) {
            if (owner_of(i, block_size, nprow) != grid.myrow()) {
                continue;
            }
            const int il = x.local_row(static_cast<int>(i));
            for (int jl = 0; jl < x.local_cols(); ++jl) {
                x.local(il, jl) = received[position++];
            }
        }
    }
    return x;
}

}  // namespace covdefl::io
