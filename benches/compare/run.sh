#!/usr/bin/env bash
# Side-by-side comparison: set up the peers' venv, build gridsim (release), then
# time every tool in one invocation pinned to one core. Arguments go to
# compare.py (--cases, --repeat N, --out FILE.md, ...). Env: CPU (core, default 0).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cpu="${CPU:-0}"

"$here/setup.sh"

extra=()
if ! (cd "$root" && cargo build --release); then
    echo "run.sh: cargo build --release failed; gridsim cells will say so" >&2
    extra=(--gridsim-unavailable "cargo build --release failed")
fi

export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 NUMEXPR_NUM_THREADS=1 \
       VECLIB_MAXIMUM_THREADS=1 NUMBA_NUM_THREADS=1 RAYON_NUM_THREADS=1
exec taskset -c "$cpu" "$here/.venv/bin/python" "$here/compare.py" --cpu "$cpu" "${extra[@]}" "$@"
