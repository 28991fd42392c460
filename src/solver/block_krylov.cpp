// Restarted block Krylov iteration for one block of block deflation.
#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>

#include "covdefl/mpi.hpp"
#include "solver/block_iteration.hpp"
#include "solver/lapack.hpp"
#include "solver/vector_block.hpp"

namespace covdefl::block {

namespace {

// Seeds of replacement columns, apart from those of the start vectors.
constexpr std::uint64_t replacement_stream = std::uint64_t(1) << 40;

// Each cycle starts from the m current Ritz vectors X and their products
// ΣbX, builds the basis Q = [X, Q1, ..., Q(s−1)] with Qj the orthonormal
// part of ΣbQ(j−1) against everything before it (one block product per
// step), keeps W = ΣbQ beside it, and takes the m leading Ritz pairs of
// QᵀW. The products of the Ritz vectors come from W, so a restart costs
// no product. A cycle costs at most s − 1 block products, the first one s.
// Each step costs one block product: each rank reads its share of the
// stored triangle once, and one MPI_Allreduce sums d·m values. The
// projection against a basis of k columns and Cholesky QR take
// O(d·k·m/P) local flops and eight small reductions, and H's new columns
// one reduction. From the second step on, Rayleigh–Ritz adds a k x k
// eigenproblem on rank 0, broadcast, and O(d·k·m/P) local flops for X and
// ΣbX.
class KrylovIteration : public BlockIteration {
public:
    explicit KrylovIteration(const BlockProblem& p)
        : BlockIteration(p.matrix, p.options.kernel, p.targets)
        , found_(p.found)
        , first_(p.first)
        , targets_(p.targets)
        , m_(p.columns)
        , options_(p.options)
        , steps_(std::max(2, p.block.krylov_steps))
        , capacity_(steps_ * p.columns)
        , scale_(p.scale)
        , q_(make_vector_block(p.matrix.grid(), p.matrix.rows(), capacity_,
                               p.matrix.block_rows()))
        , w_(q_)
        , x_(make_vector_block(p.matrix.grid(), p.matrix.rows(), p.columns,
                               p.matrix.block_rows()))
        , ax_(x_)
        , theta_(static_cast<std::size_t>(p.columns), 0.0)
        , residual_(static_cast<std::size_t>(p.columns), 0.0)
    {
    }

    void run() override;

    const BlockCyclicMatrix& vectors() const override { return x_; }
    const BlockCyclicMatrix& products() const override { return ax_; }

private:
    // Starts a basis from X and ΣbX, with H = XᵀΣbX.
    void start_cycle();
    // Adds the orthonormal part of Σb times the newest block (`last`
    // columns) to a basis of `filled` columns, with its products and its
    // part of H. Returns its width, 0 when the basis cannot grow.
    int add_block(int filled, int last);
    double& h(int i, int j)
    {
        return h_[static_cast<std::size_t>(j) * capacity_ + i];
    }
    // Replaces column j of the basis by a seeded vector orthogonal to the
    // earlier components and to the basis' first q0 columns.
    void replace_column(int j, int q0);
    // X, ΣbX, θ and the residuals from the leading Ritz pairs of the
    // basis' first `basis` columns.
    void rayleigh_ritz(int basis);
    void record(const BlockCyclicMatrix* previous);
    // Rayleigh–Ritz on the basis, the records and the locking; true when
    // every target passed.
    bool converged_after(int basis, const BlockCyclicMatrix* previous);
    void lock_converged();
    void stop_at_limit();
    double threshold(double theta) const;

