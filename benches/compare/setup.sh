#!/usr/bin/env bash
# Create benches/compare/.venv with the pinned peer tools (requirements.txt).
# Idempotent: does nothing when the venv already holds exactly these pins.
# Env: PYTHON (interpreter to build the venv from, default python3; pins were
# resolved with CPython 3.11), VENV (default benches/compare/.venv).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="${VENV:-$here/.venv}"
req="$here/requirements.txt"
stamp="$venv/.requirements.sha256"
python="${PYTHON:-python3}"

want="$(sha256sum "$req" | cut -d' ' -f1)"
if [[ -x "$venv/bin/python" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]] \
   && "$venv/bin/python" -c "import lightsim2grid, pandapower, numba, matpowercaseframes" 2>/dev/null; then
    echo "setup.sh: $venv already has the pinned peer tools" >&2
    exit 0
fi

version="$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
if [[ "$version" != "3.11" ]]; then
    echo "setup.sh: warning: $python is Python $version; the pins were resolved with 3.11" >&2
fi
if [[ ! -x "$venv/bin/python" ]]; then
    "$python" -m venv "$venv"
fi
# Wheels only: lightsim2grid and numba from source would need a C++ toolchain and
# would not be the builds the published numbers came from.
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    --only-binary=:all: --requirement "$req"
echo "$want" > "$stamp"
echo "setup.sh: installed the pinned peer tools into $venv" >&2
