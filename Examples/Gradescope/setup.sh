#!/usr/bin/env bash
# Gradescope runs this once when it builds the autograder image (Ubuntu), as root. It installs
# FFTW, OpenBLAS and bubblewrap, creates the unprivileged user learner code runs as (the
# grader's fallback sandbox where the container refuses namespaces, as Docker's default seccomp
# profile does: learner code never runs as root), and builds LayerKit's grader from the copy of
# the repository uploaded with the autograder zip (in /autograder/source). A Swift toolchain
# (6.1 or newer) must be on PATH, installed where every user can read it (e.g. /opt/swift):
# the sandboxed children load its runtime. Set LAYERKIT_WITH_TORCH=1 to grade PyTorch answers
# too (torch into /opt/layerkit-venv, which run_autograder then uses).
set -euo pipefail
SOURCE="${AUTOGRADER_ROOT:-/autograder}/source"
cd "$SOURCE"
bash .ci/install-deps
if [ "${LAYERKIT_WITH_TORCH:-0}" = "1" ]; then export LAYERKIT_PYTHON="$(bash .ci/install-torch)"; fi
swift build --product layerkit
# The course's files stay closed to the learner user.
chmod -R go-rwx "$SOURCE" 2>/dev/null || true
# The first compile of a submission warms the module cache; do it now, not in a learner's run.
./.build/debug/layerkit grade --exercise "${LAYERKIT_EXERCISE:-tensor-reduction}" \
    Examples/Submissions/tensor-reduction/right.swift >/dev/null
