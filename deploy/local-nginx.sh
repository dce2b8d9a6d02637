#!/usr/bin/env bash
# Two (or N) app processes behind Debian's nginx, all on loopback: what bench/load.py drives to
# compare one process with several (deploy/README.md "在本机试运行"). Not for production: no HTTPS.
#
#   DASHBOARD_DATABASE_URL=postgresql+psycopg://…  DASHBOARD_DATA_DIR=/tmp/dash-data  [DASHBOARD_DEMO=1] \
#       bash deploy/local-nginx.sh [--listen 8600] [--ports 8601,8602]
#
# Runs in the foreground until Ctrl-C / SIGTERM, then stops nginx and the app processes it started.
# Logs and nginx's files go to a temporary folder printed at start.
set -euo pipefail
cd "$(dirname "$0")/.."
listen=8600
ports=8601,8602
while [ $# -gt 0 ]; do
  case "$1" in
    --listen) listen="$2"; shift 2 ;;
    --ports) ports="$2"; shift 2 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done
: "${DASHBOARD_DATABASE_URL:?set DASHBOARD_DATABASE_URL to the one PostgreSQL database of all processes}"
: "${DASHBOARD_DATA_DIR:?set DASHBOARD_DATA_DIR to the one data folder (secrets) of all processes}"
export DASHBOARD_DATABASE_URL DASHBOARD_DATA_DIR
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"
[ -x "$NGINX" ] || { echo "nginx not found: apt-get install nginx-light" >&2; exit 1; }
# one Streamlit cookie secret for all processes, as in production (deploy/dashboard.env.example)
export STREAMLIT_SERVER_COOKIE_SECRET="${STREAMLIT_SERVER_COOKIE_SECRET:-$(python -c 'import secrets; print(secrets.token_hex(32))')}"

work="$(mktemp -d /tmp/dashboard-nginx.XXXXXX)"
mkdir -p "$work/logs"
echo "logs: $work" >&2
python -m services init >&2  # once, before the processes start together (dashboard-init.service)

pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -TERM -- "-$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

servers=""
IFS=, read -ra plist <<< "$ports"
for p in "${plist[@]}"; do
  setsid python -m streamlit run serve.py --server.port "$p" --server.address 127.0.0.1 --server.headless true \
    --browser.gatherUsageStats false --server.fileWatcherType none > "$work/logs/app-$p.log" 2>&1 &
  pids+=("$!")
  servers+="        server 127.0.0.1:$p;"$'\n'
done

sed -e "s|@PREFIX@|$work|g" -e "s|@LISTEN@|$listen|g" > "$work/nginx.conf" <<'CONF'
worker_processes 1;
pid @PREFIX@/nginx.pid;
error_log @PREFIX@/logs/nginx-error.log warn;
events { worker_connections 1024; }
http {
    log_format up '$remote_addr $request_uri $status upstream=$upstream_addr';
    access_log @PREFIX@/logs/nginx-access.log up;
    client_body_temp_path @PREFIX@/client_body;
    proxy_temp_path @PREFIX@/proxy;
    fastcgi_temp_path @PREFIX@/fastcgi;
    uwsgi_temp_path @PREFIX@/uwsgi;
    scgi_temp_path @PREFIX@/scgi;
    map $http_upgrade $connection_upgrade { default upgrade; '' close; }
    upstream dashboard {
        hash $remote_addr consistent;
@SERVERS@    }
    server {
        listen 127.0.0.1:@LISTEN@;
        client_max_body_size 25m;
        location / {
            proxy_pass http://dashboard;
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_read_timeout 3600s;
            proxy_buffering off;
        }
    }
}
CONF
python - "$work/nginx.conf" "$servers" <<'PY'
import sys
p, servers = sys.argv[1], sys.argv[2]
text = open(p).read().replace("@SERVERS@", servers)
open(p, "w").write(text)
PY

for p in "${plist[@]}"; do
  for _ in $(seq 1 240); do
    curl -fsS "http://127.0.0.1:$p/_stcore/health" >/dev/null 2>&1 && break
    sleep 0.5
  done
  curl -fsS "http://127.0.0.1:$p/_stcore/health" >/dev/null || { echo "app on port $p did not start: $work/logs/app-$p.log" >&2; exit 1; }
done
setsid "$NGINX" -p "$work" -c "$work/nginx.conf" -g "daemon off;" &
pids+=("$!")
sleep 1
curl -fsS "http://127.0.0.1:$listen/_stcore/health" >/dev/null || { echo "nginx did not start: $work/logs/nginx-error.log" >&2; exit 1; }
echo "ready: http://127.0.0.1:$listen (processes on ports $ports; app pids ${pids[*]})" >&2
wait
