#!/usr/bin/env bash
# Runs every test of the workspace (unit, integration, property and MATPOWER validation tests)
# and then `gridsim validate`, after installing what the build needs.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cargo test --workspace --no-fail-fast "$@"
# The gridsim binary the tests just built: `cargo run --bin gridsim` would resolve the
# dependencies' features for that one package and build HiGHS a second time.
"${CARGO_TARGET_DIR:-target}/debug/gridsim" validate
