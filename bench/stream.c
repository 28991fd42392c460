/*
 * Measures memory bandwidth with STREAM's copy (c = a) and triad
 * (a = b + s·c) kernels. Every MPI rank runs the kernels on its own arrays
 * at the same time, between barriers, so the result is the bandwidth of
 * all ranks together. Bytes count as STREAM counts them: 16 per element for
 * copy and 24 for triad (the write-allocate reads are not counted).
 * Prints one JSON line on rank 0: the best and the median over the trials.
 *
 * usage: stream [ELEMENTS_PER_ARRAY] [TRIALS]   (default 2^25 and 10)
 */
#include <mpi.h>

#include <stdio.h>
#include <stdlib.h>

static int compare_doubles(const void* x, const void* y)
{
    const double a = *(const double*)x;
    const double b = *(const double*)y;
    return (a > b) - (a < b);
}

/* Returns the median of `count` values, sorting them in place. */
static double median(double* values, int count)
{
    qsort(values, (size_t)count, sizeof *values, compare_doubles);
    return count % 2 ? values[count / 2]
                     : 0.5 * (values[count / 2 - 1] + values[count / 2]);
}

int main(int argc, char** argv)
{
    MPI_Init(&argc, &argv);
    int rank = 0, ranks = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &ranks);
    const long n = argc > 1 ? atol(argv[1]) : 1L << 25;
    const int trials = argc > 2 ? atoi(argv[2]) : 10;
    if (n < 1 || trials < 1 || trials > 1000) {
        if (rank == 0) {
            fprintf(stderr, "stream: error: invalid size or trial count; "
                            "usage: stream [ELEMENTS] [TRIALS (1-1000)]\n");
        }
        MPI_Finalize();
        return 1;
    }
    double* a = malloc((size_t)n * sizeof *a);
    double* b = malloc((size_t)n * sizeof *b);
    double* c = malloc((size_t)n * sizeof *c);
    int failed = a == NULL || b == NULL || c == NULL;
    MPI_Allreduce(MPI_IN_PLACE, &failed, 1, MPI_INT, MPI_LOR, MPI_COMM_WORLD);
    if (failed) {
        if (rank == 0) {
            fprintf(stderr,
                    "stream: error: cannot allocate 3 x %ld doubles "
                    "per rank; pass a smaller ELEMENTS\n",
                    n);
        }
        MPI_Finalize();
        return 1;
    }
    /* The first touch places the pages, so it happens outside the timing. */
    for (long i = 0; i < n; ++i) {
        a[i] = 1.0;
        b[i] = 2.0;
        c[i] = 0.5;
    }

    double copy_rates[1000], triad_rates[1000];
    const double scalar = 3.0;
    const double megabytes = (double)n * ranks * 8.0 / 1e6;
    for (int t = 0; t < trials; ++t) {
        MPI_Barrier(MPI_COMM_WORLD);
        double start = MPI_Wtime();
        for (long i = 0; i < n; ++i) {
            c[i] = a[i];
        }
        double seconds = MPI_Wtime() - start;
        MPI_Allreduce(MPI_IN_PLACE, &seconds, 1, MPI_DOUBLE, MPI_MAX,
                      MPI_COMM_WORLD);
        copy_rates[t] = 2.0 * megabytes / 1e3 / seconds;

        MPI_Barrier(MPI_COMM_WORLD);
        start = MPI_Wtime();
        for (long i = 0; i < n; ++i) {
            a[i] = b[i] + scalar * c[i];
        }
        seconds = MPI_Wtime() - start;
        MPI_Allreduce(MPI_IN_PLACE, &seconds, 1, MPI_DOUBLE, MPI_MAX,
                      MPI_COMM_WORLD);
        triad_rates[t] = 3.0 * megabytes / 1e3 / seconds;
    }
    /* The checksum keeps the compiler from dropping the kernels. */
    double checksum = 0.0;
    for (long i = 0; i < n; i += 4096) {
        checksum += a[i] + c[i];
    }
    MPI_Allreduce(MPI_IN_PLACE, &checksum, 1, MPI_DOUBLE, MPI_SUM,
                  MPI_COMM_WORLD);
    if (rank == 0) {
        double best_copy = 0.0, best_triad = 0.0;
        for (int t = 0; t < trials; ++t) {
            best_copy = copy_rates[t] > best_copy ? copy_rates[t] : best_copy;
            best_triad =
                triad_rates[t] > best_triad ? triad_rates[t] : best_triad;
        }
        printf("{\"tool\": \"stream\", \"ranks\": %d, \"elements_per_array\": "
               "%ld, \"trials\": %d, \"copy_gbs_best\": %.3f, "
               "\"copy_gbs_median\": %.3f, \"triad_gbs_best\": %.3f, "
               "\"triad_gbs_median\": %.3f, \"checksum\": %.6g}\n",
               ranks, n, trials, best_copy, median(copy_rates, trials),
               best_triad, median(triad_rates, trials), checksum);
    }
    free(a);
    free(b);
    free(c);
    MPI_Finalize();
    return 0;
}
