#include "cli/layout.hpp"

#include <dlfcn.h>
#include <sched.h>

#include <algorithm>
#include <cstdio>
#include <thread>

#include "covdefl/mpi.hpp"

namespace covdefl {

namespace {

// Why the defaults are the defaults, with the measurement behind them.
constexpr const char* default_reason =
    "defaults: grid as square as possible with P >= Q, block size 64, one "
    "BLAS thread per rank; in two runs on 2 cores no other grid, thread "
    "split or block size (32 to 256) was faster beyond the noise, and a 1x2 "
    "grid and 1 rank x 2 BLAS threads had medians up to 1.7 and 2.1 times "
    "slower (docs/benchmarks.md, section 'Ranks, BLAS threads and block "
    "size', bench/layout.sh)";

struct BlasThreads {
    std::optional<int> threads;
    std::string library;
    std::string note;
};

// Finds the library that the BLAS calls of this process bind to (the one
// that defines dgemm_) and, when it is OpenBLAS, reads its thread
// count. Looking the symbols up at run time, instead of linking
// openblas_get_num_threads, keeps covdefl linkable with any BLAS.
BlasThreads query_blas_threads()
{
    BlasThreads result;
    void* dgemm = dlsym(RTLD_DEFAULT, "dgemm_");
    Dl_info info{};
    if (dgemm == nullptr || dladdr(dgemm, &info) == 0 ||
        info.dli_fname == nullptr) {
        result.note = "dgemm_ was not found in the process, so the BLAS "
                      "library and its thread count are unknown";
        return result;
    }
    result.library = info.dli_fname;
    void* handle = dlopen(info.dli_fname, RTLD_LAZY | RTLD_NOLOAD);
    if (handle == nullptr) {
        result.note = "dlopen of " + result.library + " failed, so its " +
                      "thread count is unknown";
        return result;
    }
    using GetThreads = int (*)();
    const auto get_threads =
        reinterpret_cast<GetThreads>(dlsym(handle, "openblas_get_num_threads"));
    if (get_threads != nullptr) {
        result.threads = get_threads();
    } else {
        result.note = result.library +
                      " does not define openblas_get_num_threads, so it is "
                      "not OpenBLAS and its thread count is unknown";
    }
    dlclose(handle);
    return result;
}

// Counts the CPUs that this process may run on, 0 when unknown.
int affinity_cpus()
{
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) != 0) {
        return 0;
    }
    return CPU_COUNT(&set);
}

}  // namespace

RunLayout describe_layout(const RunOptions& o, const ProcessGrid& grid)
{
    RunLayout layout;
    layout.ranks = grid.size();
    layout.grid_rows = grid.nprow();
    layout.grid_cols = grid.npcol();
    layout.grid_source = o.grid_from_option ? "--grid" : "default";
    layout.block_size = o.block_size;
    layout.block_size_source =
        o.block_size_from_option ? "--block-size" : "default";
    layout.reason = default_reason;

    const BlasThreads blas = query_blas_threads();
    layout.blas_threads = blas.threads;
    layout.blas_library = blas.library;
    layout.blas_threads_note = blas.note;

    MPI_Comm node = MPI_COMM_NULL;
    mpi::check(MPI_Comm_split_type(grid.comm(), MPI_COMM_TYPE_SHARED, 0,
                                   MPI_INFO_NULL, &node),
               "MPI_Comm_split_type");
    layout.ranks_on_node = mpi::size(node);
    mpi::check(MPI_Comm_free(&node), "MPI_Comm_free");
    // hardware_concurrency() returns 0 when it cannot count.
    layout.node_cpus = static_cast<int>(std::thread::hardware_concurrency());
    layout.rank_cpus = affinity_cpus();
    if (layout.node_cpus > 0) {
        layout.suggested_blas_threads =
            std::max(1, layout.node_cpus / layout.ranks_on_node);
    }

    // Threads beyond the node's CPUs, maximised over the nodes; a node
    // with an unknown thread or CPU count adds nothing.
    int excess = 0;
    if (layout.blas_threads && layout.node_cpus > 0) {
        excess = layout.ranks_on_node * *layout.blas_threads - layout.node_cpus;
    }
    mpi::check(
        MPI_Allreduce(MPI_IN_PLACE, &excess, 1, MPI_INT, MPI_MAX, grid.comm()),
        "MPI_Allreduce");
    layout.oversubscribed = excess > 0;
    return layout;
}

void write_layout(JsonWriter& json, const RunLayout& layout)
{
    json.key("layout");
    json.begin_object();
    json.field("ranks", layout.ranks);
    json.field("grid_rows", layout.grid_rows);
    json.field("grid_cols", layout.grid_cols);
    json.field("grid_source", layout.grid_source);
    json.field("block_size", layout.block_size);
    json.field("block_size_source", layout.block_size_source);
    json.key("blas_threads_per_rank");
    if (layout.blas_threads) {
        json.value(*layout.blas_threads);
    } else {
        json.null();
        json.field("blas_threads_note", layout.blas_threads_note);
    }
    json.field("blas_library", layout.blas_library);
    json.field("ranks_on_node", layout.ranks_on_node);
    json.field("node_cpus", layout.node_cpus);
    json.field("rank_cpus", layout.rank_cpus);
    json.field("oversubscribed", layout.oversubscribed);
    json.field("reason", layout.reason);
    json.end_object();
}

void print_layout(const RunLayout& layout)
{
    const std::string threads = layout.blas_threads
                                    ? std::to_string(*layout.blas_threads)
                                    : std::string("unknown (not OpenBLAS)");
    // The reason for the defaults is long, so only report.json has it.
    std::printf("layout: %d ranks, %dx%d grid (%s), block size %d (%s), "
                "BLAS threads per rank %s, %d ranks on this node of %d "
                "CPUs\n",
                layout.ranks, layout.grid_rows, layout.grid_cols,
                layout.grid_source.c_str(), layout.block_size,
                layout.block_size_source.c_str(), threads.c_str(),
                layout.ranks_on_node, layout.node_cpus);
    std::fflush(stdout);
}

void warn_if_oversubscribed(const RunLayout& layout)
{
    if (!layout.oversubscribed) {
        return;
    }
    const bool own_node =
        layout.blas_threads &&
        layout.ranks_on_node * *layout.blas_threads > layout.node_cpus;
    if (own_node && *layout.blas_threads == 1) {
        std::fprintf(stderr,
                     "covdefl: warning: %d ranks on this node with 1 BLAS "
                     "thread each, more than the node's %d CPUs, so the "
                     "ranks compete for cores; start at most %d ranks per "
                     "node\n",
                     layout.ranks_on_node, layout.node_cpus, layout.node_cpus);
    } else if (own_node) {
        std::fprintf(stderr,
                     "covdefl: warning: %d ranks on this node x %d BLAS "
                     "threads per rank = %d threads, more than the node's "
                     "%d CPUs, so the threads compete for cores; set "
                     "OPENBLAS_NUM_THREADS=%d or start fewer ranks per "
                     "node\n",
                     layout.ranks_on_node, *layout.blas_threads,
                     layout.ranks_on_node * *layout.blas_threads,
                     layout.node_cpus, layout.suggested_blas_threads);
    } else {
        std::fprintf(stderr,
                     "covdefl: warning: on a node other than rank 0's, the "
                     "ranks times their BLAS threads exceed the node's "
                     "CPUs, so the threads compete for cores; lower "
                     "OPENBLAS_NUM_THREADS there or start fewer ranks per "
                     "node\n");
    }
    std::fflush(stderr);
}

}  // namespace covdefl
