// Declarations of the BLACS, PBLAS and ScaLAPACK routines covdefl calls.
// Debian's libscalapack-openmpi ships no C header for them. Arguments follow
// the Fortran reference: every scalar by pointer, matrices as a local array
// plus global row and column offsets (1-based) plus a descriptor.
#pragma once

#include <mpi.h>

extern "C" {

// BLACS (C interface).
int Csys2blacs_handle(MPI_Comm comm);
void Cfree_blacs_system_handle(int handle);
void Cblacs_gridinit(int* context, const char* order, int nprow, int npcol);
void Cblacs_gridinfo(int context, int* nprow, int* npcol, int* myrow,
                     int* mycol);
void Cblacs_gridexit(int context);

// ScaLAPACK tools.
int numroc_(const int* n, const int* nb, const int* iproc, const int* isrcproc,
            const int* nprocs);
void descinit_(int* desc, const int* m, const int* n, const int* mb,
               const int* nb, const int* irsrc, const int* icsrc,
               const int* context, const int* lld, int* info);

// PBLAS.
void pdsymv_(const char* uplo, const int* n, const double* alpha,
             const double* a, const int* ia, const int* ja, const int* desca,
             const double* x, const int* ix, const int* jx, const int* descx,
             const int* incx, const double* beta, double* y, const int* iy,
             const int* jy, const int* descy, const int* incy);
void pdsyr_(const char* uplo, const int* n, const double* alpha,
            const double* x, const int* ix, const int* jx, const int* descx,
            const int* incx, double* a, const int* ia, const int* ja,
            const int* desca);
void pdsyrk_(const char* uplo, const char* trans, const int* n, const int* k,
             const double* alpha, const double* a, const int* ia, const int* ja,
             const int* desca, const double* beta, double* c, const int* ic,
             const int* jc, const int* descc);
void pdgemm_(const char* transa, const char* transb, const int* m, const int* n,
             const int* k, const double* alpha, const double* a, const int* ia,
             const int* ja, const int* desca, const double* b, const int* ib,
             const int* jb, const int* descb, const double* beta, double* c,
             const int* ic, const int* jc, const int* descc);
void pdtran_(const int* m, const int* n, const double* alpha, const double* a,
             const int* ia, const int* ja, const int* desca, const double* beta,
             double* c, const int* ic, const int* jc, const int* descc);

// ScaLAPACK.
void pdgeqrf_(const int* m, const int* n, double* a, const int* ia,
              const int* ja, const int* desca, double* tau, double* work,
              const int* lwork, int* info);
void pdorgqr_(const int* m, const int* n, const int* k, double* a,
              const int* ia, const int* ja, const int* desca, const double* tau,
              double* work, const int* lwork, int* info);
void pdsyevr_(const char* jobz, const char* range, const char* uplo,
              const int* n, double* a, const int* ia, const int* ja,
              const int* desca, const double* vl, const double* vu,
              const int* il, const int* iu, int* m, int* nz, double* w,
              double* z, const int* iz, const int* jz, const int* descz,
              double* work, const int* lwork, int* iwork, const int* liwork,
              int* info);
void pdgemr2d_(const int* m, const int* n, const double* a, const int* ia,
               const int* ja, const int* desca, double* b, const int* ib,
               const int* jb, const int* descb, const int* context);
}
