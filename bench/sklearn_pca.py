"""Time scikit-learn's PCA and NumPy's eigh on the Fashion-MNIST images.

Run with /usr/bin/python3 (Debian's NumPy and scikit-learn). Set the BLAS
threads with OPENBLAS_NUM_THREADS and OMP_NUM_THREADS before starting it:
the BLAS reads them when NumPy is imported. Prints one JSON line.

usage: sklearn_pca.py --method full|arpack|randomized|eigh [-k 10] [IDX]

"full", "arpack" and "randomized" are PCA(svd_solver=...) on the raw
60000 x 784 matrix (PCA centres it). "eigh" forms the covariance with
numpy.cov and calls numpy.linalg.eigh on it (all eigenpairs). Its solve
time is eigh alone, and its total adds reading and numpy.cov.
"""
import argparse
import gzip
import json
import os
import sys
import time

import numpy as np

DEFAULT_IMAGES = "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz"


def read_idx_images(path):
    """Return the images of an IDX file as an n x (rows·cols) float64 array."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as stream:
        raw = stream.read()
    magic = int.from_bytes(raw[0:4], "big")
    if magic != 0x00000803:
        sys.exit(f"sklearn_pca: error: {path} is not an IDX image file "
                 f"(magic {magic:#010x}, expected 0x00000803)")
    count, rows, cols = (int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big")
                         for i in range(3))
    pixels = np.frombuffer(raw, dtype=np.uint8, offset=16,
                           count=count * rows * cols)
    return pixels.reshape(count, rows * cols).astype(np.float64)


def max_relative_residual(covariance, eigenvalues, axes):
    """Return max over the pairs of ‖C v − θ v‖ / |θ| for unit rows v."""
    worst = 0.0
    for theta, axis in zip(eigenvalues, axes):
        axis = axis / np.linalg.norm(axis)
        residual = np.linalg.norm(covariance @ axis - theta * axis)
        worst = max(worst, residual / abs(theta))
    return worst


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--method", required=True,
                        choices=["full", "arpack", "randomized", "eigh"])
    parser.add_argument("-k", type=int, default=10, help="number of principal components")
    parser.add_argument("--seed", type=int, default=42,
                        help="random_state of arpack and randomized")
    parser.add_argument("images", nargs="?", default=DEFAULT_IMAGES)
    args = parser.parse_args()

    start = time.perf_counter()
    data = read_idx_images(args.images)
    read_seconds = time.perf_counter() - start

    solve_start = time.perf_counter()
    if args.method == "eigh":
        covariance = np.cov(data, rowvar=False)
        covariance_seconds = time.perf_counter() - solve_start
        solve_start = time.perf_counter()
        eigenvalues, vectors = np.linalg.eigh(covariance)
        eigenvalues = eigenvalues[::-1][:args.k]
        axes = vectors[:, ::-1][:, :args.k].T
    else:
        from sklearn.decomposition import PCA
        pca = PCA(n_components=args.k, svd_solver=args.method,
                  random_state=args.seed)
        pca.fit(data)
        covariance_seconds = None
        eigenvalues = pca.explained_variance_
        axes = pca.components_
    solve_seconds = time.perf_counter() - solve_start
    total_seconds = time.perf_counter() - start

    if args.method != "eigh":
        covariance = np.cov(data, rowvar=False)
    record = {
        "tool": "numpy" if args.method == "eigh" else "sklearn",
        "method": args.method,
        "dimension": data.shape[1],
        "samples": data.shape[0],
        "components": args.k,
        "threads": os.environ.get("OPENBLAS_NUM_THREADS", "unset"),
        "read_seconds": read_seconds,
        "covariance_seconds": covariance_seconds,
        "solve_seconds": solve_seconds,
        "total_seconds": total_seconds,
        "products": None,
        "max_relative_residual":
            max_relative_residual(covariance, eigenvalues, axes),
        "eigenvalues": [float(value) for value in eigenvalues],
    }
    print(json.dumps(record))


if __name__ == "__main__":
    main()
