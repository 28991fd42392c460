#include "solver/block_measure.hpp"

#include <algorithm>
#include <cmath>

#include "covdefl/error.hpp"
#include "covdefl/mpi.hpp"
#include "solver/lapack.hpp"
#include "solver/vector_block.hpp"

namespace covdefl::block {

namespace {

double& at(std::vector<double>& a, int rows, int i, int j)
{
    return a[static_cast<std::size_t>(j) * rows + i];
}

double at(const std::vector<double>& a, int rows, int i, int j)
{
    return a[static_cast<std::size_t>(j) * rows + i];
}

// Sum of squares of the local entries of E = Y − X H over n columns, with
// H an n x n column-major matrix.
double residual_squares(const BlockCyclicMatrix& y, const BlockCyclicMatrix& x,
                        const std::vector<double>& h, int n)
{
    BlockCyclicMatrix e = y;
    combine(e, 0, n, 1.0, -1.0, x, 0, n, h);
    double sum = 0.0;
    const int rows = local_rows(e);
    for (int j = 0; j < n; ++j) {
        const double* ej = column(e, j);
        for (int i = 0; i < rows; ++i) {
            sum += ej[i] * ej[i];
        }
    }
    return sum;
}

// Eigenvalue range of the symmetric n x n matrix h on every rank.
void eigen_range(MPI_Comm comm, std::vector<double> h, int n, double& lowest,
                 double& highest)
{
    const std::vector<double> w = symmetric_eigen(comm, h, n);
    highest = w.front();
    lowest = w.back();
}

}  // namespace

BlockMeasurement measure_block(const BlockCyclicMatrix& v,
                               const BlockCyclicMatrix& sigma_v, int m,
                               int width, const FoundComponents& found,
                               const BlockCyclicMatrix& start, int first,
                               const std::vector<ColumnOutcome>& outcomes)
{
    const MPI_Comm comm = v.grid().comm();
    const int c = found.count;
    const int rows = local_rows(v);

    // 1. Gram matrices: G = VᵀV, C = VᵀΣbV, F = FᵀV, S = StartᵀV.
    const std::vector<double> g = gram(v, 0, m, v, 0, m);
    const std::vector<double> cm = gram(v, 0, m, sigma_v, 0, m);
    std::vector<double> fv;
    if (c > 0) {
        fv = gram(*found.vectors, 0, c, v, 0, m);
    }
    const std::vector<double> sv = gram(start, 0, m, v, 0, m);

    // 2. θi = Ciᵢ − Σ_{l<i} θl G_li², the Rayleigh quotient on Âi.
    std::vector<double> theta(static_cast<std::size_t>(m), 0.0);
    std::vector<double> corrections(static_cast<std::size_t>(m) * m, 0.0);
    for (int i = 0; i < m; ++i) {
        double value = at(cm, m, i, i);
        for (int l = 0; l < i; ++l) {
            value -= theta[l] * at(g, m, l, i) * at(g, m, l, i);
            at(corrections, m, l, i) = theta[l] * at(g, m, l, i);
        }
        theta[i] = value;
    }

    // ÂV = ΣbV − V M with M_li = θl G_li (l < i), and ΣV = ΣbV + F Θ_F FᵀV.
    BlockCyclicMatrix deflated_v = sigma_v;
    combine(deflated_v, 0, m, 1.0, -1.0, v, 0, m, corrections);
    BlockCyclicMatrix original_v = sigma_v;
    std::vector<double> original_quotient(static_cast<std::size_t>(m), 0.0);
    for (int i = 0; i < m; ++i) {
        original_quotient[i] = at(cm, m, i, i);
    }
    if (c > 0) {
        std::vector<double> scaled = fv;
        for (int i = 0; i < m; ++i) {
            for (int j = 0; j < c; ++j) {
                at(scaled, c, j, i) *= found.eigenvalues[j];
                original_quotient[i] +=
                    found.eigenvalues[j] * at(fv, c, j, i) * at(fv, c, j, i);
            }
        }
        combine(original_v, 0, m, 1.0, 1.0, *found.vectors, 0, c, scaled);
    }

    // 3. Block: Q = V R⁻¹ with G = RᵀR over the first `width` columns, then
    //    H = QᵀΣbQ and H' = QᵀΣQ.
    std::vector<double> r(static_cast<std::size_t>(width) * width, 0.0);
    for (int j = 0; j < width; ++j) {
        for (int i = 0; i <= j; ++i) {
            at(r, width, i, j) = at(g, m, i, j);
        }
    }
    int info = 0;
    dpotrf_("U", &width, r.data(), &width, &info);
    if (info != 0) {
        throw Error("the vectors of components " + std::to_string(first + 1) +
                        " to " + std::to_string(first + width) +
                        " are linearly dependent (Cholesky factorisation of "
                        "their Gram matrix failed); the matrix may have fewer "
                        "than K nonzero eigenvalues, so lower --components "
                        "or use --method block",
                    /*collective=*/true);
    }
    auto right_solve = [&](const BlockCyclicMatrix& x) {
        BlockCyclicMatrix y =
            make_vector_block(v.grid(), v.rows(), width, v.block_rows());
        copy_columns(x, 0, width, y, 0);
        if (rows > 0) {
            const double one = 1.0;
            const int ld = y.local_ld();
            dtrsm_("R", "U", "N", "N", &rows, &width, &one, r.data(), &width,
                   y.data(), &ld);
        }
        return y;
    };
    const BlockCyclicMatrix q = right_solve(v);
    const BlockCyclicMatrix sigma_b_q = right_solve(sigma_v);
    const BlockCyclicMatrix sigma_q = right_solve(original_v);
    std::vector<double> h = gram(q, 0, width, sigma_b_q, 0, width);
    std::vector<double> h_original = gram(q, 0, width, sigma_q, 0, width);
    for (int j = 0; j < width; ++j) {
        for (int i = 0; i < j; ++i) {
            const double mean = 0.5 * (at(h, width, i, j) + at(h, width, j, i));
            at(h, width, i, j) = at(h, width, j, i) = mean;
            const double mean_original = 0.5 * (at(h_original, width, i, j) +
                                                at(h_original, width, j, i));
            at(h_original, width, i, j) = at(h_original, width, j, i) =
                mean_original;
        }
    }

    // 4. Norms, one reduction: ‖Âvi − θi vi‖², ‖Σvi − θ'i vi‖², then the
    //    block residuals ‖ΣbQ − QH‖_F² and ‖ΣQ − QH'‖_F².
    std::vector<double> norms(static_cast<std::size_t>(2 * m + 2), 0.0);
    for (int i = 0; i < m; ++i) {
        const double* vi = column(v, i);
        const double* ai = column(deflated_v, i);
        const double* si = column(original_v, i);
        for (int k = 0; k < rows; ++k) {
            const double r1 = ai[k] - theta[i] * vi[k];
            const double r2 = si[k] - original_quotient[i] * vi[k];
            norms[2 * i] += r1 * r1;
            norms[2 * i + 1] += r2 * r2;
        }
    }
    norms[2 * m] = residual_squares(sigma_b_q, q, h, width);
    norms[2 * m + 1] = residual_squares(sigma_q, q, h_original, width);
    mpi::sum_all(comm, norms.data(), static_cast<int>(norms.size()));

    BlockMeasurement measured;
    for (int i = 0; i < m; ++i) {
        const ColumnOutcome& outcome = outcomes[i];
        ComponentSummary s;
        s.component = first + i;
        s.iterations = outcome.block_products;
        s.vector_products = outcome.vector_products;
        s.eigenvalue = theta[i];
        s.residual_norm = std::sqrt(norms[2 * i]);
        s.tolerance = outcome.tolerance;
        s.status = outcome.status;
        s.original_rayleigh_quotient = original_quotient[i];
        s.original_residual_norm = std::sqrt(norms[2 * i + 1]);
        s.subroutine = "block";
        for (int j = 0; j < c; ++j) {
            const double overlap = at(fv, c, j, i);
            s.max_overlap = std::max(s.max_overlap, std::abs(overlap));
            s.deflation_leak += found.eigenvalues[j] * overlap * overlap;
        }
        for (int l = 0; l < i; ++l) {
            const double overlap = at(g, m, l, i);
            s.max_overlap = std::max(s.max_overlap, std::abs(overlap));
            s.deflation_leak += theta[l] * overlap * overlap;
        }
        s.start_overlap = std::abs(at(sv, m, i, i));
        measured.summaries.push_back(s);
    }
    BlockSummary& b = measured.block;
    b.first = first;
    b.width = width;
    eigen_range(comm, h, width, b.deflated_min, b.deflated_max);
    eigen_range(comm, h_original, width, b.original_min, b.original_max);
    b.deflated_residual = std::sqrt(norms[2 * m]);
    b.original_residual = std::sqrt(norms[2 * m + 1]);
    return measured;
}

void finish_block(BlockMeasurement& measured, int width, double seconds,
                  const BlockCyclicMatrix& v,
                  const std::vector<ColumnOutcome>& outcomes,
                  SolveObserver* observer, DeflationResult& result)
{
    const int columns = static_cast<int>(measured.summaries.size());
    for (int i = 0; i < columns; ++i) {
        ComponentSummary& s = measured.summaries[i];
        s.seconds = seconds / columns;
        s.probe = i >= width;
    }
    if (observer != nullptr) {
        for (int i = 0; i < columns; ++i) {
            const ColumnOutcome& outcome = outcomes[i];
            for (std::size_t t = 0; t < outcome.residual_norms.size(); ++t) {
                IterationRecord record;
                record.component = measured.summaries[i].component;
                record.iteration = static_cast<int>(t) + 1;
                record.rayleigh_quotient = outcome.rayleigh_quotients[t];
                record.residual_norm = outcome.residual_norms[t];
                record.step_norm = outcome.step_norms[t];
                observer->on_iteration(record);
            }
            observer->on_component(measured.summaries[i]);
        }
        observer->on_block(measured.block);
    }
    for (int i = 0; i < columns; ++i) {
        const ComponentSummary& s = measured.summaries[i];
        if (s.probe) {
            result.probe = s;
            continue;
        }
        DistVector vector(v.grid(), v.rows(), v.block_rows());
        std::copy(column(v, i), column(v, i) + vector.local_size(),
                  vector.data());
        result.components.push_back(s);
        result.vectors.push_back(std::move(vector));
    }
}

}  // namespace covdefl::block
