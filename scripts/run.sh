#!/usr/bin/env bash
# Installs the app's requirements and starts it with an embedded SQLite database under ./data.
#   bash scripts/run.sh           a real installation: the first start asks for the first administrator
#   bash scripts/run.sh --demo    demo mode: the sample bureau and one account per role, in ./data-demo
# Any other arguments go to `streamlit run` (e.g. --server.port 8600).
set -euo pipefail
cd "$(dirname "$0")/.."
args=()
for a in "$@"; do
  if [ "$a" = "--demo" ]; then
    export DASHBOARD_DEMO=1
    export DASHBOARD_DATA_DIR="${DASHBOARD_DATA_DIR:-data-demo}"
  else
    args+=("$a")
  fi
done
python -m pip install -q --disable-pip-version-check -r requirements.txt
python -m services init >&2
port=8501
for ((i = 0; i < ${#args[@]}; i++)); do
  case "${args[$i]}" in
    --server.port) port="${args[$((i + 1))]:-$port}" ;;
    --server.port=*) port="${args[$i]#*=}" ;;
  esac
done
echo "应用启动中，请在浏览器打开 http://localhost:${port}（或本机在内网的地址）· Starting on port ${port}" >&2
# serve.py: app.py plus the session-cookie and backup routes and the middleware of web/ (st.App)
exec python -m streamlit run serve.py "${args[@]}"
