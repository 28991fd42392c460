"""Check covdefl result folders against NumPy and against reference values.

The suites tests/cli/test_*.sh call this script once per check:

    check_outputs.py make-inputs DIR
    check_outputs.py data OUTPUT INPUT.npy K
    check_outputs.py same OUTPUT_A OUTPUT_B
    check_outputs.py self-check OUTPUT
    check_outputs.py synthetic OUTPUT D P K
    check_outputs.py not-converged OUTPUT
    check_outputs.py converged OUTPUT
    check_outputs.py case NAME OUTPUT CASE_DIR [K]

A passing check prints nothing and exits with 0. A failing check prints one
line that lists every failed condition, separated by "; ", and exits with 1.
Run it with an interpreter that has NumPy (Debian's /usr/bin/python3).
"""

import json
import math
import os
import sys

import numpy as np

# Tolerances of the reference comparisons. Eigenvalues are compared relative
# to the reference value, and an expected zero eigenvalue absolutely to
# ZERO_EIGENVALUE_ATOL times the largest eigenvalue. Eigenvector entries are
# compared absolutely, after matching the sign.
EIGENVALUE_RTOL = 1e-10
ZERO_EIGENVALUE_ATOL = 1e-12
EIGENVECTOR_ATOL = 1e-8
PROJECTOR_ATOL = 1e-8
RATIO_ATOL = 1e-12
UNIT_NORM_ATOL = 1e-12
SAME_RESULT_TOL = 1e-10

# Entries whose magnitudes differ by less than this relative amount count as
# tied for the sign rule, because rounding can reorder them.
SIGN_TIE_RTOL = 1e-12

# Maximum number of failed conditions printed in full. The rest are counted
# as "N more".
MAX_LISTED_FAILURES = 6


class Failures:
    """Failed conditions of one check, in the order they were found."""

    def __init__(self):
        self.messages = []

    def expect(self, condition, message):
        if not condition:
            self.messages.append(message)
        return bool(condition)

    def report(self):
        """Print the failures on one line and return the exit status."""
        if not self.messages:
            return 0
        listed = self.messages[:MAX_LISTED_FAILURES]
        hidden = len(self.messages) - len(listed)
        if hidden > 0:
            listed.append(f"{hidden} more")
        print("; ".join(listed))
        return 1


class ResultFolder:
    """The files that covdefl writes to its --output folder."""

    def __init__(self, path):
        self.path = path
        self.eigenvalues = self._load("eigenvalues.npy")
        self.components = self._load("components.npy")
        self.ratios = self._load("explained_variance_ratio.npy")
        self.mean = None
        if os.path.exists(self._file("mean.npy")):
            self.mean = self._load("mean.npy")
        with open(self._file("report.json"), encoding="utf-8") as stream:
            self.report = json.load(stream)

    def _file(self, name):
        return os.path.join(self.path, name)

    def _load(self, name):
        return np.load(self._file(name), allow_pickle=False)


def check_result_shape(failures, result, k, d):
    """Check the shapes, finiteness, unit rows and sign rule of a result."""
    failures.expect(
        result.eigenvalues.shape == (k,),
        f"eigenvalues.npy has shape {result.eigenvalues.shape}, expected ({k},)",
    )
    failures.expect(
        result.components.shape == (k, d),
        f"components.npy has shape {result.components.shape}, expected ({k}, {d})",
    )
    failures.expect(
        result.ratios.shape == (k,),
        f"explained_variance_ratio.npy has shape {result.ratios.shape}, "
        f"expected ({k},)",
    )
    for name, values in (
        ("eigenvalues", result.eigenvalues),
        ("components", result.components),
        ("explained_variance_ratio", result.ratios),
    ):
        failures.expect(
            np.all(np.isfinite(values)), f"{name}.npy contains NaN or infinity"
        )
    if result.mean is not None:
        failures.expect(
            np.all(np.isfinite(result.mean)), "mean.npy contains NaN or infinity"
        )
    if result.components.ndim != 2:
        return
    for row_index, row in enumerate(result.components):
        component = row_index + 1
        norm = float(np.linalg.norm(row))
        failures.expect(
            abs(norm - 1.0) <= UNIT_NORM_ATOL,
            f"component {component} has norm {norm:.17g}, expected 1",
        )
        check_sign_rule(failures, row, component)


