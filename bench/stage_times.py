"""Print the stage times of a covdefl report.json as one line."""
import json
import sys

report = json.load(open(sys.argv[1]))
seconds = report["seconds"]
print("read {:.3f} covariance {:.3f} solve {:.3f} iterations {}".format(
    seconds["read"], seconds["covariance"], seconds["solve"],
    report["solver"]["total_iterations"]))
