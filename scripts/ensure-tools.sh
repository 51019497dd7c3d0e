#!/usr/bin/env bash
# Installs the binaries the native stack runs (Prometheus, Alertmanager, postgres_exporter, and
# HAProxy in front of API replicas; with --compose also docker-compose, which validates docker-compose.yml;
# with --browser Debian's chromium, which the control room's browser tests drive).
# Idempotent and silent when everything is present. Installs only on Debian/Ubuntu as root;
# elsewhere it names what to install and exits 1.
set -euo pipefail

usage() {
  echo "usage: $0 [--compose] [--browser]" >&2
  exit 2
}

with_compose=false
with_browser=false
for arg in "$@"; do
  case "$arg" in
    --compose) with_compose=true ;;
    --browser) with_browser=true ;;
    *) usage ;;
  esac
done

tools=(prometheus promtool prometheus-alertmanager amtool prometheus-postgres-exporter haproxy)
packages=(prometheus prometheus-alertmanager prometheus-postgres-exporter haproxy)
if $with_compose; then
  tools+=(docker-compose)
  packages+=(docker-compose)
fi
if $with_browser; then
  tools+=(chromium)
  packages+=(chromium)
fi

missing=()
for tool in "${tools[@]}"; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1 || [ "$(id -u)" -ne 0 ]; then
  {
    echo "missing: ${missing[*]}"
    echo "install the Debian/Ubuntu packages as root: apt-get install ${packages[*]}"
    echo "(elsewhere: Prometheus, Alertmanager and postgres_exporter from prometheus.io/download)"
  } >&2
  exit 1
fi

# The packages' maintainer scripts may start their daemons, which would hold the ports the stack
# binds (9090, 9093, 9187; HAProxy's service is stopped too): remember what ran before, stop only what
# the install started.
daemons=(prometheus prometheus-alertmanager prometheus-postgres-exporter haproxy)
daemon_pids() { pgrep -f "^(/usr/s?bin/)?$1( |\$)" || true; }
declare -A before
for daemon in "${daemons[@]}"; do before[$daemon]="$(daemon_pids "$daemon" | tr '\n' ' ')"; done

echo "installing ${packages[*]} (missing: ${missing[*]})" >&2
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null

for daemon in "${daemons[@]}"; do
  for pid in $(daemon_pids "$daemon"); do
    case " ${before[$daemon]} " in *" $pid "*) continue ;; esac
    if [ -d /run/systemd/system ] && systemctl is-active --quiet "$daemon" 2>/dev/null; then
      systemctl stop "$daemon"
    else
      kill "$pid" 2>/dev/null || true
    fi
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    echo "stopped the $daemon service the package started (pid $pid): the stack runs its own" >&2
  done
done

still_missing=()
for tool in "${tools[@]}"; do
  command -v "$tool" >/dev/null 2>&1 || still_missing+=("$tool")
done
if [ ${#still_missing[@]} -ne 0 ]; then
  echo "still missing after the install: ${still_missing[*]}" >&2
  exit 1
fi