def check_sign_rule(failures, row, component):
    """Check that the entry of largest magnitude is positive.

    Entries tied in magnitude up to SIGN_TIE_RTOL pass when any of them is
    positive, because normalisation can swap which of them is largest.
    """
    magnitudes = np.abs(row)
    largest = magnitudes.max()
    tied = magnitudes >= largest * (1.0 - SIGN_TIE_RTOL)
    failures.expect(
        np.any(row[tied] > 0),
        f"component {component} breaks the sign rule: its largest-magnitude entry "
        f"is {row[int(np.argmax(magnitudes))]:.17g}",
    )


def check_converged(failures, result, k):
    """Check that report.json lists k components, each converged."""
    components = result.report.get("components")
    if not failures.expect(
        isinstance(components, list), 'report.json has no "components" list'
    ):
        return
    failures.expect(
        len(components) == k,
        f"report.json lists {len(components)} components, expected {k}",
    )
    for entry in components:
        number = entry.get("component")
        converged = entry.get("converged")
        failures.expect(
            converged is True,
            f'report.json component {number} has "converged": {json.dumps(converged)}',
        )


def check_eigenvalues(failures, computed, expected):
    """Compare eigenvalues relative to the expected ones.

    An expected zero is compared absolutely to ZERO_EIGENVALUE_ATOL times the
    largest expected eigenvalue.
    """
    expected = np.asarray(expected, dtype=np.float64)
    if not failures.expect(
        computed.shape == expected.shape,
        f"{computed.size} eigenvalues, expected {expected.size}",
    ):
        return
    zero_atol = ZERO_EIGENVALUE_ATOL * np.abs(expected).max()
    for index, (value, reference) in enumerate(zip(computed, expected)):
        if reference == 0.0:
            allowed = zero_atol
        else:
            allowed = EIGENVALUE_RTOL * abs(reference)
        failures.expect(
            abs(value - reference) <= allowed,
            f"eigenvalue {index + 1} is {value:.17g}, expected {reference:.17g} "
            f"(tolerance {allowed:.3g})",
        )


def check_eigenvectors(failures, components, expected, atol=EIGENVECTOR_ATOL):
    """Compare the first len(expected) components entrywise, up to sign."""
    expected = np.asarray(expected, dtype=np.float64)
    for index, reference in enumerate(expected):
        if index >= components.shape[0]:
            failures.expect(False, f"component {index + 1} is missing")
            continue
        row = components[index]
        if row.shape != reference.shape:
            failures.expect(
                False,
                f"component {index + 1} has {row.size} entries, "
                f"expected {reference.size}",
            )
            continue
        sign = 1.0 if float(np.dot(row, reference)) >= 0.0 else -1.0
        error = float(np.abs(row - sign * reference).max())
        failures.expect(
            error <= atol,
            f"component {index + 1} differs from the reference eigenvector "
            f"by {error:.3g} (tolerance {atol:.3g})",
        )


def check_projector(failures, vectors, expected_projector, label):
    """Compare the orthogonal projector onto the span of `vectors`."""
    projector = vectors.T @ vectors
    error = float(np.abs(projector - expected_projector).max())
    failures.expect(
        error <= PROJECTOR_ATOL,
        f"projector onto {label} differs from the expected one by {error:.3g} "
        f"(tolerance {PROJECTOR_ATOL:.3g})",
    )


def check_ratios(failures, computed, expected, atol=RATIO_ATOL):
    expected = np.asarray(expected, dtype=np.float64)
    if not failures.expect(
        computed.shape == expected.shape,
        f"{computed.size} explained variance ratios, expected {expected.size}",
    ):
        return
    for index, (value, reference) in enumerate(zip(computed, expected)):
        failures.expect(
            abs(value - reference) <= atol,
            f"explained variance ratio {index + 1} is {value:.17g}, "
            f"expected {reference:.17g}",
        )


