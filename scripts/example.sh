#!/usr/bin/env bash
# The main job on a bundled example: AC power flow of the 9,241-bus PEGASE case with
# reactive limits enforced, then the DC power flow of the same case.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cargo build --quiet --bin gridsim
./target/debug/gridsim pf networks/cases/matpower/case9241pegase.m --enforce-q-lims "$@"
