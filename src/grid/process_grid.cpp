#include <cmath>
#include <regex>

#include "covdefl/error.hpp"
#include "covdefl/grid.hpp"
#include "covdefl/mpi.hpp"
#include "grid/scalapack.hpp"

namespace covdefl {

GridShape choose_grid_shape(int nranks)
{
    if (nranks < 1) {
        throw Error("invalid rank count " + std::to_string(nranks));
    }
    int cols = static_cast<int>(std::sqrt(static_cast<double>(nranks)));
    while (nranks % cols != 0) {
        --cols;
    }
    return GridShape{nranks / cols, cols};
}

GridShape parse_grid_shape(const std::string& text)
{
    static const std::regex pattern(
        R"(\s*([0-9]{1,6})\s*[xX]\s*([0-9]{1,6})\s*)");
    std::smatch match;
    if (!std::regex_match(text, match, pattern)) {
        throw Error("invalid --grid '" + text +
                    "': expected PxQ with positive integers, for example 2x2");
    }
    GridShape shape{std::stoi(match[1]), std::stoi(match[2])};
    if (shape.rows < 1 || shape.cols < 1) {
        throw Error("invalid --grid '" + text +
                    "': both dimensions must be at least 1");
    }
    return shape;
}

ProcessGrid::ProcessGrid(MPI_Comm comm, GridShape shape)
    : comm_(comm)
    , rank_(mpi::rank(comm))
{
    const int nranks = mpi::size(comm);
    if (shape.rows * shape.cols != nranks) {
        throw Error("grid " + std::to_string(shape.rows) + "x" +
                        std::to_string(shape.cols) + " needs " +
                        std::to_string(shape.rows * shape.cols) +
                        " ranks but the job has " + std::to_string(nranks) +
                        "; pick P x Q equal to the rank count",
                    /*collective=*/true);
    }
    system_handle_ = Csys2blacs_handle(comm);
    context_ = system_handle_;
    Cblacs_gridinit(&context_, "Row", shape.rows, shape.cols);
    Cblacs_gridinfo(context_, &nprow_, &npcol_, &myrow_, &mycol_);
    if (myrow_ < 0 || mycol_ < 0) {
        // Unreachable while P x Q equals the rank count; kept as a guard
        // because every later PBLAS call would fail in obscure ways.
        throw Error("BLACS grid initialisation failed on rank " +
                    std::to_string(rank_));
    }
}

ProcessGrid::~ProcessGrid()
{
    if (context_ >= 0) {
        Cblacs_gridexit(context_);
    }
    if (system_handle_ >= 0) {
        Cfree_blacs_system_handle(system_handle_);
    }
}

}  // namespace covdefl