def check_mean(failures, mean, expected, rtol):
    """Compare mean.npy entrywise, relative to the expected entries."""
    if mean is None:
        return  # check_success reports the missing file.
    expected = np.asarray(expected, dtype=np.float64)
    if not failures.expect(
        mean.shape == expected.shape,
        f"mean.npy has shape {mean.shape}, expected {expected.shape}",
    ):
        return
    for index, (value, reference) in enumerate(zip(mean, expected)):
        failures.expect(
            abs(value - reference) <= rtol * abs(reference),
            f"mean entry {index + 1} is {value:.17g}, expected {reference:.17g}",
        )


def check_orthogonality(failures, components, atol):
    for i in range(components.shape[0]):
        for j in range(i + 1, components.shape[0]):
            overlap = abs(float(np.dot(components[i], components[j])))
            failures.expect(
                overlap <= atol,
                f"|v{i + 1}·v{j + 1}| = {overlap:.3g}, expected at most {atol:.3g}",
            )


def check_success(failures, result, k, d, data_input):
    """Run the checks that every successful run must pass."""
    check_result_shape(failures, result, k, d)
    check_converged(failures, result, k)
    if data_input:
        failures.expect(result.mean is not None, "mean.npy is missing for a data input")
    else:
        failures.expect(
            result.mean is None, "mean.npy is written for an input that is not data"
        )


def load_json(path):
    with open(path, encoding="utf-8") as stream:
        return json.load(stream)


# Subcommands ----------------------------------------------------------------

def make_inputs(folder):
    """Write the random data matrix and the invalid inputs of the error checks.

    The random matrix has 200 samples of 12 features with variances that fall
    by a factor of 1.69 per direction, rotated by a random orthogonal matrix
    and shifted by column offsets in [-50, 50]. Each of the top five sample
    eigenvalues is at least 0.28 times its own value away from its neighbours,
    so a relative residual r bounds the sine of each eigenvector's angle error
    by about r / 0.28. That is 4e-10 even at --tol 1e-10, far inside
    EIGENVECTOR_ATOL. The offsets keep the column means far from zero, so a
    relative check of mean.npy is meaningful.
    """
    rng = np.random.default_rng(2024)
    samples, features = 200, 12
    scales = 4.0 * 1.3 ** -np.arange(features)
    rotation, _ = np.linalg.qr(rng.standard_normal((features, features)))
    offsets = rng.uniform(-50.0, 50.0, features)
    data = (rng.standard_normal((samples, features)) * scales) @ rotation.T + offsets
    np.save(os.path.join(folder, "random-200x12.npy"), data)

    # 1-based positions of the non-finite values, which the error must name.
    with_nan = data.copy()
    with_nan[157, 6] = np.nan  # row 158, column 7
    np.save(os.path.join(folder, "nan.npy"), with_nan)
    with_inf = data.copy()
    with_inf[3, 10] = np.inf  # row 4, column 11
    np.save(os.path.join(folder, "inf.npy"), with_inf)

    integers = np.arange(24, dtype=np.int64).reshape(6, 4)
    np.save(os.path.join(folder, "integer-matrix.npy"), integers)

    with open(os.path.join(folder, "random-200x12.npy"), "rb") as stream:
        encoded = stream.read()
    with open(os.path.join(folder, "truncated.npy"), "wb") as stream:
        stream.write(encoded[: len(encoded) - 100])
    with open(os.path.join(folder, "wrong-magic.npy"), "wb") as stream:
        stream.write(b"NOTNPY" + encoded[6:])

    np.save(os.path.join(folder, "not-square.npy"), np.eye(3, 4))
    not_symmetric = np.eye(4)
    not_symmetric[0, 2] = 0.25
    np.save(os.path.join(folder, "not-symmetric.npy"), not_symmetric)
    np.save(os.path.join(folder, "one-sample.npy"), data[:1].copy())
    return 0


