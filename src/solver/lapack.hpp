// Declarations of the BLAS, LAPACK and PBLAS routines that the block
// methods call and src/grid/scalapack.hpp does not declare (Fortran
// interface: every scalar by pointer).
#pragma once

extern "C" {

void dgemm_(const char* transa, const char* transb, const int* m, const int* n,
            const int* k, const double* alpha, const double* a, const int* lda,
            const double* b, const int* ldb, const double* beta, double* c,
            const int* ldc);
void dsyev_(const char* jobz, const char* uplo, const int* n, double* a,
            const int* lda, double* w, double* work, const int* lwork,
            int* info);
void dpotrf_(const char* uplo, const int* n, double* a, const int* lda,
             int* info);
void dtrmm_(const char* side, const char* uplo, const char* transa,
            const char* diag, const int* m, const int* n, const double* alpha,
            const double* a, const int* lda, double* b, const int* ldb);
void dtrsm_(const char* side, const char* uplo, const char* transa,
            const char* diag, const int* m, const int* n, const double* alpha,
            const double* a, const int* lda, double* b, const int* ldb);

void pdsymm_(const char* side, const char* uplo, const int* m, const int* n,
             const double* alpha, const double* a, const int* ia, const int* ja,
             const int* desca, const double* b, const int* ib, const int* jb,
             const int* descb, const double* beta, double* c, const int* ic,
             const int* jc, const int* descc);
void pdsyr2k_(const char* uplo, const char* trans, const int* n, const int* k,
              const double* alpha, const double* a, const int* ia,
              const int* ja, const int* desca, const double* b, const int* ib,
              const int* jb, const int* descb, const double* beta, double* c,
              const int* ic, const int* jc, const int* descc);
}
