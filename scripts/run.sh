#!/usr/bin/env bash
# Installs the app's requirements and starts it (embedded SQLite under ./data).
set -euo pipefail
cd "$(dirname "$0")/.."
python -m pip install -q --disable-pip-version-check -r requirements.txt
exec python -m streamlit run app.py "$@"