    const FoundComponents& found_;
    int first_;
    int targets_;
    int m_;
    const DeflationOptions& options_;
    int steps_;
    int capacity_;           // largest basis: steps_ blocks
    std::vector<double> h_;  // H = QᵀΣbQ, capacity_ x capacity_
    double scale_;
    double norm_ = 0.0;     // estimate of ‖Σb‖ for the rounding level
    BlockCyclicMatrix q_;   // orthonormal basis
    BlockCyclicMatrix w_;   // Σb Q
    BlockCyclicMatrix x_;   // Ritz vectors, leading first
    BlockCyclicMatrix ax_;  // Σb X
    std::vector<double> theta_;
    std::vector<double> residual_;
    int locked_ = 0;  // leading targets that passed the residual test
};

// X(:, x0:x0+n) ← X(:, x0:x0+n) R for an upper triangular n x n R (the
// strictly lower part of `r` is ignored).
void combine_upper(BlockCyclicMatrix& x, int x0, int n,
                   const std::vector<double>& r)
{
    const int rows = local_rows(x);
    if (rows > 0) {
        const int ld = x.local_ld();
        const double one = 1.0;
        dtrmm_("R", "U", "N", "N", &rows, &n, &one, r.data(), &n, column(x, x0),
               &ld);
    }
}

// Largest factor by which normalising a projected block may multiply what
// the projection left along the basis (about ε times the block before
// it), so that the block stays orthogonal to the basis to about 1e-13.
constexpr double max_amplification = 1e3;

// The 2-norms of columns x0..x0+n of `x`, the same on every rank.
std::vector<double> column_norms(const BlockCyclicMatrix& x, int x0, int n)
{
    std::vector<double> norms(static_cast<std::size_t>(n), 0.0);
    const int rows = local_rows(x);
    for (int j = 0; j < n; ++j) {
        const double* xj = column(x, x0 + j);
        for (int i = 0; i < rows; ++i) {
            norms[j] += xj[i] * xj[i];
        }
    }
    mpi::sum_all(x.grid().comm(), norms.data(), n);
    for (double& norm : norms) {
        norm = std::sqrt(norm);
    }
    return norms;
}

// Orthonormalises columns x0..x0+n of `x` by Cholesky QR twice: G = XᵀX
// (one reduction), G = RᵀR, X ← XR⁻¹. Leaves the columns unchanged and
// returns false when Cholesky fails or the estimate max|rii| / min|rii|
// of cond(R) exceeds `max_condition`.
bool cholesky_qr(BlockCyclicMatrix& x, int x0, int n, double max_condition)
{
    const int rows = local_rows(x);
    const int ld = x.local_ld();
    std::vector<std::vector<double>> factors;
    for (int pass = 0; pass < 2; ++pass) {
        std::vector<double> r = gram(x, x0, n, x, x0, n);
        int info = 0;
        dpotrf_("U", &n, r.data(), &n, &info);
        double largest = 0.0;
        double smallest = std::numeric_limits<double>::infinity();
        for (int i = 0; i < n; ++i) {
            const double diagonal =
                std::abs(r[static_cast<std::size_t>(i) * n + i]);
            largest = std::max(largest, diagonal);
            smallest = std::min(smallest, diagonal);
        }
        // Every rank computes the same G, but the decision must not depend
        // on that.
        const double failed =
            info != 0 || !(largest <= max_condition * smallest) ? 1.0 : 0.0;
        if (mpi::max_all(x.grid().comm(), failed) > 0.0) {
            // Undo the first pass.
            for (auto factor = factors.rbegin(); factor != factors.rend();
                 ++factor) {
                combine_upper(x, x0, n, *factor);
            }
            return false;
        }
        if (rows > 0) {
            const double one = 1.0;
            dtrsm_("R", "U", "N", "N", &rows, &n, &one, r.data(), &n,
                   column(x, x0), &ld);
        }
        factors.push_back(std::move(r));
    }
    return true;
}

void KrylovIteration::start_cycle()
{
    copy_columns(x_, 0, m_, q_, 0);
    copy_columns(ax_, 0, m_, w_, 0);
    h_.assign(static_cast<std::size_t>(capacity_) * capacity_, 0.0);
    const std::vector<double> g = gram(q_, 0, m_, w_, 0, m_);
    for (int j = 0; j < m_; ++j) {
        for (int i = 0; i < m_; ++i) {
            h(i, j) = 0.5 * (g[static_cast<std::size_t>(j) * m_ + i] +
                             g[static_cast<std::size_t>(i) * m_ + j]);
        }
    }
}

int KrylovIteration::add_block(int filled, int last)
{
    // The Krylov space of Σb from a start orthogonal to the earlier
    // components has at most d − first dimensions, and the last block may
    // be narrower, so that the basis fills that space exactly.
    const int room = std::min(matrix_.rows() - first_, capacity_);
    const int width = std::min(m_, room - filled);
    if (width <= 0) {
        return 0;
    }
    copy_columns(w_, filled - last, width, q_, filled);
    const std::vector<double> before = column_norms(q_, filled, width);
    project_out(q_, filled, width, q_, filled);
    const std::vector<double> after = column_norms(q_, filled, width);
    // The projection leaves components along the basis at the rounding
    // level of the columns before it, and normalising multiplies them by
    // before/after and then by cond(R).
    double growth = 1.0;
    const double level = residual_threshold(0.0, matrix_.rows(), norm_, norm_);
    for (int j = 0; j < width; ++j) {
        if (after[j] <= level) {
            replace_column(filled + j, filled);
        } else {
            growth = std::max(growth, before[j] / after[j]);
        }
    }
    if (!cholesky_qr(q_, filled, width, max_amplification / growth)) {
        // A nearly dependent block: Householder QR, whose columns beyond
        // the block's rank point anywhere, then once more the projection
        // and the QR.
        orthonormalize_columns(q_, filled, width);
        project_out(q_, filled, width, q_, filled);
        orthonormalize_columns(q_, filled, width);
    }
    multiply(q_, filled, w_, filled, width);

    // The new columns of H = QᵀW, mirrored into the new rows; the new
    // diagonal block is symmetrised.
    const int total = filled + width;
    const std::vector<double> g = gram(q_, 0, total, w_, filled, width);
    for (int j = 0; j < width; ++j) {
        for (int i = 0; i < total; ++i) {
            const double value = g[static_cast<std::size_t>(j) * total + i];
            if (i < filled) {
                h(i, filled + j) = value;
                h(filled + j, i) = value;
            } else {
                h(i, filled + j) += 0.5 * value;
                h(filled + j, i) += 0.5 * value;
            }
        }
    }
    return width;
}

void KrylovIteration::replace_column(int j, int q0)
{
    // A column that the projection reduced to the rounding level of a
    // product carries no direction of the Krylov space (it has become
    // invariant), and its QR would point anywhere, also along the
    // earlier components. A seeded vector orthogonal to them and to the
    // basis replaces it.
    double* qj = column(q_, j);
    for (int i = 0; i < local_rows(q_); ++i) {
        qj[i] = seeded_gaussian(options_.seed, replacement_stream + first_ + j,
                                static_cast<std::uint64_t>(q_.global_row(i)));
    }
    if (found_.count > 0) {
        project_out(q_, j, 1, *found_.vectors, found_.count);
    }
    project_out(q_, j, 1, q_, q0);
}

void KrylovIteration::rayleigh_ritz(int basis)
{
    const MPI_Comm comm = matrix_.grid().comm();
    std::vector<double> h(static_cast<std::size_t>(basis) * basis);
    for (int j = 0; j < basis; ++j) {
        for (int i = 0; i < basis; ++i) {
            h[static_cast<std::size_t>(j) * basis + i] = this->h(i, j);
        }
    }
    const std::vector<double> w = symmetric_eigen(comm, h, basis);
    h.resize(static_cast<std::size_t>(basis) * m_);
    combine(x_, 0, m_, 0.0, 1.0, q_, 0, basis, h);
    combine(ax_, 0, m_, 0.0, 1.0, w_, 0, basis, h);
    std::copy(w.begin(), w.begin() + m_, theta_.begin());

    std::vector<double> sums(static_cast<std::size_t>(m_), 0.0);
    const int rows = local_rows(x_);
    for (int j = 0; j < m_; ++j) {
        const double* xj = column(x_, j);
        const double* aj = column(ax_, j);
        for (int i = 0; i < rows; ++i) {
            const double r = aj[i] - theta_[j] * xj[i];
            sums[j] += r * r;
        }
    }
    mpi::sum_all(comm, sums.data(), m_);
    COVDEFL_EXPECT_AGREED(comm, "the block Krylov Ritz pairs", w, h, sums);
    for (int j = 0; j < m_; ++j) {
        residual_[j] = std::sqrt(sums[j]);
        if (!std::isfinite(theta_[j]) || !std::isfinite(residual_[j])) {
            fail_not_finite(first_ + j);
        }
    }
    // Ritz values lie in [λmin, λmax], so a negative one beyond rounding
    // proves that the matrix has a negative eigenvalue.
    const double floor_factor = 16.0 *
                                std::sqrt(static_cast<double>(matrix_.rows())) *
                                std::numeric_limits<double>::epsilon();
    const double bottom = w[basis - 1];
    if (bottom <
        -(options_.tolerance + floor_factor) * (scale_ + std::abs(theta_[0]))) {
        fail_negative(first_, bottom);
    }
}

void KrylovIteration::record(const BlockCyclicMatrix* previous)
{
    std::vector<double> overlaps(static_cast<std::size_t>(targets_), 1.0);
    if (previous != nullptr) {
        const std::vector<double> g =
            gram(*previous, 0, targets_, x_, 0, targets_);
        for (int j = 0; j < targets_; ++j) {
            overlaps[j] =
                std::abs(g[static_cast<std::size_t>(j) * targets_ + j]);
        }
    }
    for (int j = 0; j < targets_; ++j) {
        ColumnOutcome& outcome = outcomes_[j];
        outcome.rayleigh_quotients.push_back(theta_[j]);
        outcome.residual_norms.push_back(residual_[j]);
        outcome.step_norms.push_back(
            std::sqrt(std::max(0.0, 2.0 - 2.0 * overlaps[j])));
    }
}

double KrylovIteration::threshold(double theta) const
{
    double scale = scale_;
    for (int l = 0; l < locked_; ++l) {
        scale += std::abs(theta_[l]);
    }
    return residual_threshold(options_.tolerance, matrix_.rows(), scale, theta);
}

void KrylovIteration::lock_converged()
{
    // Locking only records when a column first passed: every Ritz vector
    // stays in the next cycle's start block, where it keeps improving.
    while (locked_ < targets_) {
        const double limit = threshold(theta_[locked_]);
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
}

void KrylovIteration::stop_at_limit()
{
    for (int i = locked_; i < targets_; ++i) {
        outcomes_[i].status = ComponentStatus::iteration_limit;
        outcomes_[i].tolerance = threshold(theta_[i]);
        outcomes_[i].block_products = static_cast<int>(block_products_);
        outcomes_[i].vector_products = vector_products_;
    }
}

void KrylovIteration::run()
{
    seeded_start_block(x_, m_, first_, found_, options_.seed);
    start_ = std::make_unique<BlockCyclicMatrix>(x_);
    multiply(x_, 0, ax_, 0, m_);
    // ‖Σb‖ ≤ max(Σ|θj| of the earlier blocks, ‖ΣbX‖ over the columns), up
    // to the factor that makes it an estimate.
    std::vector<double> sums(static_cast<std::size_t>(m_), 0.0);
    for (int j = 0; j < m_; ++j) {
        const double* aj = column(ax_, j);
        for (int i = 0; i < local_rows(ax_); ++i) {
            sums[j] += aj[i] * aj[i];
        }
    }
    mpi::sum_all(matrix_.grid().comm(), sums.data(), m_);
    norm_ = std::max(scale_,
                     std::sqrt(*std::max_element(sums.begin(), sums.end())));
    const BlockCyclicMatrix* previous = nullptr;
    BlockCyclicMatrix last = x_;
    // Rayleigh–Ritz after each step from the second one on: it costs a
    // small eigenproblem and two products with the basis' local rows,
    // against a block product per step that convergence saves.
    for (;;) {
        start_cycle();
        int basis = m_;
        int newest = m_;
        bool grew = false;
        bool current = false;  // X is from the whole basis
        for (int step = 1; step < steps_; ++step) {
            if (block_products_ >= options_.max_iterations) {
                break;
            }
            const int width = add_block(basis, newest);
            if (width == 0) {
                break;
            }
            basis += width;
            newest = width;
            grew = true;
            current = false;
            if (step >= 2) {
                if (converged_after(basis, previous)) {
                    return;
                }
                last = x_;
                previous = &last;
                current = true;
            }
        }
        if (!current && converged_after(basis, previous)) {
            return;
        }
        if (!grew) {
            // No product this cycle: the limit is reached, or the basis
            // cannot grow (it already spans the whole Krylov space).
            stop_at_limit();
            return;
        }
        last = x_;
        previous = &last;
    }
}

bool KrylovIteration::converged_after(int basis,
                                      const BlockCyclicMatrix* previous)
{
    rayleigh_ritz(basis);
    norm_ = std::max(norm_, std::abs(theta_[0]));
    record(previous);
    lock_converged();
    COVDEFL_EXPECT_AGREED(matrix_.grid().comm(), "the locked columns", locked_);
    return locked_ >= targets_;
}

}  // namespace

std::unique_ptr<BlockIteration>
make_krylov_iteration(const BlockProblem& problem)
{
    return std::make_unique<KrylovIteration>(problem);
}

}  // namespace covdefl::block
