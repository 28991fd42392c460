/*
 * Times SLEPc's eigensolvers on a covariance `.npy` file: the matrix is
 * read into a MATMPIDENSE distributed by rows and wrapped in a MATSHELL
 * that counts matrix-vector products. EPS solves the Hermitian problem
 * (EPS_HEP) for the K eigenvalues of largest magnitude. Prints one JSON
 * line on rank 0.
 *
 * usage: slepc_eigs -input M.npy -method krylovschur|power|subspace -k K
 *                   [-tol 1e-8] [-max_it N] [other EPS options]
 */
#include <slepceps.h>

#include <stdio.h>
#include <string.h>

/* Context of the counting shell: the dense matrix and the number of
 * products with single vectors applied through the shell. */
typedef struct {
    Mat dense;
    PetscInt64 products;
} CountingShell;

static PetscErrorCode counting_mult(Mat shell, Vec x, Vec y)
{
    CountingShell* context;

    PetscFunctionBeginUser;
    PetscCall(MatShellGetContext(shell, &context));
    context->products += 1;
    PetscCall(MatMult(context->dense, x, y));
    PetscFunctionReturn(0);
}

/* Parses the header of a version 1 or 2 `.npy` file that contains a square
 * little-endian float64 array in C order; sets its order and the byte
 * offset of the data. */
static PetscErrorCode read_npy_header(FILE* file, const char* path,
                                      PetscInt* order, long* data_offset)
{
    unsigned char prefix[12];
    unsigned long header_length;
    size_t prefix_length;
    char* header;
    const char* shape;
    long rows = -1, cols = -1;

    PetscFunctionBeginUser;
    if (fread(prefix, 1, 10, file) != 10 ||
        memcmp(prefix, "\x93NUMPY", 6) != 0) {
        SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
                "%s is not a .npy file", path);
    }
    if (prefix[6] == 1) {
        header_length = prefix[8] | (unsigned long)prefix[9] << 8;
        prefix_length = 10;
    } else {
        if (fread(prefix + 10, 1, 2, file) != 2) {
            SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
                    "%s: truncated .npy header", path);
        }
        header_length = prefix[8] | (unsigned long)prefix[9] << 8 |
                        (unsigned long)prefix[10] << 16 |
                        (unsigned long)prefix[11] << 24;
        prefix_length = 12;
    }
    PetscCall(PetscMalloc1(header_length + 1, &header));
    if (fread(header, 1, header_length, file) != header_length) {
        SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
                "%s: truncated .npy header", path);
    }
    header[header_length] = '\0';
    if (!strstr(header, "'descr': '<f8'") ||
        !strstr(header, "'fortran_order': False")) {
        SETERRQ(PETSC_COMM_SELF, PETSC_ERR_SUP,
                "%s: expected little-endian float64 in C order, header %s",
                path, header);
    }
    shape = strstr(header, "'shape': (");
    if (!shape || sscanf(shape, "'shape': (%ld, %ld)", &rows, &cols) != 2 ||
        rows != cols || rows < 1) {
        SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
                "%s: expected a square 2-D array, header %s", path, header);
    }
    PetscCall(PetscFree(header));
    *order = (PetscInt)rows;
    *data_offset = (long)(prefix_length + header_length);
    PetscFunctionReturn(0);
}

/* Reads the covariance in `path` into a new MATMPIDENSE whose rows are
 * split over the ranks by PETSc's default layout. Each rank reads only its
 * own rows, in chunks, and stores them column-major. */
