#!/usr/bin/env bash
# Installs the Matrix homeserver of the adapter's tests (idempotent): matrix-synapse from PyPI in a virtual
# environment outside the clone (a cache: on a new machine it is simply made again).
set -euo pipefail
venv="${SYNAPSE_VENV:-$HOME/.cache/auskunft-synapse}"
if [ ! -x "$venv/bin/register_new_matrix_user" ]; then
  echo "matrix tests: installing matrix-synapse into $venv" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install --no-cache-dir -q 'matrix-synapse==1.163.2'
fi
echo "$venv"