def check_data(output, input_path, k):
    """Compare a data-input result with numpy.linalg.eigh of numpy.cov."""
    failures = Failures()
    data = np.load(input_path)
    covariance = np.cov(data, rowvar=False)
    reference_values, reference_vectors = np.linalg.eigh(covariance)
    order = np.argsort(reference_values)[::-1][:k]
    result = ResultFolder(output)
    check_success(failures, result, k, data.shape[1], data_input=True)
    check_eigenvalues(failures, result.eigenvalues, reference_values[order])
    check_eigenvectors(failures, result.components, reference_vectors[:, order].T)
    check_mean(failures, result.mean, data.mean(axis=0), rtol=1e-12)

    # The ratio uses the trace of C, so it can be checked against the
    # computed eigenvalues to rounding error.
    trace = float(np.trace(covariance))
    expected_ratios = result.eigenvalues / trace
    for index, (value, reference) in enumerate(zip(result.ratios, expected_ratios)):
        failures.expect(
            abs(value - reference) <= 1e-12 * abs(reference),
            f"explained variance ratio {index + 1} is {value:.17g}, "
            f"expected eigenvalue / trace(C) = {reference:.17g}",
        )
    return failures.report()


def check_same(output_a, output_b):
    """Check that two result folders agree to SAME_RESULT_TOL."""
    failures = Failures()
    first = ResultFolder(output_a)
    second = ResultFolder(output_b)
    pairs = [
        ("eigenvalues", first.eigenvalues, second.eigenvalues),
        ("components", first.components, second.components),
        ("explained_variance_ratio", first.ratios, second.ratios),
    ]
    if first.mean is not None or second.mean is not None:
        if failures.expect(
            first.mean is not None and second.mean is not None,
            "mean.npy exists in only one of the folders",
        ):
            pairs.append(("mean", first.mean, second.mean))
    for name, a, b in pairs:
        if not failures.expect(
            a.shape == b.shape, f"{name}.npy shapes differ: {a.shape} and {b.shape}"
        ):
            continue
        scale = max(float(np.abs(a).max(initial=0.0)), 1.0)
        difference = float(np.abs(a - b).max(initial=0.0))
        allowed = SAME_RESULT_TOL * scale
        failures.expect(
            difference <= allowed,
            f"{name}.npy differs by {difference:.3g} (tolerance {allowed:.3g})",
        )
    return failures.report()


def check_self_check(output):
    """Check the PDSYEVR comparison that --check stores in report.json."""
    failures = Failures()
    report = ResultFolder(output).report
    check = report.get("check")
    if not failures.expect(
        isinstance(check, dict), 'report.json has no "check" object'
    ):
        return failures.report()
    valid = check.get("valid")
    failures.expect(
        valid is True,
        f'report "check" has "valid": {json.dumps(valid)} '
        f'(failure {check.get("failure")!r})',
    )
    components = check.get("components", [])
    failures.expect(len(components) > 0, 'report "check" lists no components')
    for entry in components:
        number = entry.get("component")
        difference = entry.get("relative_eigenvalue_difference", math.inf)
        sin_angle = entry.get("sin_angle", math.inf)
        failures.expect(
            difference < 1e-10,
            f"component {number}: relative_eigenvalue_difference "
            f"{difference:.3g} is not below 1e-10",
        )
        failures.expect(
            sin_angle < 1e-8,
            f"component {number}: sin_angle {sin_angle:.3g} is not below 1e-8",
        )
    return failures.report()


def check_synthetic(output, d, power, k):
    """Check a --synthetic d --spectrum power:P result.

    The spectrum is i^-P for i = 1..d, so the trace is the sum of all d values.
    """
    failures = Failures()
    result = ResultFolder(output)
    spectrum = np.arange(1, d + 1, dtype=np.float64) ** -power
    check_success(failures, result, k, d, data_input=False)
    check_eigenvalues(failures, result.eigenvalues, spectrum[:k])
    check_ratios(failures, result.ratios, spectrum[:k] / spectrum.sum())
    return failures.report()


