#!/usr/bin/env bash
# Prepare a fresh machine: system packages the switch needs, and the virtualenv in .venv.
# Usage: scripts/setup.sh [--dev]   (--dev adds test tools and the PostgreSQL driver)
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v ffmpeg >/dev/null || need_apt+=(ffmpeg)        # pydub decodes and encodes through it
if [[ ${1:-} == --dev ]]; then
  command -v espeak-ng >/dev/null || need_apt+=(espeak-ng)  # tests rebuild the prompts with it
fi
if ((${#need_apt[@]})); then
  if [[ $(id -u) -eq 0 ]]; then
    echo "setup: installing ${need_apt[*]}"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
  else
    echo "setup: please install ${need_apt[*]} (apt-get install ${need_apt[*]})" >&2
  fi
fi

python=${PYTHON:-}
if [[ -z $python ]]; then
  for candidate in python3.13 python3.12 python3.11 python3; do
    if command -v "$candidate" >/dev/null && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
      python=$candidate; break
    fi
  done
fi
[[ -n $python ]] || { echo "setup: Python 3.11 or newer is required" >&2; exit 1; }

[[ -x .venv/bin/python ]] || "$python" -m venv .venv
extras=""
[[ ${1:-} == --dev ]] && extras="[dev,postgres]"
.venv/bin/python -m pip install -q --disable-pip-version-check -e ".${extras}"
