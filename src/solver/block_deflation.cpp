// Block deflation: Chebyshev-filtered subspace iteration with
// Rayleigh–Ritz for each block of b components, then one PDSYR2K update.
#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <sstream>

#include "covdefl/block_solver.hpp"
#include "covdefl/mpi.hpp"
#include "solver/block_iteration.hpp"
#include "solver/block_measure.hpp"
#include "solver/lapack.hpp"
#include "solver/vector_block.hpp"

namespace covdefl {

namespace {

using block::ColumnOutcome;
using block::FoundComponents;

// Largest amplification the filter may give the leading active direction
// relative to the damped interval, so that the filtered block keeps about
// six digits of its smallest directions before the QR.
constexpr double max_filter_growth = 1e10;

// X(:, x0:x0+n) = X(:, x0:x0+n) · Y for an n x n matrix Y.
void rotate(BlockCyclicMatrix& x, int x0, int n, const std::vector<double>& y)
{
    const BlockCyclicMatrix copy = x;
    block::combine(x, x0, n, 0.0, 1.0, copy, x0, n, y);
}

// The Chebyshev-filtered subspace iteration of one block.
class ChebyshevIteration : public block::BlockIteration {
public:
    explicit ChebyshevIteration(const block::BlockProblem& p)
        : BlockIteration(p.matrix, p.options.kernel, p.targets)
        , found_(p.found)
        , first_(p.first)
        , targets_(p.targets)
        , m_(p.columns)
        , options_(p.options)
        , block_(p.block)
        , scale_(p.scale)
        , x_(block::make_vector_block(p.matrix.grid(), p.matrix.rows(),
                                      p.columns, p.matrix.block_rows()))
        , p_(x_)
        , ax_(x_)
        , theta_(static_cast<std::size_t>(p.columns), 0.0)
    {
    }

    // Runs the iteration and leaves the result in vectors() and
    // products() (Σb times the vectors). Collective.
    void run() override;

    const BlockCyclicMatrix& vectors() const override { return x_; }
    const BlockCyclicMatrix& products() const override { return p_; }

private:
    // dst(:, nl:m) = Â src(:, nl:m), with Â = Σb − XL ΘL XLᵀ over the
    // locked columns XL. `raw` (may be null) receives Σb src(:, nl:m).
    void apply(const BlockCyclicMatrix& src, BlockCyclicMatrix& dst,
               BlockCyclicMatrix* raw);
    void rayleigh_ritz(const BlockCyclicMatrix* previous);
    int filter_degree() const;
    void chebyshev_filter(int degree);
    void lock_converged();
    double threshold(double theta) const;