def check_all_converged(output):
    """Check that every component of a run reports convergence."""
    failures = Failures()
    result = ResultFolder(output)
    components = result.report.get("components", [])
    failures.expect(components, "report.json lists no components")
    for entry in components:
        failures.expect(
            entry.get("status") == "converged",
            f"component {entry.get('component')} has status "
            f"{entry.get('status')!r}, expected 'converged'",
        )
    return failures.report()


def check_not_converged(output):
    """Check that a run stopped at --max-iterations reports no convergence."""
    failures = Failures()
    result = ResultFolder(output)
    components = result.report.get("components", [])
    tolerance = result.report.get("solver", {}).get("tolerance")
    limit = result.report.get("solver", {}).get("max_iterations")
    failures.expect(tolerance is not None, 'report.json has no "solver" "tolerance"')
    failures.expect(
        any(entry.get("converged") is False for entry in components),
        'no component in report.json has "converged": false',
    )
    for entry in components:
        number = entry.get("component")
        residual = entry.get("relative_residual", math.inf)
        if tolerance is not None and residual > tolerance:
            converged = entry.get("converged")
            failures.expect(
                converged is False,
                f"component {number} has relative residual {residual:.3g} "
                f'above --tol {tolerance:.3g} but "converged": {json.dumps(converged)}',
            )
            failures.expect(
                entry.get("status") != "converged",
                f"component {number} has relative residual {residual:.3g} "
                'but status "converged"',
            )
        if limit is not None:
            iterations = entry.get("iterations", 0)
            failures.expect(
                iterations <= limit,
                f"component {number} ran {iterations} iterations, "
                f"above the limit {limit}",
            )
    return failures.report()


# Cases from bug reports ------------------------------------------------------

def case_large_offset(failures, result, expected, k):
    """Check large common column offsets, which one-pass variance formulas cancel."""
    check_success(failures, result, k, 3, data_input=True)
    check_eigenvalues(failures, result.eigenvalues, expected["eigenvalues"])
    check_eigenvectors(failures, result.components, expected["eigenvectors"])
    check_ratios(failures, result.ratios, expected["explained_variance_ratio"])
    # The data and their column means are integers below 2^53, exact in float64.
    check_mean(failures, result.mean, expected["mean"], rtol=0.0)


def case_constant_columns(failures, result, expected, k):
    """Check constant columns, which give zero eigenvalues and must not give NaN."""
    d = expected["shape"][1]
    check_success(failures, result, k, d, data_input=True)
    check_eigenvalues(failures, result.eigenvalues, expected["eigenvalues"])
    leading = len(expected["eigenvectors"])
    check_eigenvectors(failures, result.components, expected["eigenvectors"])

    columns = expected["constant_columns_1based"]
    for index in range(leading):
        for column in columns:
            value = result.components[index, column - 1]
            failures.expect(
                value == 0.0,
                f"component {index + 1} has {value:.3g} in constant column "
                f"{column}, expected exactly 0",
            )

    # The zero eigenvalues share one eigenspace, spanned by the unit vectors
    # of the constant columns.
    constant_span = np.zeros((d, d))
    for column in columns:
        constant_span[column - 1, column - 1] = 1.0
    check_projector(
        failures,
        result.components[leading:],
        constant_span,
        "the zero-eigenvalue components",
    )

    check_ratios(failures, result.ratios, expected["explained_variance_ratio"])
    total = float(result.ratios.sum())
    failures.expect(
        abs(total - 1.0) <= RATIO_ATOL,
        f"explained variance ratios of all {d} components sum to {total:.17g}, "
        "expected 1",
    )
    check_mean(failures, result.mean, expected["mean"], rtol=1e-12)


