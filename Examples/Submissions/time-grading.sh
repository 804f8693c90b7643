#!/usr/bin/env bash
# Times `layerkit grade` on a folder of answer files: the example submissions here (Swift, in
# tensor-reduction/, and PyTorch, in pytorch/), a Latin-1 (non-UTF-8) file made on the fly, and N more copies of each right answer,
# so that the per-submission figure after the first of each language is measured on a
# realistic mix, in the sandbox `--isolation` picks (auto by default).
#
#   swift build --product layerkit && bash Examples/Submissions/time-grading.sh [N] [--isolation user]
#
# Prints the summary (seconds per submission: copying, compiling or loading, grading) and,
# per language, the median and the largest time of the submissions after the first.
# PyTorch answers need LAYERKIT_PYTHON (or python3 on PATH) with torch; without it the .py
# files are left out.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
copies="${1:-5}"
shift || true
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp -R "$here/tensor-reduction" "$work/submissions"
cp "$here"/pytorch/*.py "$work/submissions/"
printf 'import LayerKit\n// R\xe9duction tensorielle\nlet answer = 1\n' > "$work/submissions/latin1.swift"
for i in $(seq 1 "$copies"); do
  cp "$here/tensor-reduction/right.swift" "$work/submissions/right-copy-$i.swift"
  cp "$here/pytorch/right.py" "$work/submissions/right-copy-$i.py"
done
python="${LAYERKIT_PYTHON:-python3}"
if ! "$python" -c "import torch" >/dev/null 2>&1; then
  echo "no Python with torch ($python): the .py answers are left out" >&2
  rm -f "$work"/submissions/*.py
fi
start=$(date +%s.%N)
"$root/.build/debug/layerkit" grade --exercise tensor-reduction "$work/submissions" --csv "$work/summary.csv" "$@" \
    2>/dev/null | sed -n '/^submission /,$p'
end=$(date +%s.%N)
echo
python3 - "$work/summary.csv" <<'PY'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1])))
for language, suffix in (("Swift", ".swift"), ("PyTorch", ".py")):
    seconds = [float(r["seconds"]) for r in rows if r["submission"].endswith(suffix)]
    if len(seconds) > 1:
        after = seconds[1:]
        print("%-7s per submission after the first: median %.2f s, max %.2f s (%d submissions)"
              % (language, statistics.median(after), max(after), len(after)))
PY
echo "whole run: $(echo "$end - $start" | bc) s"
