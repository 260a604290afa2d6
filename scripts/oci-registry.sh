#!/usr/bin/env bash
# Installs the OCI registry the distribution tests push to and pull from, idempotently:
# Debian's `docker-registry` (the CNCF distribution registry, /usr/bin/docker-registry). The
# tests start their own instances on loopback ports with temporary storage; they do not use the
# package's own service (which systemd would start on :5000; here policy-rc.d keeps it off).
set -euo pipefail

if ! dpkg -s docker-registry 2>/dev/null | grep -q '^Status: install ok installed'; then
  echo "==> installing docker-registry (Debian package)"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends docker-registry
fi
command -v docker-registry >/dev/null 2>&1 || { echo "docker-registry missing after install" >&2; exit 1; }