def case_two_samples(failures, result, expected, k):
    """Check two samples, whose covariance has rank one."""
    d = expected["shape"][1]
    check_success(failures, result, k, d, data_input=True)
    check_eigenvalues(failures, result.eigenvalues, expected["eigenvalues"])
    check_eigenvectors(failures, result.components, expected["eigenvectors"])
    # Any unit vector orthogonal to the first is an eigenvector of eigenvalue 0.
    check_orthogonality(failures, result.components, EIGENVECTOR_ATOL)
    check_ratios(failures, result.ratios, expected["explained_variance_ratio"])
    check_mean(failures, result.mean, expected["mean"], rtol=1e-12)


def case_triple_eigenvalue(failures, result, expected, k):
    """Check C = 5I - J, whose top eigenvalue 5 is triple.

    The all-ones vector is the eigenvector of the smallest eigenvalue 1, so a
    power iteration that starts there reports 1 as the largest.
    """
    d = expected["shape"][0]
    check_success(failures, result, k, d, data_input=False)
    check_eigenvalues(failures, result.eigenvalues, expected["eigenvalues"])
    repeated = [number - 1 for number in expected["repeated_eigenvalue_components"]]
    complement = np.eye(d) - np.ones((d, d)) / d
    check_projector(failures, result.components[repeated], complement, "components 1-3")
    check_eigenvectors(
        failures,
        result.components[len(repeated) :],
        [expected["last_eigenvector"]],
    )
    check_ratios(failures, result.ratios, expected["explained_variance_ratio"])


def case_deflation_orthogonality(failures, result, expected, k):
    """Check that deflated eigenvectors stay orthogonal to the earlier ones."""
    d = expected["shape"][0]
    check_success(failures, result, k, d, data_input=False)
    check_eigenvalues(failures, result.eigenvalues, expected["eigenvalues"])
    check_eigenvectors(failures, result.components, expected["eigenvectors"])
    check_orthogonality(failures, result.components, expected["orthogonality_atol"])
    check_ratios(failures, result.ratios, expected["explained_variance_ratio"])


def check_reference_block(failures, result, block, k):
    d = block["shape"][1]
    check_success(failures, result, k, d, data_input=True)
    check_eigenvalues(failures, result.eigenvalues, block["eigenvalues"][:k])
    check_eigenvectors(failures, result.components, block["eigenvectors"][:k])
    check_ratios(failures, result.ratios, block["explained_variance_ratio"][:k])
    check_mean(failures, result.mean, block["mean"], rtol=1e-12)


def case_idx_images(failures, result, expected, k):
    """Check uint8 MNIST-style images, read as a samples x pixels matrix."""
    check_reference_block(failures, result, expected["images-5x2x3"], k)


def case_idx_matrix(failures, result, expected, k):
    """Check an IDX matrix of big-endian float32 or float64 values."""
    check_reference_block(failures, result, expected["matrix-4x3"], k)


def case_explained_ratio(failures, result, expected, k):
    """Check that the explained ratio divides by the trace of C, not by the kept sum."""
    check_success(failures, result, k, expected["shape"][1], data_input=True)
    check_eigenvalues(failures, result.eigenvalues, expected["eigenvalues"][:k])
    check_eigenvectors(failures, result.components, expected["eigenvectors"][:k])
    check_ratios(failures, result.ratios, expected["explained_variance_ratio"][:k])
    if k < expected["shape"][1] and result.ratios.size > 0:
        kept_fraction = float(result.ratios.sum())
        failures.expect(
            abs(kept_fraction - 1.0) > 1e-6,
            f"the {k} kept components explain {kept_fraction:.17g} of the variance, "
            "which means the ratio was divided by the kept eigenvalues only",
        )


def case_mm_ones_lower(failures, result, expected, k):
    """Check the all-ones 4 x 4 matrix given as its lower triangle.

    Mirroring must not count the diagonal twice: that would give
    eigenvalues 5, 1, 1, 1 instead of 4, 0, 0, 0.
    """
    block = expected["ones-lower"]
    d = block["shape"][0]
    check_success(failures, result, k, d, data_input=False)
    check_eigenvalues(failures, result.eigenvalues, block["eigenvalues"][:k])
    check_eigenvectors(failures, result.components, [block["first_eigenvector"]])
    if k == d:
        # Components 2-4 span the complement of the all-ones vector.
        complement = np.eye(d) - np.ones((d, d)) / d
        check_projector(failures, result.components[1:], complement, "components 2-4")
    check_ratios(failures, result.ratios, block["explained_variance_ratio"][:k])


