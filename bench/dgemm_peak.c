/*
 * Measures the DGEMM rate of OpenBLAS: every MPI rank multiplies its own
 * n x n matrices (C = A·B, default n = 4096) at the same time, between
 * barriers, with the BLAS threads that OPENBLAS_NUM_THREADS allows. The
 * rate counts 2n³ flops per rank over the slowest rank's time. Prints one
 * JSON line on rank 0: the best and the median over the trials, after one
 * untimed warm-up call.
 *
 * usage: dgemm_peak [N] [TRIALS]   (default 4096 and 3)
 */
#include <mpi.h>

#include <stdio.h>
#include <stdlib.h>

void dgemm_(const char* transa, const char* transb, const int* m, const int* n,
            const int* k, const double* alpha, const double* a, const int* lda,
            const double* b, const int* ldb, const double* beta, double* c,
            const int* ldc);
char* openblas_get_config(void);

static int compare_doubles(const void* x, const void* y)
{
    const double a = *(const double*)x;
    const double b = *(const double*)y;
    return (a > b) - (a < b);
}

int main(int argc, char** argv)
{
    MPI_Init(&argc, &argv);
    int rank = 0, ranks = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &ranks);
    const int n = argc > 1 ? atoi(argv[1]) : 4096;
    const int trials = argc > 2 ? atoi(argv[2]) : 3;
    if (n < 1 || n > 40000 || trials < 1 || trials > 100) {
        if (rank == 0) {
            fprintf(stderr, "dgemm_peak: error: invalid size or trial count; "
                            "usage: dgemm_peak [N (1-40000)] "
                            "[TRIALS (1-100)]\n");
        }
        MPI_Finalize();
        return 1;
    }
    const size_t entries = (size_t)n * (size_t)n;
    double* a = malloc(entries * sizeof *a);
    double* b = malloc(entries * sizeof *b);
    double* c = malloc(entries * sizeof *c);
    int failed = a == NULL || b == NULL || c == NULL;
    MPI_Allreduce(MPI_IN_PLACE, &failed, 1, MPI_INT, MPI_LOR, MPI_COMM_WORLD);
    if (failed) {
        if (rank == 0) {
            fprintf(stderr,
                    "dgemm_peak: error: cannot allocate 3 %d x %d "
                    "matrices per rank; pass a smaller N\n",
                    n, n);
        }
        MPI_Finalize();
        return 1;
    }
    for (size_t i = 0; i < entries; ++i) {
        a[i] = (double)(i % 7) - 3.0;
        b[i] = (double)(i % 5) - 2.0;
        c[i] = 0.0;
    }
    const double one = 1.0, zero = 0.0;
    dgemm_("N", "N", &n, &n, &n, &one, a, &n, b, &n, &zero, c, &n);

    double rates[100];
    const double flops = 2.0 * (double)n * (double)n * (double)n * ranks;
    for (int t = 0; t < trials; ++t) {
        MPI_Barrier(MPI_COMM_WORLD);
        const double start = MPI_Wtime();
        dgemm_("N", "N", &n, &n, &n, &one, a, &n, b, &n, &zero, c, &n);
        double seconds = MPI_Wtime() - start;
        MPI_Allreduce(MPI_IN_PLACE, &seconds, 1, MPI_DOUBLE, MPI_MAX,
                      MPI_COMM_WORLD);
        rates[t] = flops / seconds / 1e9;
    }
    if (rank == 0) {
        qsort(rates, (size_t)trials, sizeof *rates, compare_doubles);
        const double median =
            trials % 2 ? rates[trials / 2]
                       : 0.5 * (rates[trials / 2 - 1] + rates[trials / 2]);
        const char* threads = getenv("OPENBLAS_NUM_THREADS");
        printf("{\"tool\": \"dgemm\", \"ranks\": %d, \"n\": %d, "
               "\"trials\": %d, \"openblas_num_threads\": \"%s\", "
               "\"gflops_best\": %.3f, \"gflops_median\": %.3f, "
               "\"blas\": \"%s\", \"check\": %.6g}\n",
               ranks, n, trials, threads ? threads : "unset", rates[trials - 1],
               median, openblas_get_config(), c[entries / 2]);
    }
    free(a);
    free(b);
    free(c);
    MPI_Finalize();
    return 0;
}
