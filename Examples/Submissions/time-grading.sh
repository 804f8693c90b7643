#!/usr/bin/env bash
# Times `layerkit grade` on a folder of answer files: the example submissions here, a
# Latin-1 (non-UTF-8) file made on the fly, and N more copies of the right answer, so that the
# per-submission figure after the first is measured on a realistic mix.
#
#   swift build --product layerkit && bash Examples/Submissions/time-grading.sh [N]
#
# Prints the reports' summary (with seconds per submission) and the mean after the first.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
copies="${1:-5}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp -R "$here/tensor-reduction" "$work/submissions"
printf 'import LayerKit\n// R\xe9duction tensorielle\nlet answer = 1\n' > "$work/submissions/latin1.swift"
for i in $(seq 1 "$copies"); do cp "$here/tensor-reduction/right.swift" "$work/submissions/right-copy-$i.swift"; done
start=$(date +%s.%N)
"$root/.build/debug/layerkit" grade --exercise tensor-reduction "$work/submissions" --csv "$work/summary.csv" \
    2>/dev/null | sed -n '/^submission /,$p'
end=$(date +%s.%N)
echo
awk -F, 'NR > 2 { s += $6; n++ } END { printf "mean seconds per submission after the first: %.2f (%d submissions)\n", s / n, n }' "$work/summary.csv"
echo "whole run: $(echo "$end - $start" | bc) s"
