// Parallel reading of binary matrix files with MPI-IO. Every rank sets a file
// view made by MPI_Type_create_darray, so its collective reads return exactly
// the entries of its block-cyclic share, in the local order of the file
// (row-major for a C-order file, column-major for a Fortran-order file).
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "covdefl/binary_input.hpp"
#include "covdefl/mpi.hpp"
#include "io/nonfinite.hpp"

namespace covdefl {

namespace {

constexpr bool host_is_big_endian = std::endian::native == std::endian::big;

std::string mpi_error_text(int rc)
{
    char text[MPI_MAX_ERROR_STRING];
    int length = 0;
    MPI_Error_string(rc, text, &length);
    return std::string(text, static_cast<std::size_t>(length));
}

// Throws InputError naming the file and the failed MPI-IO call.
void check_io(int rc, const char* call, const std::string& path)
{
    if (rc != MPI_SUCCESS) {
        throw InputError(path + ": " + call + " failed: " + mpi_error_text(rc) +
                         "; check that every rank can read the file");
    }
}

// Owns an MPI file handle opened on all ranks of a communicator. Closing is
// collective, so every rank must leave the scope at the same point.
class MpiFile {
public:
    MpiFile() = default;
    MpiFile(const MpiFile&) = delete;
    MpiFile& operator=(const MpiFile&) = delete;
    ~MpiFile()
    {
        if (handle != MPI_FILE_NULL) {
            MPI_File_close(&handle);
        }
    }

    MPI_File handle = MPI_FILE_NULL;
};

// Owns a committed MPI datatype.
class MpiDatatype {
public:
    MpiDatatype() = default;
    MpiDatatype(const MpiDatatype&) = delete;
    MpiDatatype& operator=(const MpiDatatype&) = delete;
    ~MpiDatatype()
    {
        if (type != MPI_DATATYPE_NULL) {
            MPI_Type_free(&type);
        }
    }

    MPI_Datatype type = MPI_DATATYPE_NULL;
};

// Returns `n` as an int for MPI_Type_create_darray, whose sizes are ints.
int darray_size(std::int64_t n, const char* dimension_name,
                const std::string& path)
{
    if (n > std::numeric_limits<int>::max()) {
        throw Error(path + ": the " + dimension_name + " count " +
                        std::to_string(n) +
                        " exceeds 2^31 - 1, the limit of MPI-IO file views "
                        "and of ScaLAPACK's 32-bit indices; split the data",
                    /*collective=*/true);
    }
    return static_cast<int>(n);
}

double decode(const unsigned char* bytes, io::ElementType type, bool swap)
{
    if (type == io::ElementType::float64) {
        std::uint64_t bits = 0;
        std::memcpy(&bits, bytes, sizeof bits);
        return std::bit_cast<double>(swap ? __builtin_bswap64(bits) : bits);
    }
    std::uint32_t bits = 0;
    std::memcpy(&bits, bytes, sizeof bits);
    return static_cast<double>(
        std::bit_cast<float>(swap ? __builtin_bswap32(bits) : bits));
}

// The first non-finite value in (row, column) order that this rank has seen,
// packed as (row · cols + col) · 4 + kind so that one MPI_MIN over the ranks
// picks the first of the whole matrix. rows · cols < 2^62 because both are
// below 2^31, so the packed key fits 64 bits.
class FirstNonFinite {
public:
    static constexpr std::uint64_t none =
        std::numeric_limits<std::uint64_t>::max();

    explicit FirstNonFinite(std::int64_t cols) : cols_(cols) {}

    void note(std::int64_t row, std::int64_t col, double value)
    {
        const std::uint64_t kind = std::isnan(value) ? 0 : (value > 0 ? 1 : 2);
        const std::uint64_t key =
            (static_cast<std::uint64_t>(row) * cols_ + col) * 4 + kind;
        key_ = std::min(key_, key);
    }

