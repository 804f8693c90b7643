#!/usr/bin/env bash
# Gradescope runs this once when it builds the autograder image (Ubuntu). It installs FFTW and
# OpenBLAS, and builds LayerKit's grader from the copy of the repository uploaded with the
# autograder zip (in /autograder/source). A Swift toolchain (6.1 or newer) must be on PATH:
# install it here first if the base image lacks it (see swift.org/install/linux).
set -euo pipefail
SOURCE="${AUTOGRADER_ROOT:-/autograder}/source"
cd "$SOURCE"
bash .ci/install-deps
swift build --product layerkit
# The first compile of a submission warms the module cache; do it now, not in a learner's run.
./.build/debug/layerkit grade --exercise "${LAYERKIT_EXERCISE:-tensor-reduction}" \
    Examples/Submissions/tensor-reduction/right.swift >/dev/null
