#!/usr/bin/env bash
# The main job on a bundled example: a Monte Carlo study (20 replications) of three EV charging
# strategies on the 33-bus Baran–Wu feeder, every 5-minute step judged by an AC power flow.
# Writes out/ev_feeder_day/{replications,summary}.csv and prints the summary table.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cargo build --quiet --bin gridsim
./target/debug/gridsim run scenarios/ev_feeder_day.ron --threads 2 --out out/ev_feeder_day "$@"