static PetscErrorCode read_dense_matrix(const char* path, Mat* matrix)
{
    FILE* file;
    PetscInt order = 0, first_row, end_row, local_rows;
    long data_offset = 0;
    PetscScalar* local;
    double* chunk;
    const PetscInt chunk_rows = 64;

    PetscFunctionBeginUser;
    file = fopen(path, "rb");
    if (!file) {
        SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "cannot open %s", path);
    }
    PetscCall(read_npy_header(file, path, &order, &data_offset));
    PetscCall(MatCreateDense(PETSC_COMM_WORLD, PETSC_DECIDE, PETSC_DECIDE,
                             order, order, NULL, matrix));
    PetscCall(MatGetOwnershipRange(*matrix, &first_row, &end_row));
    local_rows = end_row - first_row;
    PetscCall(MatDenseGetArrayWrite(*matrix, &local));
    PetscCall(PetscMalloc1((size_t)chunk_rows * order, &chunk));
    for (PetscInt row = first_row; row < end_row; row += chunk_rows) {
        const PetscInt count = PetscMin(chunk_rows, end_row - row);
        const size_t values = (size_t)count * order;
        if (fseek(file, data_offset + (long)row * order * 8, SEEK_SET) != 0 ||
            fread(chunk, sizeof(double), values, file) != values) {
            SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_READ,
                    "%s: cannot read rows %" PetscInt_FMT " to %" PetscInt_FMT,
                    path, row, row + count);
        }
        for (PetscInt i = 0; i < count; ++i) {
            for (PetscInt j = 0; j < order; ++j) {
                local[(size_t)j * local_rows + (row - first_row + i)] =
                    chunk[(size_t)i * order + j];
            }
        }
    }
    PetscCall(PetscFree(chunk));
    fclose(file);
    PetscCall(MatDenseRestoreArrayWrite(*matrix, &local));
    PetscCall(MatAssemblyBegin(*matrix, MAT_FINAL_ASSEMBLY));
    PetscCall(MatAssemblyEnd(*matrix, MAT_FINAL_ASSEMBLY));
    PetscFunctionReturn(0);
}

/* Computes the max over the first `count` converged pairs of ‖C x − θ x‖ / (|θ|
 * ‖x‖), with C the dense matrix (not the counting shell). */
static PetscErrorCode max_relative_residual(EPS eps, Mat dense, PetscInt count,
                                            PetscReal* worst)
{
    Vec x, y;

    PetscFunctionBeginUser;
    PetscCall(MatCreateVecs(dense, &x, &y));
    *worst = 0.0;
    for (PetscInt i = 0; i < count; ++i) {
        PetscScalar theta;
        PetscReal residual, norm;
        PetscCall(EPSGetEigenpair(eps, i, &theta, NULL, x, NULL));
        PetscCall(MatMult(dense, x, y));
        PetscCall(VecNorm(x, NORM_2, &norm));
        PetscCall(VecAXPY(y, -theta, x));
        PetscCall(VecNorm(y, NORM_2, &residual));
        *worst = PetscMax(*worst, residual / (PetscAbsScalar(theta) * norm));
    }
    PetscCall(VecDestroy(&x));
    PetscCall(VecDestroy(&y));
    PetscFunctionReturn(0);
}

