#!/usr/bin/env bash
# Runs every test of the workspace (unit, integration, property and MATPOWER validation tests)
# and then `gridsim validate`, after installing what the build needs.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cargo test --workspace --no-fail-fast "$@"
cargo run --quiet --bin gridsim -- validate
