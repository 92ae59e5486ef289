#!/usr/bin/env bash
# Unit-commitment benchmark: runs `gridsim uc` on PGLib-UC instances (one HiGHS thread) and
# prints one Markdown table row per instance from the solver's summary line on stderr.
#
# usage: benches/uc/run.sh [INSTANCE.json ...]
#   default instances: ../shared/data/pglib-uc/{rts_gmlc/*,ca/*,ferc/*}.json
# env:   GRIDSIM (binary, default target/debug/gridsim under $CARGO_TARGET_DIR or ./target),
#        TIME_LIMIT (s, default 300), GAP (default 1e-3), WARM (sub-mip|rounded-lp|none),
#        LOGDIR (HiGHS logs, default /tmp/gridsim-uc-bench), EXTRA (further `gridsim uc`
#        arguments, split on spaces, e.g. "--highs-option mip_heuristic_effort=0.3")
# CPU s is the process's user CPU time (/usr/bin/time), load avg the 1-minute load at the end of
# the run: on a shared machine the wall time is inflated, and HiGHS's time limit is wall clock.
# Solve time is wall clock for the whole solve (root LP, warm start, MIP, dispatch LP; the
# first three also in their own columns); when
# the status is `optimal` it is the time to the requested gap, otherwise the run hit the limit
# and `gap` is the gap reached.
set -euo pipefail
here="$(cd "$(dirname "$0")/../.." && pwd)"
bin="${GRIDSIM:-${CARGO_TARGET_DIR:-$here/target}/debug/gridsim}"
tl="${TIME_LIMIT:-300}"
gap="${GAP:-1e-3}"
warm="${WARM:-sub-mip}"
logdir="${LOGDIR:-/tmp/gridsim-uc-bench}"
mkdir -p "$logdir"
if [ "$#" -eq 0 ]; then
    set -- "$here"/../shared/data/pglib-uc/rts_gmlc/*.json "$here"/../shared/data/pglib-uc/ca/*.json "$here"/../shared/data/pglib-uc/ferc/*.json
fi
echo "| instance | status | objective \$ | bound \$ | gap | solve s (wall) | root LP s | start s | MIP s | CPU s | root LP gap | warm start gap | checker | load avg |"
echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|"
for f in "$@"; do
    name="$(basename "$(dirname "$f")")/$(basename "$f" .json)"
    log="$logdir/$(echo "$name" | tr / _)"
    set +e
    /usr/bin/time -f "cpu_s=%U" -o "$log.time" "$bin" uc "$f" --threads 1 --time-limit "$tl" --gap "$gap" --warm-start "$warm" --log "$log.highs.log" ${EXTRA:-} >/dev/null 2>"$log.stderr"
    code=$?
    cpu="$(sed -n 's/^cpu_s=//p' "$log.time")"
    load="$(cut -d' ' -f1 /proc/loadavg)"
    set -e
    line="$(grep '^uc: ' "$log.stderr" || true)"
    get() { echo "$line" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
    if grep -q 'checker: every constraint holds' "$log.stderr"; then
        checker=ok
    elif grep -q '^checker: ' "$log.stderr"; then
        checker="FAILED (exit $code)"
    else
        checker="no schedule (exit $code)"
    fi
    obj="$(get objective_usd)"; warm_usd="$(get warm_start_usd)"
    warm_gap="-"
    if [ "$warm_usd" != "-" ] && [ -n "$obj" ] && [ "$obj" != "-" ]; then
        warm_gap="$(awk -v w="$warm_usd" -v b="$(get bound_usd)" 'BEGIN{printf "%.4f%%", 100*(w-b)/w}')"
    fi
    pct() { [ "$1" = "-" ] && echo "-" || awk -v x="$1" 'BEGIN{printf "%.4f%%", 100*x}'; }
    echo "| $name | $(get status) | $obj | $(get bound_usd) | $(pct "$(get gap)") | $(get solve_s) | $(get root_lp_s) | $(get warm_start_s) | $(get mip_s) | $cpu | $(pct "$(get root_gap)") | $warm_gap | $checker | $load |"
done