def case_mm_spd(failures, result, expected, k):
    """Check a 4 x 4 positive definite matrix in any Matrix Market storage."""
    block = expected["spd"]
    check_success(failures, result, k, block["shape"][0], data_input=False)
    check_eigenvalues(failures, result.eigenvalues, block["eigenvalues"][:k])
    check_eigenvectors(failures, result.components, block["eigenvectors"][:k])
    check_ratios(failures, result.ratios, block["explained_variance_ratio"][:k])
def case_npy_layouts(failures, result, expected, k):
    """Check the 5 x 3 matrix read from any .npy layout or raw binary file."""
    check_reference_block(failures, result, expected["matrix-5x3"], k)


def case_npy_large_magnitude(failures, result, expected, k):
    """Check float32 values near 16384, which need widening before summing.

    A float32 running sum gives a column-1 mean off by about 1e-3, far
    outside the 1e-12 relative tolerance of check_mean.
    """
    check_reference_block(failures, result, expected["large-magnitude-4000x2"], k)


def case_raw_good(failures, result, expected, k):
    """Check the raw binary 5 x 3 files, little- or big-endian."""
    check_reference_block(failures, result, expected["good-5x3"], k)


CASES = {
    "large-offset": ("large-offset", case_large_offset),
    "constant-columns": ("constant-columns", case_constant_columns),
    "two-samples": ("too-few-samples", case_two_samples),
    "triple-eigenvalue": ("triple-eigenvalue", case_triple_eigenvalue),
    "deflation-orthogonality": (
        "deflation-orthogonality",
        case_deflation_orthogonality,
    ),
    "idx-images": ("idx-files", case_idx_images),
    "idx-matrix": ("idx-files", case_idx_matrix),
    "explained-ratio": ("explained-ratio", case_explained_ratio),
    "mm-ones-lower": ("matrix-market", case_mm_ones_lower),
    "mm-spd": ("matrix-market", case_mm_spd),
    "npy-layouts": ("npy-layouts", case_npy_layouts),
    "npy-large-magnitude": ("npy-layouts", case_npy_large_magnitude),
    "raw-good": ("truncated-files", case_raw_good),
}


def check_case(name, output, cases_dir, k):
    folder, check = CASES[name]
    expected = load_json(os.path.join(cases_dir, folder, "expected.json"))
    if k is None:
        k = len(expected.get("eigenvalues", []))
    failures = Failures()
    check(failures, ResultFolder(output), expected, k)
    return failures.report()


def main(argv):
    command, arguments = argv[1], argv[2:]
    if command == "make-inputs":
        return make_inputs(arguments[0])
    if command == "data":
        return check_data(arguments[0], arguments[1], int(arguments[2]))
    if command == "same":
        return check_same(arguments[0], arguments[1])
    if command == "self-check":
        return check_self_check(arguments[0])
    if command == "synthetic":
        output, dimension, power, k = arguments[:4]
        return check_synthetic(output, int(dimension), float(power), int(k))
    if command == "converged":
        return check_all_converged(arguments[0])
    if command == "not-converged":
        return check_not_converged(arguments[0])
    if command == "case":
        k = int(arguments[3]) if len(arguments) > 3 else None
        return check_case(arguments[0], arguments[1], arguments[2], k)
    print(f"unknown command {command!r}. The usage is at the top of {argv[0]}.")
    return 2


if __name__ == "__main__":
    if len(sys.argv) < 2:
        print(__doc__)
        sys.exit(2)
    try:
        sys.exit(main(sys.argv))
    except (OSError, ValueError, KeyError, IndexError) as error:
        # A missing or unreadable result file is a failed check, not a crash.
        print(f"cannot check the results: {type(error).__name__}: {error}")
        sys.exit(1)