    const FoundComponents& found_;
    int first_;
    int targets_;  // columns that must converge: components and probe
    int m_;
    const DeflationOptions& options_;
    const BlockDeflationOptions& block_;
    double scale_;
    BlockCyclicMatrix x_;   // Ritz vectors, columns 0..locked_ locked
    BlockCyclicMatrix p_;   // Σb X
    BlockCyclicMatrix ax_;  // Â X
    std::vector<double> theta_;
    std::vector<double> residual_;
    int locked_ = 0;
};

double ChebyshevIteration::threshold(double theta) const
{
    // The rounding scale of sequential deflation: Σ|θj| over the earlier
    // blocks and the locked columns of this one.
    double scale = scale_;
    for (int l = 0; l < locked_; ++l) {
        scale += std::abs(theta_[l]);
    }
    return block::residual_threshold(options_.tolerance, matrix_.rows(), scale,
                                     theta);
}

void ChebyshevIteration::apply(const BlockCyclicMatrix& src,
                               BlockCyclicMatrix& dst, BlockCyclicMatrix* raw)
{
    const int nl = locked_;
    const int na = m_ - nl;
    multiply(src, nl, dst, nl, na);
    if (raw != nullptr) {
        block::copy_columns(dst, nl, na, *raw, nl);
    }
    if (nl == 0) {
        return;
    }
    // dst −= XL ΘL (XLᵀ src)
    std::vector<double> c = block::gram(x_, 0, nl, src, nl, na);
    for (int j = 0; j < na; ++j) {
        for (int l = 0; l < nl; ++l) {
            c[static_cast<std::size_t>(j) * nl + l] *= theta_[l];
        }
    }
    block::combine(dst, nl, na, 1.0, -1.0, x_, 0, nl, c);
}

void ChebyshevIteration::rayleigh_ritz(const BlockCyclicMatrix* previous)
{
    const int nl = locked_;
    const int na = m_ - nl;
    const MPI_Comm comm = matrix_.grid().comm();
    apply(x_, ax_, &p_);
    // H = XaᵀÂXa, symmetrised, then Xa ← Xa Y with H = Y diag(θ) Yᵀ.
    std::vector<double> h = block::gram(x_, nl, na, ax_, nl, na);
    for (int j = 0; j < na; ++j) {
        for (int i = 0; i < j; ++i) {
            const double mean = 0.5 * (h[static_cast<std::size_t>(j) * na + i] +
                                       h[static_cast<std::size_t>(i) * na + j]);
            h[static_cast<std::size_t>(j) * na + i] = mean;
            h[static_cast<std::size_t>(i) * na + j] = mean;
        }
    }
    const std::vector<double> w = block::symmetric_eigen(comm, h, na);
    rotate(x_, nl, na, h);
    rotate(p_, nl, na, h);
    rotate(ax_, nl, na, h);
    std::copy(w.begin(), w.end(), theta_.begin() + nl);

    // r = ‖Âx − θx‖ per column, and the step from the previous Ritz vector
    // √(2 − 2|x_oldᵀx|).
    std::vector<double> sums(static_cast<std::size_t>(na), 0.0);
    const int rows = block::local_rows(x_);
    for (int j = 0; j < na; ++j) {
        const double* xj = block::column(x_, nl + j);
        const double* aj = block::column(ax_, nl + j);
        for (int i = 0; i < rows; ++i) {
            const double r = aj[i] - theta_[nl + j] * xj[i];
            sums[j] += r * r;
        }
    }
    mpi::sum_all(comm, sums.data(), na);
    COVDEFL_EXPECT_AGREED(comm, "the block Ritz pairs", w, h, sums);
    std::vector<double> overlaps(static_cast<std::size_t>(na), 1.0);
    if (previous != nullptr) {
        const std::vector<double> g =
            block::gram(*previous, nl, na, x_, nl, na);
        for (int j = 0; j < na; ++j) {
            overlaps[j] = std::abs(g[static_cast<std::size_t>(j) * na + j]);
        }
    }
    residual_.assign(static_cast<std::size_t>(m_), 0.0);
    for (int j = 0; j < na; ++j) {
        const int column = nl + j;
        residual_[column] = std::sqrt(sums[j]);
        if (!std::isfinite(theta_[column]) ||
            !std::isfinite(residual_[column])) {
            block::fail_not_finite(first_ + column);
        }
        if (column < targets_) {
            ColumnOutcome& outcome = outcomes_[column];
            outcome.rayleigh_quotients.push_back(theta_[column]);
            outcome.residual_norms.push_back(residual_[column]);
            outcome.step_norms.push_back(
                std::sqrt(std::max(0.0, 2.0 - 2.0 * overlaps[j])));
        }
    }
    const double floor_factor = 16.0 *
                                std::sqrt(static_cast<double>(matrix_.rows())) *
                                std::numeric_limits<double>::epsilon();
    // Ritz values lie in [λmin, λmax], so a negative one beyond rounding
    // proves that the matrix has a negative eigenvalue.
    const double top = std::max(std::abs(theta_[0]), std::abs(theta_[nl]));
    const double bottom = theta_[m_ - 1];
    if (bottom < -(options_.tolerance + floor_factor) * (scale_ + top)) {
        block::fail_negative(first_ + nl, bottom);
    }
}

void ChebyshevIteration::lock_converged()
{
    while (locked_ < targets_) {
        const double theta = theta_[locked_];
        const double limit = threshold(theta);
        if (!(residual_[locked_] <= limit)) {
            break;
        }
        ColumnOutcome& outcome = outcomes_[locked_];
        outcome.status = ComponentStatus::converged;
        outcome.tolerance = limit;
        outcome.block_products = static_cast<int>(block_products_);
        outcome.vector_products = vector_products_;
        ++locked_;
    }
    COVDEFL_EXPECT_AGREED(matrix_.grid().comm(), "the locked columns", locked_);
}

int ChebyshevIteration::filter_degree() const
{
    // Damp [0, c] with c the smallest Ritz value of the block; the leading
    // active Ritz value maps to x = 2θ/c − 1 and grows like T_p(x).
    const double c = theta_[m_ - 1];
    const double top = theta_[locked_];
    if (!(c > 0.0) || !(top > c)) {
        return 1;
    }
    const double x = 2.0 * top / c - 1.0;
    const int degree =
        static_cast<int>(std::acosh(max_filter_growth) / std::acosh(x));
    return std::clamp(degree, 1, block_.max_filter_degree);
}

void ChebyshevIteration::chebyshev_filter(int degree)
{
    const int nl = locked_;
    const int na = m_ - nl;
    const double c = theta_[m_ - 1];
    if (!(c > 0.0)) {
        // No interval to damp: one product with Â.
        BlockCyclicMatrix y = x_;
        apply(x_, y, nullptr);
        block::copy_columns(y, nl, na, x_, nl);
        return;
    }
    // Map [0, c] to [−1, 1]: e = c/2 is the centre, h = c/2 the half width.
    const double e = 0.5 * c;
    const double h = 0.5 * c;
    BlockCyclicMatrix previous = x_;
    BlockCyclicMatrix current = x_;
    BlockCyclicMatrix next = x_;
    const int rows = block::local_rows(x_);
    // Y1 = (Â − e) X / h
    apply(x_, current, nullptr);
    for (int j = nl; j < m_; ++j) {
        double* yj = block::column(current, j);
        const double* xj = block::column(x_, j);
        for (int i = 0; i < rows; ++i) {
            yj[i] = (yj[i] - e * xj[i]) / h;
        }
    }
    for (int step = 2; step <= degree; ++step) {
        // Y_{s+1} = 2 (Â − e) Y_s / h − Y_{s−1}
        apply(current, next, nullptr);
        for (int j = nl; j < m_; ++j) {
            double* nj = block::column(next, j);
            const double* cj = block::column(current, j);
            const double* pj = block::column(previous, j);
            for (int i = 0; i < rows; ++i) {
                nj[i] = 2.0 * (nj[i] - e * cj[i]) / h - pj[i];
            }
        }
        std::swap(previous, current);
        std::swap(current, next);
    }
    block::copy_columns(current, nl, na, x_, nl);
}

void ChebyshevIteration::run()
{
    block::seeded_start_block(x_, m_, first_, found_, options_.seed);
    start_ = std::make_unique<BlockCyclicMatrix>(x_);

    rayleigh_ritz(nullptr);
    // Cost per outer iteration: p + 1 PDSYMM products of the active
    // columns (each reads the lower triangle once), a QR of the active
    // columns, and O(d·m²/P) local work with a few small reductions.
    for (;;) {
        lock_converged();
        if (locked_ >= targets_) {
            break;
        }
        // An outer iteration costs degree + 1 products (filter and
        // Rayleigh–Ritz), so the degree shrinks to stay within
        // --max-iterations, and fewer than 2 remaining products end it.
        const long long remaining = options_.max_iterations - block_products_;
        if (remaining < 2) {
            for (int i = locked_; i < targets_; ++i) {
                outcomes_[i].status = ComponentStatus::iteration_limit;
                outcomes_[i].tolerance = threshold(theta_[i]);
                outcomes_[i].block_products = static_cast<int>(block_products_);
                outcomes_[i].vector_products = vector_products_;
            }
            break;
        }
        const BlockCyclicMatrix previous = x_;
        chebyshev_filter(static_cast<int>(
            std::min<long long>(filter_degree(), remaining - 1)));
        // The active columns are not projected against the locked ones or
        // the earlier blocks. Â moves those directions to eigenvalues near 0,
        // where the filter damps them, and the eigenvectors of Â that the
        // sequential deflation defines differ from orthogonal to them by the
        // residuals of the locked vectors. Projecting would stall the
        // residual at that level.
        block::orthonormalize_columns(x_, locked_, m_ - locked_);
        rayleigh_ritz(&previous);
    }
}

}  // namespace

namespace block {

void BlockIteration::multiply(const BlockCyclicMatrix& src, int s0,
                              BlockCyclicMatrix& dst, int d0, int n)
{
    const double start = MPI_Wtime();
    block::multiply(matrix_, src, s0, dst, d0, n, kernel_);
    product_seconds_ += MPI_Wtime() - start;
    ++block_products_;
    vector_products_ += n;
}

void fail_not_finite(int component)
{
    throw Error("a non-finite value appeared in the block eigensolver at "
                "component " +
                    std::to_string(component + 1) +
                    "; the matrix holds values too large for float64, so "
                    "rescale the input",
                /*collective=*/true);
}

void fail_negative(int component, double theta)
{
    std::ostringstream message;
    message << "the matrix is not positive semidefinite: a Ritz value of "
            << theta << " < 0 appeared while computing component "
            << component + 1
            << "; covdefl needs a covariance matrix, so check the input";
    throw Error(message.str(), /*collective=*/true);
}

double residual_threshold(double tolerance, int dimension, double scale,
                          double theta)
{
    const double floor_factor = 16.0 *
                                std::sqrt(static_cast<double>(dimension)) *
                                std::numeric_limits<double>::epsilon();
    return std::max(tolerance * std::abs(theta),
                    floor_factor * std::max(scale, std::abs(theta)));
}

void seeded_start_block(BlockCyclicMatrix& x, int m, int first,
                        const FoundComponents& found, std::uint64_t seed)
{
    for (int i = 0; i < m; ++i) {
        double* xi = block::column(x, i);
        for (int il = 0; il < block::local_rows(x); ++il) {
            xi[il] =
                seeded_gaussian(seed, static_cast<std::uint64_t>(first + i),
                                static_cast<std::uint64_t>(x.global_row(il)));
        }
    }
    if (found.count > 0) {
        block::project_out(x, 0, m, *found.vectors, found.count);
    }
    block::orthonormalize(x, m);
}

std::unique_ptr<BlockIteration>
make_chebyshev_iteration(const BlockProblem& problem)
{
    return std::make_unique<ChebyshevIteration>(problem);
}

}  // namespace block

DeflationResult run_block_deflation(BlockCyclicMatrix& matrix,
                                    const DeflationOptions& options,
                                    const BlockDeflationOptions& block,
                                    SolveObserver* observer)
{
    const int n = matrix.rows();
    const int nb = matrix.block_rows();
    if (options.components < 1 || options.components > n) {
        throw Error("invalid --components " +
                        std::to_string(options.components) +
                        ": must be between 1 and the dimension d = " +
                        std::to_string(n),
                    /*collective=*/true);
    }
    if (block.block_width < 1 || block.guard_vectors < 0 ||
        block.max_filter_degree < 1) {
        throw Error("invalid block method settings: the block width and "
                    "the filter degree must be at least 1, the guard "
                    "vectors at least 0",
                    /*collective=*/true);
    }
    const int k_total = options.components;
    const bool probe = options.probe && k_total < n;
    BlockCyclicMatrix found_vectors =
        block::make_vector_block(matrix.grid(), n, k_total, nb);
    FoundComponents found;
    found.vectors = &found_vectors;
    double scale = 0.0;
    DeflationResult result;
    int block_index = 0;
    for (int first = 0; first < k_total; ++block_index) {
        const int width = std::min(block.block_width, k_total - first);
        const bool last = first + width == k_total;
        const int targets = width + (last && probe ? 1 : 0);
        // The columns must fit in the complement of the earlier blocks.
        const int columns = std::min(targets + block.guard_vectors, n - first);
        const double started = MPI_Wtime();
        const block::BlockProblem problem{matrix,  found,   first, targets,
                                          columns, options, block, scale};
        const std::unique_ptr<block::BlockIteration> solver =
            block.iteration == BlockIterationKind::krylov
                ? block::make_krylov_iteration(problem)
                : block::make_chebyshev_iteration(problem);
        block::BlockIteration& iteration = *solver;
        iteration.run();

        block::BlockMeasurement measured = block::measure_block(
            iteration.vectors(), iteration.products(), targets, width, found,
            iteration.start(), first, iteration.outcomes());
        measured.block.block = block_index;
        measured.block.block_products = iteration.block_products();
        measured.block.vector_products = iteration.vector_products();
        measured.block.product_seconds = iteration.product_seconds();
        const std::size_t found_before = result.components.size();
        block::finish_block(measured, width, MPI_Wtime() - started,
                            iteration.vectors(), iteration.outcomes(), observer,
                            result);
        for (std::size_t i = found_before; i < result.components.size(); ++i) {
            found.eigenvalues.push_back(result.components[i].eigenvalue);
            scale += std::abs(result.components[i].eigenvalue);
        }

        block::copy_columns(iteration.vectors(), 0, width, found_vectors,
                            first);
        found.count += width;
        first += width;
        if (last) {
            // No later block reads the matrix, so the last update is left
            // out (one PDSYR2K, about as long as four block products).
            break;
        }

        // Σ ← Σ − V Θ Vᵀ = Σ − ½(W Vᵀ + V Wᵀ) with W = VΘ, lower triangle.
        BlockCyclicMatrix w = iteration.vectors();
        std::vector<double> diagonal(static_cast<std::size_t>(width) * width,
                                     0.0);
        for (int i = 0; i < width; ++i) {
            diagonal[static_cast<std::size_t>(i) * width + i] =
                measured.summaries[i].eigenvalue;
        }
        COVDEFL_EXPECT_AGREED(w.grid().comm(), "the block update", diagonal);
        block::combine(w, 0, width, 0.0, 1.0, iteration.vectors(), 0, width,
                       diagonal);
        const int one = 1;
        const double alpha = -0.5;
        const double beta = 1.0;
        pdsyr2k_("L", "N", &n, &width, &alpha, w.data(), &one, &one, w.desc(),
                 iteration.vectors().data(), &one, &one,
                 iteration.vectors().desc(), &beta, matrix.data(), &one, &one,
                 matrix.desc());
    }
    return result;
}

}  // namespace covdefl
