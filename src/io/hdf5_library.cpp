#include "io/hdf5_library.hpp"

#include <algorithm>
#include <utility>

namespace covdefl::io::hdf5 {

Handle::Handle(Handle&& other) noexcept
    : id_(std::exchange(other.id_, H5I_INVALID_HID))
    , close_(other.close_)
{
}

Handle& Handle::operator=(Handle&& other) noexcept
{
    if (this != &other) {
        close();
        id_ = std::exchange(other.id_, H5I_INVALID_HID);
        close_ = other.close_;
    }
    return *this;
}

Handle::~Handle()
{
    close();
}

herr_t Handle::close()
{
    if (id_ < 0 || close_ == nullptr) {
        return 0;
    }
    const herr_t status = close_(std::exchange(id_, H5I_INVALID_HID));
    return status;
}

QuietErrors::QuietErrors()
{
    H5Eget_auto2(H5E_DEFAULT, &function_, &data_);
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
}

QuietErrors::~QuietErrors()
{
    H5Eset_auto2(H5E_DEFAULT, function_, data_);
}

namespace {

herr_t keep_innermost(unsigned position, const H5E_error2_t* error,
                      void* client_data)
{
    // H5E_WALK_UPWARD visits the innermost error first.
    if (position == 0) {
        auto* text = static_cast<std::string*>(client_data);
        char minor[256] = "";
        H5Eget_msg(error->min_num, nullptr, minor, sizeof minor);
        *text = error->desc != nullptr ? error->desc : "";
        if (minor[0] != '\0' && text->find(minor) == std::string::npos) {
            *text += text->empty() ? minor : std::string(" (") + minor + ")";
        }
    }
    return 0;
}

}  // namespace

std::string take_error_stack()
{
    std::string text;
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, keep_innermost, &text);
    H5Eclear2(H5E_DEFAULT);
    return text.empty() ? "HDF5 gave no reason" : text;
}

std::string describe_type(hid_t type)
{
    const std::string bits = std::to_string(8 * H5Tget_size(type)) + "-bit ";
    std::string order;
    switch (H5Tget_order(type)) {
    case H5T_ORDER_LE:
        order = "little-endian ";
        break;
    case H5T_ORDER_BE:
        order = "big-endian ";
        break;
    default:
        break;
    }
    switch (H5Tget_class(type)) {
    case H5T_INTEGER:
        return bits + order +
               (H5Tget_sign(type) == H5T_SGN_NONE ? "unsigned" : "signed") +
               " integer";
    case H5T_FLOAT:
        return bits + order + "float";
    case H5T_STRING:
        return "string";
    case H5T_BITFIELD:
        return bits + "bitfield";
    case H5T_OPAQUE:
        return bits + "opaque";
    case H5T_COMPOUND:
        return "compound";
    case H5T_REFERENCE:
        return "reference";
    case H5T_ENUM:
        return "enum";
    case H5T_VLEN:
        return "variable-length sequence";
    case H5T_ARRAY:
        return "array";
    default:
        return "unknown type";
    }
}

Handle mpio_file_access(MPI_Comm comm)
{
    Handle list = checked<Error>(H5Pcreate(H5P_FILE_ACCESS), H5Pclose,
                                 "H5Pcreate(H5P_FILE_ACCESS) failed");
    check_status<Error>(H5Pset_fapl_mpio(list.get(), comm, MPI_INFO_NULL),
                        "H5Pset_fapl_mpio failed");
    return list;
}

Handle collective_transfer()
{
    Handle list = checked<Error>(H5Pcreate(H5P_DATASET_XFER), H5Pclose,
                                 "H5Pcreate(H5P_DATASET_XFER) failed");
    check_status<Error>(H5Pset_dxpl_mpio(list.get(), H5FD_MPIO_COLLECTIVE),
                        "H5Pset_dxpl_mpio failed");
    return list;
}

