#include "covdefl/lanczos.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>

#include "covdefl/mpi.hpp"
#include "solver/blas.hpp"
#include "solver/messages.hpp"

namespace covdefl {

namespace {

// Decisions of one product, taken on rank 0 and broadcast so that every
// rank leaves the loop at the same product.
enum Decision : int {
    keep_going = 0,
    stop_converged,
    stop_iteration_limit,
    stop_negative,
    stop_not_finite
};

// Stream of the seeded Gaussian vectors that replace an exhausted Krylov
// direction, apart from the streams of the start vectors (the component
// indices).
constexpr std::uint64_t replacement_stream = 0x4b52594cULL << 32;

// Local rows of the Krylov basis V (m + 1 columns) and of the products ÂV
// (m columns), column-major, in the row layout of a DistVector.
class KrylovBasis {
public:
    KrylovBasis(int local_rows, int dimension)
        : local_(local_rows)
        , ld_(std::max(1, local_rows))
        , vectors_(static_cast<std::size_t>(ld_) * (dimension + 1), 0.0)
        , products_(static_cast<std::size_t>(ld_) * dimension, 0.0)
    {
    }

    int local() const { return local_; }
    int ld() const { return ld_; }
    double* vector(int j) { return vectors_.data() + std::size_t(j) * ld_; }
    double* product(int j) { return products_.data() + std::size_t(j) * ld_; }

private:
    int local_;
    int ld_;
    std::vector<double> vectors_;
    std::vector<double> products_;
};

// out = M[:, 0..count−1] · coefficients for the local rows of M.
void combine(int local, int ld, const double* m, int count,
             const double* coefficients, double* out)
{
    const double one = 1.0;
    const double zero = 0.0;
    const int increment = 1;
    dgemv_("N", &local, &count, &one, m, &ld, coefficients, &increment, &zero,
           out, &increment);
}

// Makes `w` orthogonal to basis vectors 0..count−1 by two passes of
// classical Gram-Schmidt, one reduction each, and returns the summed
// coefficients Vᵀw. `norm_before` receives ‖w‖ on entry and `norm_after`
// ‖w‖ on exit, from ‖w‖² before the second pass minus the square of its
// coefficients, which are at the rounding level. Collective.
std::vector<double> orthogonalize(MPI_Comm comm, KrylovBasis& basis, int count,
                                  double* w, double& norm_before,
                                  double& norm_after)
{
    const int local = basis.local();
    const int ld = basis.ld();
    const double one = 1.0;
    const double minus_one = -1.0;
    const double zero = 0.0;
    const int increment = 1;
    std::vector<double> total(static_cast<std::size_t>(count), 0.0);
    std::vector<double> sums(static_cast<std::size_t>(count) + 1, 0.0);
    for (int pass = 0; pass < 2; ++pass) {
        // c = Vᵀw and wᵀw. BLAS returns without touching c when this rank
        // stores no entries, so c starts at zero.
        std::fill(sums.begin(), sums.end(), 0.0);
        dgemv_("T", &local, &count, &one, basis.vector(0), &ld, w, &increment,
               &zero, sums.data(), &increment);
        sums[count] = 0.0;
        for (int i = 0; i < local; ++i) {
            sums[count] += w[i] * w[i];
        }
        mpi::sum_all(comm, sums.data(), count + 1);
        if (pass == 0) {
            norm_before = std::sqrt(sums[count]);
        } else {
            double removed = 0.0;
            for (int i = 0; i < count; ++i) {
                removed += sums[i] * sums[i];
            }
            norm_after = std::sqrt(std::max(0.0, sums[count] - removed));
        }
        // w = w − V c
        dgemv_("N", &local, &count, &minus_one, basis.vector(0), &ld,
               sums.data(), &increment, &one, w, &increment);
        for (int i = 0; i < count; ++i) {
            total[i] += sums[i];
        }
    }
    return total;
}

// Fills basis vector `j` with a seeded Gaussian vector orthonormal to
// vectors 0..j−1. Used when the Krylov space became invariant (Âvj lies in
// the basis), so that the relation ÂV = VH + β v eᵀ is true with β = 0.
void replace_direction(MPI_Comm comm, KrylovBasis& basis, int j,
                       const DistVector& layout, int component, int products)
{
    double* w = basis.vector(j);
    const std::uint64_t stream = replacement_stream +
                                 (std::uint64_t(component) << 20) +
                                 std::uint64_t(products);
    for (int il = 0; il < basis.local(); ++il) {
        w[il] = seeded_gaussian(
            0, stream, static_cast<std::uint64_t>(layout.global_row(il)));
    }
    double unused = 0.0;
    double norm = 0.0;
    orthogonalize(comm, basis, j, w, unused, norm);
    if (!(norm > 0.0)) {
        throw Error("Lanczos could not extend an invariant Krylov basis of " +
                        std::to_string(j) + " vectors",
                    /*collective=*/true);
    }
    for (int il = 0; il < basis.local(); ++il) {
        w[il] /= norm;
    }
}

// Eigenpairs of the projected matrix: values ascending, vectors
// column-major, column i for values[i]. With them, rank 0's β = ‖w‖.
struct RitzPairs {
    std::vector<double> values;
    std::vector<double> vectors;
    double beta = 0.0;
};

// Solves the leading size x size block of the symmetric matrix `h`
// (leading dimension ldh) with dsyev on every rank. Then broadcasts rank
// 0's result and its `beta`, so that every rank continues from the same
// numbers and takes the same branches. Collective.
RitzPairs solve_projected(MPI_Comm comm, const std::vector<double>& h, int ldh,
                          int size, double beta)
{
    const std::size_t count = static_cast<std::size_t>(size);
    std::vector<double> packed(count + count * count + 2, 0.0);
    double* values = packed.data();
    double* vectors = packed.data() + count;
    for (int j = 0; j < size; ++j) {
        for (int i = 0; i < size; ++i) {
            vectors[i + std::size_t(j) * count] = h[i + std::size_t(j) * ldh];
        }
    }
    const int lwork = std::max(1, 3 * size) * 8;
    std::vector<double> work(static_cast<std::size_t>(lwork));
    int info = 0;
    dsyev_("V", "U", &size, vectors, &size, values, work.data(), &lwork, &info);
    packed[packed.size() - 2] = static_cast<double>(info);
    packed.back() = beta;
    mpi::check(MPI_Bcast(packed.data(), static_cast<int>(packed.size()),
                         MPI_DOUBLE, 0, comm),
               "MPI_Bcast");
    info = static_cast<int>(packed[packed.size() - 2]);
    if (info != 0) {
        throw Error("LAPACK dsyev failed with info " + std::to_string(info) +
                        " on a projected Lanczos matrix of size " +
                        std::to_string(size),
                    /*collective=*/true);
    }
    RitzPairs ritz;
    ritz.values.assign(packed.begin(), packed.begin() + size);
    ritz.vectors.assign(packed.begin() + size, packed.end() - 2);
    ritz.beta = packed.back();
    return ritz;
}

// Rayleigh quotient and residual of a Ritz vector after the confirming
// product, and how far the confirmed vector moved from the Ritz vector.
struct Confirmation {
    double theta = 0.0;
    double residual = 0.0;
    double step = 0.0;
};

// Replaces the unit Ritz vector x (local rows `x`, with `ax` the local rows
// of Âx from the stored products) by Âx/‖Âx‖. This power step costs no
// product and leaves exact zeros where Âk has zero rows (constant columns
// of the data). When ‖Âx‖ is at most `floor`, Âx is rounding
// noise and x stays. Stores the vector in `candidate`, and measures θ and
// ‖Âc − θc‖ with one fresh product into `product`. Collective.
Confirmation confirm_ritz_vector(const DeflatedOperator& op,
                                 const std::vector<double>& x,
                                 const std::vector<double>& ax, double floor,
                                 DistVector& candidate, DistVector& product)
{
    const MPI_Comm comm = op.grid().comm();
    const int local = candidate.local_size();
    double norm = 0.0;
    for (int i = 0; i < local; ++i) {
        norm += ax[i] * ax[i];
    }
    mpi::sum_all(comm, &norm, 1);
    norm = std::sqrt(norm);
    for (int i = 0; i < local; ++i) {
        candidate.data()[i] = norm > floor ? ax[i] / norm : x[i];
    }
    op.apply(candidate, product);
    // θ = cᵀÂc and ‖c − x‖²
    double sums[2] = {0.0, 0.0};
    for (int i = 0; i < local; ++i) {
        const double difference = candidate.data()[i] - x[i];
        sums[0] += candidate.data()[i] * product.data()[i];
        sums[1] += difference * difference;
    }
    mpi::sum_all(comm, sums, 2);
    Confirmation confirmation;
    confirmation.theta = sums[0];
    confirmation.residual = difference_norm(product, sums[0], candidate);
    confirmation.step = std::sqrt(sums[1]);
    return confirmation;
}

}  // namespace

LanczosIteration::LanczosIteration(int krylov_dimension, int kept)
    : krylov_dimension_(krylov_dimension)
    , kept_(kept)
{
    if (krylov_dimension < 3) {
        throw Error("invalid --krylov-dim " + std::to_string(krylov_dimension) +
                        ": must be at least 3",
                    /*collective=*/true);
    }
    if (kept < 0 || kept > krylov_dimension - 2) {
        throw Error("invalid number of kept Ritz vectors " +
                        std::to_string(kept) +
                        ": must be between 1 and m - 2 = " +
                        std::to_string(krylov_dimension - 2),
                    /*collective=*/true);
    }
}

// Cost of one step: one product with Âk (PDSYMV, about d²/2 matrix entries
// read over all ranks) and the Gram-Schmidt passes (4·(d/P)·j flops and two
// reductions of j + 1 doubles). Then dsyev on a j x j matrix on every rank
// and one broadcast of its result, two local products with the basis for
// the Ritz vector and its product, and two small reductions for θ and the
// residual.
ComponentSummary LanczosIteration::solve(const DeflatedOperator& op,
                                         DistVector& v, int component,
                                         const StoppingRule& rule,
                                         SolveObserver* observer)
{
    const ProcessGrid& grid = op.grid();
    const MPI_Comm comm = grid.comm();
    int has_policy = rule.policy != nullptr ? 1 : 0;
    mpi::check(MPI_Bcast(&has_policy, 1, MPI_INT, 0, comm), "MPI_Bcast");
    if (has_policy != 0) {
        throw Error("--target-accuracy is not supported with --method "
                    "lanczos, because its stopping model assumes the "
                    "residual contraction of power iteration. Use --method "
                    "power, or --tol with lanczos",
                    /*collective=*/true);
    }
    const int n = op.dimension();
    const int nb = op.block_size();
    const int local = v.local_size();
    const int m = std::min(krylov_dimension_, n);
    const int kept = std::min(kept_ > 0 ? kept_ : krylov_dimension_ / 2, m - 1);
    const double floor_factor = 16.0 * std::sqrt(static_cast<double>(n)) *
                                std::numeric_limits<double>::epsilon();

    KrylovBasis basis(local, m);
    std::copy(v.data(), v.data() + local, basis.vector(0));
    // Projected matrix H = VᵀÂV, m x m, column-major.
    std::vector<double> h(static_cast<std::size_t>(m) * m, 0.0);
    // The current Ritz vector in the coordinates of the basis.
    std::vector<double> previous(static_cast<std::size_t>(m), 0.0);
    previous[0] = 1.0;
    DistVector x(grid, n, nb);
    DistVector y(grid, n, nb);
    std::vector<double> ritz_vector(static_cast<std::size_t>(local));
    std::vector<double> ritz_product(static_cast<std::size_t>(local));

    const double start = MPI_Wtime();
    ComponentSummary summary;
    summary.component = component;
    summary.subroutine = "lanczos";
    summary.status = ComponentStatus::iteration_limit;
    int products = 0;
    // The residual from the stored products must reach this fraction of
    // the threshold before a fresh product confirms it.
    double confirmation_factor = 1.0;
    int j = 0;  // the basis vector whose product comes next
    while (true) {
        // Âvj, kept beside vj
        std::copy(basis.vector(j), basis.vector(j) + local, x.data());
        op.apply(x, y);
        ++products;
        std::copy(y.data(), y.data() + local, basis.product(j));

        // w = Âvj − V Vᵀ Âvj; column j of H is Vᵀ Âvj
        double product_norm = 0.0;
        double beta = 0.0;
        const std::vector<double> column =
            orthogonalize(comm, basis, j + 1, y.data(), product_norm, beta);
        for (int i = 0; i <= j; ++i) {
            h[i + std::size_t(j) * m] = column[i];
            h[j + std::size_t(i) * m] = column[i];
        }
        const int size = j + 1;
        const bool has_next = size < n;
        // β = 0 marks w as rounding noise: Âvj lies in the basis.
        if (!has_next || !(beta > 1e-10 * product_norm)) {
            beta = 0.0;
        }

        // Ritz pair (θ, V c) with the largest Ritz value θ
        const RitzPairs ritz = solve_projected(comm, h, m, size, beta);
        beta = ritz.beta;
        COVDEFL_EXPECT_AGREED(comm, "the Ritz values", ritz.values, beta);
        if (has_next) {
            // vj+1 = w / β, or a new direction when w is rounding noise
            if (beta > 0.0) {
                for (int i = 0; i < local; ++i) {
                    basis.vector(size)[i] = y.data()[i] / beta;
                }
            } else {
                replace_direction(comm, basis, size, v, component, products);
            }
        }
        std::vector<double> coordinates(ritz.vectors.begin() +
                                            std::size_t(size - 1) * size,
                                        ritz.vectors.end());
        double overlap = 0.0;
        for (int i = 0; i < size; ++i) {
            overlap += coordinates[i] * previous[i];
        }
        if (overlap < 0.0) {
            for (double& c : coordinates) {
                c = -c;
            }
        }
        double step_squared = 0.0;
        for (int i = 0; i < m; ++i) {
            const double c = i < size ? coordinates[i] : 0.0;
            step_squared += (c - previous[i]) * (c - previous[i]);
        }

        // x = V c and Âx = (ÂV) c from the stored products
        combine(local, basis.ld(), basis.vector(0), size, coordinates.data(),
                ritz_vector.data());
        combine(local, basis.ld(), basis.product(0), size, coordinates.data(),
                ritz_product.data());
        // θ = xᵀÂx / xᵀx, then ‖Âx − θx‖ for the unit x
        double sums[2] = {0.0, 0.0};
        for (int i = 0; i < local; ++i) {
            sums[0] += ritz_vector[i] * ritz_product[i];
            sums[1] += ritz_vector[i] * ritz_vector[i];
        }
        mpi::sum_all(comm, sums, 2);
        const double scale = sums[1] > 0.0 ? 1.0 / std::sqrt(sums[1]) : 0.0;
        const double theta = sums[0] * scale * scale;
        double residual_squared = 0.0;
        for (int i = 0; i < local; ++i) {
            ritz_vector[i] *= scale;
            ritz_product[i] *= scale;
            const double r = ritz_product[i] - theta * ritz_vector[i];
            residual_squared += r * r;
        }
        mpi::sum_all(comm, &residual_squared, 1);

        IterationRecord record;
        record.component = component;
        record.iteration = products;
        record.rayleigh_quotient = theta;
        record.residual_norm = std::sqrt(residual_squared);
        record.step_norm = std::sqrt(step_squared);
        if (observer != nullptr) {
            observer->on_iteration(record);
        }

        const double smallest = ritz.values.front();
        const double largest = ritz.values.back();
        const double floor =
            floor_factor * std::max(rule.scale, std::abs(theta));
        const double threshold =
            std::max(rule.tolerance * std::abs(theta), floor);
        const double magnitude =
            std::max({rule.scale, std::abs(smallest), std::abs(largest)});
        int decision = keep_going;
        if (!std::isfinite(theta) || !std::isfinite(record.residual_norm) ||
            !std::isfinite(smallest) || !std::isfinite(largest)) {
            decision = stop_not_finite;
        } else if (record.residual_norm <= confirmation_factor * threshold) {
            decision = stop_converged;
        } else if (smallest < -(rule.tolerance + floor_factor) * magnitude) {
            // Ritz values lie inside [λmin(Âk), λmax(Âk)].
            decision = stop_negative;
        } else if (products >= rule.max_iterations) {
            decision = stop_iteration_limit;
        }
        mpi::check(MPI_Bcast(&decision, 1, MPI_INT, 0, comm), "MPI_Bcast");
        COVDEFL_EXPECT_AGREED(comm, "the Lanczos decision", decision, theta);

        summary.iterations = products;
        summary.vector_products = products;
        summary.eigenvalue = theta;
        summary.residual_norm = record.residual_norm;
        summary.tolerance = threshold;
        if (decision == stop_iteration_limit) {
            std::copy(ritz_vector.begin(), ritz_vector.end(), v.data());
            break;
        }
        if (decision == stop_converged) {
            // The residual from the stored products passed. Confirm it with
            // a fresh product of the vector that will be returned.
            const Confirmation confirmed =
                confirm_ritz_vector(op, ritz_vector, ritz_product, floor, x, y);
            ++products;
            IterationRecord check;
            check.component = component;
            check.iteration = products;
            check.rayleigh_quotient = confirmed.theta;
            check.residual_norm = confirmed.residual;
            check.step_norm = confirmed.step;
            if (observer != nullptr) {
                observer->on_iteration(check);
            }
            const double check_threshold = std::max(
                rule.tolerance * std::abs(confirmed.theta),
                floor_factor * std::max(rule.scale, std::abs(confirmed.theta)));
            decision = keep_going;
            if (!std::isfinite(confirmed.theta) ||
                !std::isfinite(confirmed.residual)) {
                decision = stop_not_finite;
            } else if (confirmed.residual <= check_threshold) {
                decision = stop_converged;
            } else if (products >= rule.max_iterations) {
                decision = stop_iteration_limit;
            }
            mpi::check(MPI_Bcast(&decision, 1, MPI_INT, 0, comm), "MPI_Bcast");
            COVDEFL_EXPECT_AGREED(comm, "the confirmed Ritz pair", decision);
            summary.iterations = products;
            summary.vector_products = products;
            summary.eigenvalue = confirmed.theta;
            summary.residual_norm = confirmed.residual;
            summary.tolerance = check_threshold;
            if (decision == stop_converged ||
                decision == stop_iteration_limit) {
                if (decision == stop_converged) {
                    summary.status = ComponentStatus::converged;
                }
                std::copy(x.data(), x.data() + local, v.data());
                break;
            }
            // The stored products overstated the convergence (rounding in
            // a long basis), so the next test is stricter.
            // NOTE: a residual that the stored products cannot bring below
            // the rounding floor keeps failing here until the limit.
            confirmation_factor *= 0.1;
        }
        if (decision == stop_not_finite) {
            throw non_finite_error("Lanczos", component, theta);
        }
        if (decision == stop_negative) {
            std::ostringstream detail;
            detail << "Lanczos found a Ritz value of " << smallest << " < 0";
            throw Error(not_psd_message(component, detail.str()),
                        /*collective=*/true);
        }

        std::fill(previous.begin(), previous.end(), 0.0);
        std::copy(coordinates.begin(), coordinates.end(), previous.begin());
        if (size < m) {
            j = size;
            continue;
        }

        // Thick restart: keep the `kept` Ritz vectors with the largest Ritz
        // values (largest first) and continue from vm. Then
        // ÂV' = V'H' + β vm eᵀ with H' = diag(θ) bordered by β·c[m−1].
        if (kept == 0) {
            // Only when d = 1 = m: restart from the Ritz vector alone.
            std::copy(ritz_vector.begin(), ritz_vector.end(), basis.vector(0));
            std::fill(h.begin(), h.end(), 0.0);
            j = 0;
            continue;
        }
        std::vector<double> keep(static_cast<std::size_t>(m) * kept);
        for (int i = 0; i < kept; ++i) {
            const int index = size - 1 - i;
            for (int row = 0; row < m; ++row) {
                keep[row + std::size_t(i) * m] =
                    i == 0 ? coordinates[row]
                           : ritz.vectors[row + std::size_t(index) * size];
            }
        }
        std::vector<double> next(basis.vector(m), basis.vector(m) + local);
        std::vector<double> kept_vectors(std::size_t(basis.ld()) * kept);
        std::vector<double> kept_products(std::size_t(basis.ld()) * kept);
        const double one = 1.0;
        const double zero = 0.0;
        int ld = basis.ld();
        // V' = V C and (ÂV)' = (ÂV) C, local rows only
        dgemm_("N", "N", &local, &kept, &m, &one, basis.vector(0), &ld,
               keep.data(), &m, &zero, kept_vectors.data(), &ld);
        dgemm_("N", "N", &local, &kept, &m, &one, basis.product(0), &ld,
               keep.data(), &m, &zero, kept_products.data(), &ld);
        std::copy(kept_vectors.begin(), kept_vectors.end(), basis.vector(0));
        std::copy(kept_products.begin(), kept_products.end(), basis.product(0));
        std::fill(h.begin(), h.end(), 0.0);
        for (int i = 0; i < kept; ++i) {
            const int index = size - 1 - i;
            h[i + std::size_t(i) * m] = ritz.values[index];
            const double border = beta * keep[(m - 1) + std::size_t(i) * m];
            h[i + std::size_t(kept) * m] = border;
            h[kept + std::size_t(i) * m] = border;
        }
        if (has_next) {
            std::copy(next.begin(), next.end(), basis.vector(kept));
        } else {
            replace_direction(comm, basis, kept, v, component, products);
        }
        std::fill(previous.begin(), previous.end(), 0.0);
        previous[0] = 1.0;
        j = kept;
    }
    summary.seconds = MPI_Wtime() - start;
    return summary;
}

}  // namespace covdefl