int main(int argc, char** argv)
{
    char path[PETSC_MAX_PATH_LEN] = "";
    char method[64] = "krylovschur";
    PetscInt components = 10, max_iterations = 100000;
    PetscInt order, nconv, iterations, nev, ncv, mpd, reported;
    PetscReal tol = 1e-8, residual = -1.0;
    PetscBool have_path = PETSC_FALSE;
    PetscMPIInt ranks, rank;
    CountingShell context = {NULL, 0};
    PetscInt64 solve_products;
    Mat shell;
    EPS eps;
    EPSConvergedReason reason;
    double start, solve_start, solve_seconds, total_seconds, read_seconds;

    PetscCall(SlepcInitialize(&argc, &argv, NULL, NULL));
    PetscCallMPI(MPI_Comm_size(PETSC_COMM_WORLD, &ranks));
    PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
    PetscCall(PetscOptionsGetString(NULL, NULL, "-input", path, sizeof path,
                                    &have_path));
    PetscCall(PetscOptionsGetString(NULL, NULL, "-method", method,
                                    sizeof method, NULL));
    PetscCall(PetscOptionsGetInt(NULL, NULL, "-k", &components, NULL));
    PetscCall(PetscOptionsGetReal(NULL, NULL, "-tol", &tol, NULL));
    PetscCall(PetscOptionsGetInt(NULL, NULL, "-max_it", &max_iterations, NULL));
    if (!have_path) {
        SETERRQ(PETSC_COMM_WORLD, PETSC_ERR_USER_INPUT, "missing -input M.npy");
    }

    PetscCallMPI(MPI_Barrier(PETSC_COMM_WORLD));
    start = MPI_Wtime();
    PetscCall(read_dense_matrix(path, &context.dense));
    read_seconds = MPI_Wtime() - start;
    PetscCall(MatGetSize(context.dense, &order, NULL));
    PetscCall(MatCreateShell(PETSC_COMM_WORLD, PETSC_DECIDE, PETSC_DECIDE,
                             order, order, &context, &shell));
    PetscCall(
        MatShellSetOperation(shell, MATOP_MULT, (void (*)(void))counting_mult));
    PetscCall(MatShellSetOperation(shell, MATOP_MULT_TRANSPOSE,
                                   (void (*)(void))counting_mult));
    PetscCall(MatSetOption(shell, MAT_SYMMETRIC, PETSC_TRUE));

    PetscCall(EPSCreate(PETSC_COMM_WORLD, &eps));
    PetscCall(EPSSetOperators(eps, shell, NULL));
    PetscCall(EPSSetProblemType(eps, EPS_HEP));
    PetscCall(EPSSetType(eps, method));
    PetscCall(EPSSetWhichEigenpairs(eps, EPS_LARGEST_MAGNITUDE));
    PetscCall(EPSSetDimensions(eps, components, PETSC_DEFAULT, PETSC_DEFAULT));
    PetscCall(EPSSetTolerances(eps, tol, max_iterations));
    PetscCall(EPSSetFromOptions(eps));

    PetscCallMPI(MPI_Barrier(PETSC_COMM_WORLD));
    solve_start = MPI_Wtime();
    PetscCall(EPSSolve(eps));
    solve_seconds = MPI_Wtime() - solve_start;
    total_seconds = MPI_Wtime() - start;
    solve_products = context.products;

    PetscCall(EPSGetConverged(eps, &nconv));
    PetscCall(EPSGetConvergedReason(eps, &reason));
    PetscCall(EPSGetIterationNumber(eps, &iterations));
    PetscCall(EPSGetDimensions(eps, &nev, &ncv, &mpd));
    reported = PetscMin(nconv, components);
    if (reported > 0) {
        PetscCall(
            max_relative_residual(eps, context.dense, reported, &residual));
    }
    if (rank == 0) {
        printf("{\"tool\": \"slepc\", \"method\": \"%s\", \"dimension\": "
               "%" PetscInt_FMT ", \"components\": %" PetscInt_FMT
               ", \"ranks\": %d, \"tolerance\": %g, \"ncv\": %" PetscInt_FMT
               ", \"converged\": %" PetscInt_FMT ", \"reason\": %d, "
               "\"iterations\": %" PetscInt_FMT
               ", \"products\": %" PetscInt64_FMT
               ", \"read_seconds\": %.6f, \"solve_seconds\": %.6f, "
               "\"total_seconds\": %.6f, ",
               method, order, components, ranks, (double)tol, ncv, nconv,
               (int)reason, iterations, solve_products, read_seconds,
               solve_seconds, total_seconds);
        if (reported > 0) {
            printf("\"max_relative_residual\": %.3e, \"eigenvalues\": [",
                   (double)residual);
        } else {
            printf("\"max_relative_residual\": null, \"eigenvalues\": [");
        }
    }
    for (PetscInt i = 0; i < reported; ++i) {
        PetscScalar theta;
        PetscCall(EPSGetEigenvalue(eps, i, &theta, NULL));
        if (rank == 0) {
            printf("%s%.17g", i == 0 ? "" : ", ", (double)theta);
        }
    }
    if (rank == 0) {
        printf("]}\n");
    }

    PetscCall(EPSDestroy(&eps));
    PetscCall(MatDestroy(&shell));
    PetscCall(MatDestroy(&context.dense));
    PetscCall(SlepcFinalize());
    return nconv >= components ? 0 : 1;
}
