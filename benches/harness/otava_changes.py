"""Apache Otava's change points of each series in a JSON file (a list of
lists of numbers): prints a JSON list of lists of indices, each the first
point of a new level, as gilbench's search gives them."""
import json
import sys

from otava.analysis import compute_change_points

MAX_PVALUE = float(sys.argv[2]) if len(sys.argv) > 2 else 0.001
MIN_MAGNITUDE = float(sys.argv[3]) if len(sys.argv) > 3 else 0.0

with open(sys.argv[1]) as f:
    series = json.load(f)
found = []
for values in series:
    points, _ = compute_change_points(
        values, max_pvalue=MAX_PVALUE, min_magnitude=MIN_MAGNITUDE
    )
    found.append(sorted(int(p.index) for p in points))
print(json.dumps(found))
