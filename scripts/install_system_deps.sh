#!/usr/bin/env bash
# Installs what the tests need beyond Python: Chromium for the browser tests and Debian's
# Fashion-MNIST files; with --bench also HAProxy, for the benchmark of two replicas behind a
# proxy. Does nothing when all are present.
set -euo pipefail
need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
[ -d /usr/share/datasets/fashion-mnist ] || need+=(dataset-fashion-mnist)
if [ "${1:-}" = "--bench" ]; then command -v haproxy >/dev/null || need+=(haproxy); fi
[ ${#need[@]} -eq 0 ] && exit 0
if ! command -v apt-get >/dev/null; then
  echo "Please install: ${need[*]} (Chromium at /usr/bin/chromium; Fashion-MNIST is also fetched by Keras where the internet is reachable)." >&2
  exit 1
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
echo "installed: ${need[*]}"
