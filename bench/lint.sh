#!/usr/bin/env bash
# Lint benchmark: builds the release profile, lints the fixture corpus (repeated) and a generated
# 10,000-file set, and prints files/second and peak RSS. Usage: bench/lint.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo bench --bench lint "$@"
