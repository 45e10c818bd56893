#!/usr/bin/env bash
# Debian packages the tests use, installed when missing (runs before `npm test` and in CI):
# promtool/prometheus, amtool/alertmanager, headless Chromium, and the sqlite3 shell.
set -uo pipefail
need=()
command -v promtool >/dev/null 2>&1 || need+=(prometheus)
command -v amtool >/dev/null 2>&1 || need+=(prometheus-alertmanager)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v sqlite3 >/dev/null 2>&1 || need+=(sqlite3)
# kubectl with kustomize renders deploy/kubernetes; Debian's kubernetes-client conflicts with an installed kubectl.
command -v kubectl >/dev/null 2>&1 || need+=(kubernetes-client)
[ ${#need[@]} -eq 0 ] && exit 0
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "modelwatch tests need: ${need[*]} (Debian packages); install them as root" >&2
    exit 0
  fi
fi
echo "installing Debian packages: ${need[*]}" >&2
$SUDO apt-get update -qq >/dev/null &&
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null ||
  echo "warning: apt-get install ${need[*]} failed; the tests that need them will fail" >&2
exit 0
