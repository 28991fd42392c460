"""Write a large seeded float64 .npy data matrix for memory measurements.

    /usr/bin/python3 scripts/make_large_npy.py PATH [ROWS COLS SEED]

Defaults: 200000 x 512, seed 7. Row i is z_i * s with z_i standard normal
and s_j = 0.9^(j/2), so the covariance has eigenvalues close to 0.9^j and
the leading components converge in a few hundred power iterations. The
file is written in pieces of 10000 rows through numpy's memory map, so the
script needs little memory however large the matrix is.
"""

import sys

import numpy as np

PIECE_ROWS = 10000


def main(argv):
    if len(argv) not in (2, 5):
        print(__doc__)
        return 2
    path = argv[1]
    rows, cols, seed = (int(value) for value in argv[2:5]) if len(argv) == 5 else (
        200000,
        512,
        7,
    )
    scales = 0.9 ** (np.arange(cols) / 2.0)
    generator = np.random.default_rng(seed)
    matrix = np.lib.format.open_memmap(
        path, mode="w+", dtype="<f8", shape=(rows, cols), fortran_order=False
    )
    for start in range(0, rows, PIECE_ROWS):
        stop = min(rows, start + PIECE_ROWS)
        matrix[start:stop] = generator.standard_normal((stop - start, cols)) * scales
    matrix.flush()
    del matrix
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
