// Helpers shared by the HDF5 reader and writers: identifiers that close
// themselves, error messages from HDF5's error stack, and the hyperslab
// selection of one rank's part of a block-cyclic matrix.
#pragma once

#include <hdf5.h>

#include <cstdint>
#include <string>
#include <vector>

#include "covdefl/error.hpp"
#include "covdefl/grid.hpp"
#include "covdefl/hdf5.hpp"

namespace covdefl::io::hdf5 {

// Maximum doubles one rank buffers per collective transfer (64 MiB), so a
// large matrix moves in a few rounds of whole process-row cycles.
constexpr std::int64_t transfer_buffer_doubles = 8 << 20;

// An HDF5 identifier, closed by its close function on destruction.
class Handle {
public:
    Handle() = default;
    Handle(hid_t id, herr_t (*close)(hid_t)) : id_(id), close_(close) {}
    Handle(Handle&& other) noexcept;
    Handle& operator=(Handle&& other) noexcept;
    Handle(const Handle&) = delete;
    Handle& operator=(const Handle&) = delete;
    ~Handle();

    hid_t get() const { return id_; }

    // Closes the identifier now and returns HDF5's status (negative on
    // failure). Closing a file opened with the MPI-IO driver is collective.
    herr_t close();

private:
    hid_t id_ = H5I_INVALID_HID;
    herr_t (*close_)(hid_t) = nullptr;
};

// Turns off HDF5's automatic printing of its error stack to stderr while
// it exists, and restores the previous setting on destruction. covdefl
// turns the stack into its own messages (take_error_stack).
class QuietErrors {
public:
    QuietErrors();
    ~QuietErrors();
    QuietErrors(const QuietErrors&) = delete;
    QuietErrors& operator=(const QuietErrors&) = delete;

private:
    H5E_auto2_t function_ = nullptr;
    void* data_ = nullptr;
};

// Returns the innermost error on HDF5's error stack of this thread (where
// it was detected, which names the cause) and clears the stack.
std::string take_error_stack();

// Returns a Handle that owns `id`, or throws `E` with "`what`: " and the
// HDF5 error when `id` is negative.
template <class E>
Handle checked(hid_t id, herr_t (*close)(hid_t), const std::string& what)
{
    if (id < 0) {
        throw E(what + ": " + take_error_stack());
    }
    return Handle(id, close);
}

// Throws `E` with "`what`: " and the HDF5 error when `status` is negative.
template <class E>
void check_status(herr_t status, const std::string& what)
{
    if (status < 0) {
        throw E(what + ": " + take_error_stack());
    }
}

// The element type `type` in words, for example "32-bit big-endian float"
// or "16-bit little-endian unsigned integer".
std::string describe_type(hid_t type);

// A file access property list that opens files with the MPI-IO driver on
// `comm`.
Handle mpio_file_access(MPI_Comm comm);

// A transfer property list for collective MPI-IO reads and writes.
Handle collective_transfer();

// One collective transfer of a block-cyclic matrix: global rows
// [first_row, end_row), which start on a process-row cycle of nprow x
// block_rows rows, and the local rows [first_local_row, first_local_row +
// local_rows) of this rank that lie in them.
struct TransferRound {
    std::int64_t first_row = 0;
    std::int64_t end_row = 0;
    int first_local_row = 0;
    int local_rows = 0;
};

// Splits the rows of `a` into rounds whose local part, local_rows x
// local_cols doubles, is at most `max_buffer_doubles` on every rank (or one
// block row when a block row is larger). Every rank gets the same number of
// rounds, so each round can be one collective call.
std::vector<TransferRound>
plan_transfer_rounds(const BlockCyclicMatrix& a,
                     std::int64_t max_buffer_doubles);

// Doubles of the largest local part of `rounds`, a local_rows x
// `local_cols` row-major buffer. At least 1, so that the buffer pointer
// passed to HDF5 is never null.
std::size_t transfer_buffer_size(const std::vector<TransferRound>& rounds,
                                 int local_cols);

// Selects in `file_space`, a rows() x cols() dataspace, the entries of `a`
// that this rank owns in the rows of `round`. The selection is a regular
// hyperslab with stride nprow·block_rows by npcol·block_cols over the whole
// blocks, joined with the partial blocks at the bottom and right edges.
// HDF5 transfers a hyperslab selection in row-major order, which is the
// order of the local rows and columns (the tests check every entry). Selects
// nothing when the rank owns no entry there.
void select_round(hid_t file_space, const BlockCyclicMatrix& a,
                  const TransferRound& round);

// A 1-D memory dataspace of `count` elements, all selected (none when
// `count` is 0).
Handle memory_space(std::int64_t count);

// read_hdf5_matrix and write_hdf5_matrix with a given transfer buffer size
// per rank, so that the tests can exercise transfers of several rounds.
BlockCyclicMatrix read_matrix(const ProcessGrid& grid, const std::string& path,
                              const std::string& dataset, int block_size,
                              std::int64_t max_buffer_doubles);
void write_matrix(const std::string& path, const std::string& dataset,
                  const BlockCyclicMatrix& a, Hdf5FileMode mode,
                  std::int64_t max_buffer_doubles);

}  // namespace covdefl::io::hdf5
