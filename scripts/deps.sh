#!/usr/bin/env bash
# The one list of Tessera's Debian packages: build tools, libraries, test clients and the
# reference servers (redis-server, memcached) the differential tests and benchmarks run
# against. Installs what is missing.
set -euo pipefail
PACKAGES=(
  build-essential make cmake pkg-config
  libgtest-dev libjemalloc-dev liburing-dev
  python3 python3-pytest python3-redis python3-pymemcache python3-pylibmc
  redis-server redis-tools memcached libmemcached-tools
)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "deps: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
  # The reference redis-server is only run by the tests and benchmarks on ports of their own;
  # the distribution's service would hold 6379, Tessera's default port.
  for svc in redis-server memcached; do
    if [[ " ${missing[*]} " == *" $svc "* ]]; then
      ($SUDO systemctl disable --now "$svc" || $SUDO service "$svc" stop) >/dev/null 2>&1 || true
    fi
  done
fi
