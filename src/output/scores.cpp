#include "covdefl/scores.hpp"

#include <bit>
#include <climits>
#include <cstdint>
#include <memory>

#include "covdefl/csv_writer.hpp"
#include "covdefl/io.hpp"
#include "covdefl/mpi.hpp"
#include "grid/scalapack.hpp"

namespace covdefl {

namespace {

// Returns the decoded message of MPI return code `rc`.
std::string mpi_message(int rc)
{
    char text[MPI_MAX_ERROR_STRING];
    int length = 0;
    MPI_Error_string(rc, text, &length);
    return std::string(text, static_cast<std::size_t>(length));
}

// Agrees across `comm` on the outcome of an MPI-IO call, so that a failure
// on one rank is a collective Error on all of them.
void agree_on_io(MPI_Comm comm, int rc, const char* call,
                 const std::string& path)
{
    mpi::agree_on_error(comm, rc != MPI_SUCCESS,
                        "cannot write " + path + ": " + call +
                            " failed: " + mpi_message(rc) +
                            "; check the output folder, which every rank "
                            "must see");
}

// Checks that BLACS placed process (r, c) on MPI rank r·Q + c, the rank
// order that MPI_Type_create_darray with MPI_ORDER_C assumes.
int row_major_rank(const ProcessGrid& grid)
{
    const int rank = grid.myrow() * grid.npcol() + grid.mycol();
    mpi::agree_on_error(grid.comm(), rank != grid.rank(),
                        "the BLACS grid is not in row-major rank order, "
                        "which the parallel writers need");
    return rank;
}

}  // namespace

BlockCyclicMatrix
project_onto_axes(const BlockCyclicMatrix& x,
                  const std::vector<std::vector<double>>& axes)
{
    const int n = x.rows();
    const int d = x.cols();
    const int k = static_cast<int>(axes.size());
    const int nb = x.block_cols();
    BlockCyclicMatrix v(x.grid(), d, k, nb, nb);
    for (int jl = 0; jl < v.local_cols(); ++jl) {
        const std::vector<double>& axis =
            axes[static_cast<std::size_t>(v.global_col(jl))];
        for (int il = 0; il < v.local_rows(); ++il) {
            v.local(il, jl) = axis[static_cast<std::size_t>(v.global_row(il))];
        }
    }
    BlockCyclicMatrix scores(x.grid(), n, k, x.block_rows(), nb);
    const int one = 1;
    const double alpha = 1.0;
    const double beta = 0.0;
    // S = X V.
    pdgemm_("N", "N", &n, &k, &d, &alpha, x.data(), &one, &one, x.desc(),
            v.data(), &one, &one, v.desc(), &beta, scores.data(), &one, &one,
            scores.desc());
    return scores;
}

void write_npy_collective(const std::string& path, const BlockCyclicMatrix& a)
{
    const ProcessGrid& grid = a.grid();
    const MPI_Comm comm = grid.comm();
    if constexpr (std::endian::native != std::endian::little) {
        throw Error("cannot write " + path +
                        ": the parallel .npy writer supports little-endian "
                        "hosts only",
                    /*collective=*/true);
    }
    const std::string header = io::make_npy_header({a.rows(), a.cols()}, path);
    const int rank = row_major_rank(grid);

    // The local block in C order, which the darray file view expects.
    const auto local_rows = static_cast<std::size_t>(a.local_rows());
    const auto local_cols = static_cast<std::size_t>(a.local_cols());
    const std::size_t count = local_rows * local_cols;
    mpi::agree_on_error(comm, count > static_cast<std::size_t>(INT_MAX),
                        "cannot write " + path + ": a rank's share exceeds " +
                            std::to_string(INT_MAX) +
                            " values; run on more ranks");
    std::vector<double> row_major(count);
    for (std::size_t il = 0; il < local_rows; ++il) {
        for (std::size_t jl = 0; jl < local_cols; ++jl) {
            row_major[il * local_cols + jl] =
                a.local(static_cast<int>(il), static_cast<int>(jl));
        }
    }

    const int sizes[2] = {a.rows(), a.cols()};
    const int distributions[2] = {MPI_DISTRIBUTE_CYCLIC, MPI_DISTRIBUTE_CYCLIC};
    const int blocks[2] = {a.block_rows(), a.block_cols()};
    const int processes[2] = {grid.nprow(), grid.npcol()};
    MPI_Datatype file_type = MPI_DATATYPE_NULL;
    mpi::check(MPI_Type_create_darray(grid.size(), rank, 2, sizes,
                                      distributions, blocks, processes,
                                      MPI_ORDER_C, MPI_DOUBLE, &file_type),
               "MPI_Type_create_darray");
    mpi::check(MPI_Type_commit(&file_type), "MPI_Type_commit");
    std::unique_ptr<MPI_Datatype, void (*)(MPI_Datatype*)> type_guard(
        &file_type, [](MPI_Datatype* type) { MPI_Type_free(type); });

    MPI_File file = MPI_FILE_NULL;
    int rc =
        MPI_File_open(comm, path.c_str(), MPI_MODE_CREATE | MPI_MODE_WRONLY,
                      MPI_INFO_NULL, &file);
    agree_on_io(comm, rc, "MPI_File_open", path);
    int header_rc = MPI_SUCCESS;
    if (rank == 0) {
        MPI_Status status;
        header_rc = MPI_File_write_at(file, 0, header.data(),
                                      static_cast<int>(header.size()), MPI_BYTE,
                                      &status);
    }
    rc = MPI_File_set_view(file, static_cast<MPI_Offset>(header.size()),
                           MPI_DOUBLE, file_type, "native", MPI_INFO_NULL);
    int write_rc = MPI_SUCCESS;
    if (rc == MPI_SUCCESS) {
        MPI_Status status;
        write_rc =
            MPI_File_write_all(file, row_major.data(), static_cast<int>(count),
                               MPI_DOUBLE, &status);
    }
    const int close_rc = MPI_File_close(&file);
    agree_on_io(comm, header_rc, "MPI_File_write_at (header)", path);
    agree_on_io(comm, rc, "MPI_File_set_view", path);
    agree_on_io(comm, write_rc, "MPI_File_write_all", path);
    agree_on_io(comm, close_rc, "MPI_File_close", path);
}

void write_csv_collective(const std::string& path, const BlockCyclicMatrix& a,
                          const std::vector<std::string>& column_names,
                          std::size_t max_piece_values)
{
    const ProcessGrid& grid = a.grid();
    const MPI_Comm comm = grid.comm();
    const int rank = row_major_rank(grid);
    const int n = a.rows();
    const int k = a.cols();
    std::unique_ptr<io::CsvFileWriter> writer;
    mpi::run_agreed(comm, [&] {
        if (rank == 0) {
            writer = std::make_unique<io::CsvFileWriter>(path, column_names);
        }
    });

    // Rows [first, last) of every piece travel to rank 0 in one
    // MPI_Gatherv. Each rank sends its entries of those rows ordered by
    // global row, then global column, and rank 0 recomputes that order for
    // each sender from the block-cyclic owner functions.
    const int piece_rows = static_cast<int>(std::max<std::size_t>(
        1, max_piece_values / static_cast<std::size_t>(std::max(k, 1))));
    std::vector<double> sent;
    std::vector<double> received;
    std::vector<double> piece;
    std::vector<int> counts(static_cast<std::size_t>(grid.size()), 0);
    std::vector<int> offsets(static_cast<std::size_t>(grid.size()), 0);
    for (int first = 0; first < n; first += piece_rows) {
        const int last = std::min(n, first + piece_rows);
        sent.clear();
        for (int il = 0; il < a.local_rows(); ++il) {
            const int i = a.global_row(il);
            if (i < first || i >= last) {
                continue;
            }
            for (int jl = 0; jl < a.local_cols(); ++jl) {
                sent.push_back(a.local(il, jl));
            }
        }
        if (rank == 0) {
            int total = 0;
            for (int r = 0; r < grid.size(); ++r) {
                const int process_row = r / grid.npcol();
                const int process_col = r % grid.npcol();
                int rows_owned = 0;
                for (int i = first; i < last; ++i) {
                    rows_owned += a.owner_row(i) == process_row ? 1 : 0;
                }
                const int cols_owned =
                    local_extent(k, a.block_cols(), process_col, grid.npcol());
                counts[static_cast<std::size_t>(r)] = rows_owned * cols_owned;
                offsets[static_cast<std::size_t>(r)] = total;
                total += rows_owned * cols_owned;
            }
            received.resize(static_cast<std::size_t>(total));
        }
        mpi::check(MPI_Gatherv(sent.data(), static_cast<int>(sent.size()),
                               MPI_DOUBLE, received.data(), counts.data(),
                               offsets.data(), MPI_DOUBLE, 0, comm),
                   "MPI_Gatherv");
        mpi::run_agreed(comm, [&] {
            if (rank != 0) {
                return;
            }
            const auto width = static_cast<std::size_t>(k);
            piece.assign(static_cast<std::size_t>(last - first) * width, 0.0);
            for (int r = 0; r < grid.size(); ++r) {
                const int process_row = r / grid.npcol();
                const int process_col = r % grid.npcol();
                std::size_t next = static_cast<std::size_t>(
                    offsets[static_cast<std::size_t>(r)]);
                for (int i = first; i < last; ++i) {
                    if (a.owner_row(i) != process_row) {
                        continue;
                    }
                    for (int j = 0; j < k; ++j) {
                        if (a.owner_col(j) == process_col) {
                            piece[static_cast<std::size_t>(i - first) * width +
                                  static_cast<std::size_t>(j)] =
                                received[next++];
                        }
                    }
                }
            }
            for (int i = first; i < last; ++i) {
                writer->write_row(
                    piece.data() + static_cast<std::size_t>(i - first) * width,
                    width);
            }
        });
    }
    mpi::run_agreed(comm, [&] {
        if (writer) {
            writer->close();
        }
    });
}

}  // namespace covdefl