    // Collective: throws the same Error on every rank when any rank saw a
    // non-finite value.
    void throw_if_any(MPI_Comm comm, const std::string& path) const
    {
        std::uint64_t first = none;
        mpi::check(MPI_Allreduce(&key_, &first, 1, MPI_UINT64_T, MPI_MIN, comm),
                   "MPI_Allreduce");
        if (first == none) {
            return;
        }
        const std::uint64_t kind = first % 4;
        const std::uint64_t position = first / 4;
        const double value = kind == 0
                                 ? std::numeric_limits<double>::quiet_NaN()
                                 : (kind == 1 ? 1.0 : -1.0) *
                                       std::numeric_limits<double>::infinity();
        throw Error(
            io::nonfinite_message(path, value,
                                  static_cast<std::int64_t>(position / cols_),
                                  static_cast<std::int64_t>(position % cols_)),
            /*collective=*/true);
    }

private:
    std::uint64_t cols_;
    std::uint64_t key_ = none;
};

// Position of the next local entry in the order the file view returns them.
struct LocalCursor {
    int il = 0;
    int jl = 0;
};

// Stores `row_count` whole local rows of a C-order share, read into `bytes`
// row by row, from local row `first_row` on. The transposition into the
// column-major local storage goes tile by tile, so that the reads and the
// writes of one tile stay in cache.
void store_rows(const unsigned char* bytes, int first_row, int row_count,
                const io::BinaryMatrixFile& file, BlockCyclicMatrix& x,
                FirstNonFinite& first_nonfinite)
{
    constexpr int tile = 64;
    const std::size_t item = file.type == io::ElementType::float64 ? 8 : 4;
    const bool swap = file.big_endian != host_is_big_endian;
    const int cols = x.local_cols();
    for (int row_tile = 0; row_tile < row_count; row_tile += tile) {
        const int row_end = std::min(row_count, row_tile + tile);
        for (int col_tile = 0; col_tile < cols; col_tile += tile) {
            const int col_end = std::min(cols, col_tile + tile);
            for (int jl = col_tile; jl < col_end; ++jl) {
                for (int r = row_tile; r < row_end; ++r) {
                    const std::size_t k =
                        static_cast<std::size_t>(r) * cols + jl;
                    const double value =
                        decode(bytes + k * item, file.type, swap);
                    const int il = first_row + r;
                    x.local(il, jl) = value;
                    if (!std::isfinite(value)) {
                        first_nonfinite.note(x.global_row(il), x.global_col(jl),
                                             value);
                    }
                }
            }
        }
    }
}

// Stores `count` entries read into `bytes` at the cursor, converted to
// double, and advances the cursor. C-order shares arrive row by row and are
// transposed here into the column-major local storage.
void store_piece(const unsigned char* bytes, std::size_t count,
                 const io::BinaryMatrixFile& file, BlockCyclicMatrix& x,
                 LocalCursor& cursor, FirstNonFinite& first_nonfinite)
{
    const std::size_t item = file.type == io::ElementType::float64 ? 8 : 4;
    const auto cols = static_cast<std::size_t>(x.local_cols());
    if (!file.column_major && cols > 0 && cursor.jl == 0 && count % cols == 0) {
        const auto row_count = static_cast<int>(count / cols);
        store_rows(bytes, cursor.il, row_count, file, x, first_nonfinite);
        cursor.il += row_count;
        return;
    }
    const bool swap = file.big_endian != host_is_big_endian;
    for (std::size_t k = 0; k < count; ++k) {
        const double value = decode(bytes + k * item, file.type, swap);
        x.local(cursor.il, cursor.jl) = value;
        if (!std::isfinite(value)) {
            first_nonfinite.note(x.global_row(cursor.il),
                                 x.global_col(cursor.jl), value);
        }
        if (file.column_major) {
            if (++cursor.il == x.local_rows()) {
                cursor.il = 0;
                ++cursor.jl;
            }
        } else if (++cursor.jl == x.local_cols()) {
            cursor.jl = 0;
            ++cursor.il;
        }
    }
}

// Opens the file collectively and sets this rank's darray view. Every step
// that can fail is agreed on, so a failure is a collective Error.
void open_view(const ProcessGrid& grid, const io::BinaryMatrixFile& file,
               int block_size, MPI_Datatype element, MpiFile& mpi_file,
               MpiDatatype& view)
{
    const int global_sizes[2] = {darray_size(file.rows, "row", file.path),
                                 darray_size(file.cols, "column", file.path)};
    const int distributions[2] = {MPI_DISTRIBUTE_CYCLIC, MPI_DISTRIBUTE_CYCLIC};
    const int block_sizes[2] = {block_size, block_size};
    const int process_sizes[2] = {grid.nprow(), grid.npcol()};
    const int order = file.column_major ? MPI_ORDER_FORTRAN : MPI_ORDER_C;
    mpi::run_agreed(grid.comm(), [&] {
        if (grid.myrow() != grid.rank() / grid.npcol() ||
            grid.mycol() != grid.rank() % grid.npcol()) {
            // MPI_Type_create_darray numbers the processes of its grid in
            // row-major order, which is the order of the BLACS grid.
            throw Error("rank " + std::to_string(grid.rank()) +
                        " is at BLACS grid position (" +
                        std::to_string(grid.myrow()) + ", " +
                        std::to_string(grid.mycol()) +
                        "), not in row-major rank order; cannot build the "
                        "MPI-IO file view");
        }
        check_io(MPI_Type_create_darray(
                     grid.size(), grid.rank(), 2, global_sizes, distributions,
                     block_sizes, process_sizes, order, element, &view.type),
                 "MPI_Type_create_darray", file.path);
        check_io(MPI_Type_commit(&view.type), "MPI_Type_commit", file.path);
    });

    // Open and set_view are collective, so each is agreed on before the
    // next collective call.
    // NOTE: if MPI_File_open failed on some ranks only, the ranks that
    // opened the file would call the collective MPI_File_close alone and
    // could hang. Every rank opened the file with POSIX calls just before,
    // so this needs the file to change in between.
    mpi::run_agreed(grid.comm(), [&] {
        check_io(MPI_File_open(grid.comm(), file.path.c_str(), MPI_MODE_RDONLY,
                               MPI_INFO_NULL, &mpi_file.handle),
                 "MPI_File_open", file.path);
    });
    const auto displacement = static_cast<MPI_Offset>(file.data_offset);
    mpi::run_agreed(grid.comm(), [&] {
        check_io(MPI_File_set_view(mpi_file.handle, displacement, element,
                                   view.type, "native", MPI_INFO_NULL),
                 "MPI_File_set_view", file.path);
    });
}

}  // namespace

BlockCyclicMatrix read_binary_matrix(const ProcessGrid& grid,
                                     const io::BinaryMatrixFile& file,
                                     int block_size, std::size_t piece_bytes)
{
    darray_size(file.rows, "row", file.path);
    darray_size(file.cols, "column", file.path);
    BlockCyclicMatrix x(grid, file.rows, file.cols, block_size, block_size);

    const bool is_double = file.type == io::ElementType::float64;
    const MPI_Datatype element = is_double ? MPI_DOUBLE : MPI_FLOAT;
    const std::size_t item = is_double ? sizeof(double) : sizeof(float);
    MpiFile mpi_file;
    MpiDatatype view;
    open_view(grid, file, block_size, element, mpi_file, view);

    // Pieces of at most piece_bytes per rank and call. Every rank makes the
    // same number of collective calls, and a rank that has read its whole
    // share passes a count of 0.
    const std::uint64_t local_count =
        static_cast<std::uint64_t>(x.local_rows()) *
        static_cast<std::uint64_t>(x.local_cols());
    std::uint64_t piece_elements = std::clamp<std::uint64_t>(
        piece_bytes / item, 1, std::numeric_limits<int>::max());
    // Whole local rows of a C-order share take the tiled store_rows path.
    const auto local_cols = static_cast<std::uint64_t>(x.local_cols());
    if (!file.column_major && local_cols > 0 && piece_elements >= local_cols) {
        piece_elements -= piece_elements % local_cols;
    }
    std::uint64_t rounds = (local_count + piece_elements - 1) / piece_elements;
    mpi::check(MPI_Allreduce(MPI_IN_PLACE, &rounds, 1, MPI_UINT64_T, MPI_MAX,
                             grid.comm()),
               "MPI_Allreduce");

    // Native-order float64 in Fortran order needs no conversion, so it is
    // read straight into the local storage, whose leading dimension is the
    // local row count. Every other layout goes through one piece buffer.
    const bool direct =
        is_double && file.column_major && file.big_endian == host_is_big_endian;
    std::vector<unsigned char> buffer;
    mpi::run_agreed(grid.comm(), [&] {
        if (!direct) {
            buffer.resize(std::min(local_count, piece_elements) * item);
        }
    });

    LocalCursor cursor;
    FirstNonFinite first_nonfinite(file.cols);
    unsigned char empty_target = 0;
    for (std::uint64_t round = 0; round < rounds; ++round) {
        const std::uint64_t start = round * piece_elements;
        const std::uint64_t count =
            start < local_count ? std::min(piece_elements, local_count - start)
                                : 0;
        void* target = &empty_target;
        if (count > 0) {
            target = direct ? static_cast<void*>(x.data() + start)
                            : static_cast<void*>(buffer.data());
        }
        MPI_Status status;
        const int rc = MPI_File_read_all(
            mpi_file.handle, target, static_cast<int>(count), element, &status);
        mpi::run_agreed(grid.comm(), [&] {
            check_io(rc, "MPI_File_read_all", file.path);
            int got = 0;
            check_io(MPI_Get_count(&status, element, &got), "MPI_Get_count",
                     file.path);
            if (static_cast<std::uint64_t>(got) != count) {
                throw InputError(file.path + " ended early: a read of " +
                                 std::to_string(count) + " values returned " +
                                 std::to_string(got) +
                                 " (the file shrank after its size was "
                                 "checked); re-create the file");
            }
        });
        const auto* bytes =
            direct ? reinterpret_cast<const unsigned char*>(x.data() + start)
                   : buffer.data();
        store_piece(bytes, count, file, x, cursor, first_nonfinite);
    }
    first_nonfinite.throw_if_any(grid.comm(), file.path);
    return x;
}

}  // namespace covdefl
