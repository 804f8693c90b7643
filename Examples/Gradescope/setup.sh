#!/usr/bin/env bash
# Gradescope runs this once when it builds the autograder image (Ubuntu). It installs FFTW and
# OpenBLAS, and builds LayerKit's grader from the copy of the repository uploaded with the
# autograder zip (in /autograder/source). A Swift toolchain (6.1 or newer) must be on PATH:
# install it here first if the base image lacks it (see swift.org/install/linux).
set -euo pipefail
SOURCE="${AUTOGRADER_ROOT:-/autograder}/source"
cd "$SOURCE"
# Learner code never runs as root (Notes/sandbox.md). Gradescope's containers are expected to
# refuse the namespaces bubblewrap needs (Docker's default seccomp profile); the grader then runs
# each child as this unprivileged user, which owns no files and cannot log in (the usual practice
# for student code on Gradescope, whose harness runs as root). bubblewrap is installed for when
# namespaces are allowed.
if ! id -u layerkit-learner >/dev/null 2>&1; then
  useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin layerkit-learner
fi
dpkg -s bubblewrap >/dev/null 2>&1 || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap >/dev/null
bash .ci/install-deps
swift build --product layerkit
# The first compile of a submission warms the module cache; do it now, not in a learner's run.
./.build/debug/layerkit grade --exercise "${LAYERKIT_EXERCISE:-tensor-reduction}" \
    Examples/Submissions/tensor-reduction/right.swift >/dev/null