std::vector<TransferRound> plan_transfer_rounds(const BlockCyclicMatrix& a,
                                                std::int64_t max_buffer_doubles)
{
    const std::int64_t block = a.block_rows();
    const std::int64_t cycle = a.grid().nprow() * block;
    // Process column 0 stores the most columns, so every rank computes the
    // same round size from it.
    const std::int64_t widest = std::max(
        1, local_extent(a.cols(), a.block_cols(), 0, a.grid().npcol()));
    const std::int64_t cycles_per_round =
        std::max<std::int64_t>(1, max_buffer_doubles / (block * widest));
    const std::int64_t round_rows = cycles_per_round * cycle;

    std::vector<TransferRound> rounds;
    for (std::int64_t first = 0; first < a.rows(); first += round_rows) {
        TransferRound round;
        round.first_row = first;
        round.end_row = std::min<std::int64_t>(a.rows(), first + round_rows);
        // Each whole cycle before a row contains `block` rows of every
        // process row, and the last round ends at the last local row.
        round.first_local_row = static_cast<int>(first / cycle * block);
        const std::int64_t end_local = round.end_row == a.rows()
                                           ? a.local_rows()
                                           : round.end_row / cycle * block;
        round.local_rows = static_cast<int>(end_local - round.first_local_row);
        rounds.push_back(round);
    }
    return rounds;
}

std::size_t transfer_buffer_size(const std::vector<TransferRound>& rounds,
                                 int local_cols)
{
    int max_rows = 0;
    for (const TransferRound& round : rounds) {
        max_rows = std::max(max_rows, round.local_rows);
    }
    return std::max<std::size_t>(1, static_cast<std::size_t>(max_rows) *
                                        local_cols);
}

namespace {

// Arguments of one H5Sselect_hyperslab call along one dimension.
struct HyperslabRun {
    hsize_t start = 0;
    hsize_t stride = 1;
    hsize_t count = 0;
    hsize_t block = 0;
};

// The indices in [first, end) owned by process `iproc` of `nprocs` in a
// block-cyclic dimension with block size `block`. `first` must be a
// multiple of nprocs·block. The result is a run of whole blocks with stride
// nprocs·block, then the partial block at `end` when this process owns it.
std::vector<HyperslabRun> owned_runs(std::int64_t first, std::int64_t end,
                                     std::int64_t block, int iproc, int nprocs)
{
    const std::int64_t cycle = nprocs * block;
    const std::int64_t first_start = first + iproc * block;
    std::int64_t whole = 0;
    if (first_start + block <= end) {
        whole = (end - first_start - block) / cycle + 1;
    }
    std::vector<HyperslabRun> runs;
    if (whole > 0) {
        runs.push_back(
            {static_cast<hsize_t>(first_start), static_cast<hsize_t>(cycle),
             static_cast<hsize_t>(whole), static_cast<hsize_t>(block)});
    }
    const std::int64_t partial_start = first_start + whole * cycle;
    if (partial_start < end) {
        const auto length = static_cast<hsize_t>(end - partial_start);
        runs.push_back(
            {static_cast<hsize_t>(partial_start), length, 1, length});
    }
    return runs;
}

}  // namespace

void select_round(hid_t file_space, const BlockCyclicMatrix& a,
                  const TransferRound& round)
{
    check_status<Error>(H5Sselect_none(file_space), "H5Sselect_none failed");
    const std::vector<HyperslabRun> rows =
        owned_runs(round.first_row, round.end_row, a.block_rows(),
                   a.grid().myrow(), a.grid().nprow());
    const std::vector<HyperslabRun> cols = owned_runs(
        0, a.cols(), a.block_cols(), a.grid().mycol(), a.grid().npcol());
    bool first = true;
    for (const HyperslabRun& r : rows) {
        for (const HyperslabRun& c : cols) {
            const hsize_t start[2] = {r.start, c.start};
            const hsize_t stride[2] = {r.stride, c.stride};
            const hsize_t count[2] = {r.count, c.count};
            const hsize_t block[2] = {r.block, c.block};
            check_status<Error>(
                H5Sselect_hyperslab(file_space,
                                    first ? H5S_SELECT_SET : H5S_SELECT_OR,
                                    start, stride, count, block),
                "H5Sselect_hyperslab failed");
            first = false;
        }
    }
}

Handle memory_space(std::int64_t count)
{
    const hsize_t size = static_cast<hsize_t>(std::max<std::int64_t>(1, count));
    Handle space = checked<Error>(H5Screate_simple(1, &size, nullptr), H5Sclose,
                                  "H5Screate_simple failed");
    if (count == 0) {
        check_status<Error>(H5Sselect_none(space.get()),
                            "H5Sselect_none failed");
    }
    return space;
}

}  // namespace covdefl::io::hdf5
