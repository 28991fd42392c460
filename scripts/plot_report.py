"""Draw a covdefl report.json as a PNG: error bounds against the actual
errors per component (log scale), and the convergence of each component.

Run with Debian's /usr/bin/python3 (python3-matplotlib, python3-numpy).
The convergence panel needs a report written with --history; the actual
errors need --check.

usage: /usr/bin/python3 scripts/plot_report.py REPORT_JSON OUTPUT_PNG
"""
import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def bound_value(component, name):
    bound = component.get("bounds", {}).get(name)
    if bound is None:
        return None
    return bound.get("value")


def plot_bounds(axes, components):
    ks = [c["component"] for c in components]
    series = [
        ("direct", "direct a posteriori", "o-"),
        ("subroutine_error", "sub-routine error ‖δk‖", "s--"),
        ("agnostic", "sub-routine agnostic", "^-"),
        ("power_iteration", "power iteration", "v-"),
    ]

    for name, label, style in series:
        points = [(k, bound_value(c, name)) for k, c in zip(ks, components)]
        points = [(k, v) for k, v in points if v is not None and v > 0]
        if points:
            axes.semilogy(*zip(*points), style, label=label)
    # The agnostic formula's value where its hypothesis fails: not a
    # guarantee, drawn dotted so the amplification stays visible.
    formula = [(c["component"], c["bounds"]["agnostic_formula"])
               for c in components
               if "bounds" in c and bound_value(c, "agnostic") is None]
    formula = [(k, v) for k, v in formula if v is not None and v > 0]
    if formula:
        axes.semilogy(*zip(*formula), "^:", color="gray",
                      label="agnostic formula (hypothesis not met)")
    actual = [(c["component"], c["actual"]["vector_error"])
              for c in components if "actual" in c]
    actual = [(k, v) for k, v in actual if v > 0]
    if actual:
        axes.semilogy(*zip(*actual), "k*", markersize=10,
                      label="actual ‖vk − uk‖ (PDSYEVR)")
    axes.set_xlabel("component k")
    axes.set_ylabel("error of vk")
    axes.set_title("Bounds and actual errors (vacuous bounds omitted)")
    axes.grid(True, which="both", alpha=0.3)
    axes.legend(fontsize="small")


def plot_convergence(axes, components):
    drawn = False
    for c in components:
        history = c.get("history")
        if not history:
            continue
        theta = history["rayleigh_quotient"]
        residual = history["residual_norm"]
        relative = [r / abs(t) if t else r for r, t in zip(residual, theta)]
        relative = [r if r > 0 else float("nan") for r in relative]
        axes.semilogy(range(1, len(relative) + 1), relative,
                      label=f"k = {c['component']}")
        drawn = True
    axes.set_xlabel("iteration")
    axes.set_ylabel("‖Âv − θv‖ / |θ|")
    axes.set_title("Convergence" if drawn
                   else "Convergence (run with --history to draw it)")
    axes.grid(True, which="both", alpha=0.3)
    if drawn:
        axes.legend(fontsize="small", ncol=2)


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: plot_report.py REPORT_JSON OUTPUT_PNG")
    with open(sys.argv[1]) as f:
        report = json.load(f)
    components = report["components"]
    figure, (left, right) = plt.subplots(1, 2, figsize=(12, 4.5))
    plot_bounds(left, components)
    plot_convergence(right, components)
    figure.suptitle(report["input"]["source"])
    figure.tight_layout()
    figure.savefig(sys.argv[2], dpi=100)


if __name__ == "__main__":
    main()
