#!/usr/bin/env bash
# Installs what the build (and, with --test, --bench or --screenshots, the tests, benchmarks
# and page screenshots) need on
# Debian, when it is missing. Safe to run again: it installs nothing that is present.
set -euo pipefail

mode=${1:-build}
debs=(libsqlite3-dev libxml2-dev libarchive-dev pkg-config)
pips=()
case "$mode" in
  build) ;;
  --test) debs+=(postgresql libxml2-utils python3 python3-pip zstd curl); pips+=(rfc8785 junitparser xunitparser bagit cryptography jsonschema securesystemslib in-toto-attestation) ;;
  --bench) debs+=(python3 python3-pip hyperfine zstd time wrk nginx curl); pips+=(bagit) ;;
  --screenshots) debs+=(chromium fonts-dejavu-core) ;;
  *) echo "usage: $0 [--test|--bench|--screenshots]" >&2; exit 2 ;;
esac

if ! command -v swift >/dev/null 2>&1; then
  echo "setup: the Swift 6 toolchain is needed (swift not on PATH); see https://swift.org/install" >&2
  exit 1
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
    echo "setup: not root and no sudo; install as root: apt-get install ${debs[*]}" >&2
  fi
fi

missing=()
for package in "${debs[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
  [ "$status" = "install ok installed" ] || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

for package in "${pips[@]}"; do
  module=${package//-/_}
  if ! python3 -c "import $module" >/dev/null 2>&1; then
    echo "setup: installing Python package $package"
    python3 -m pip install --quiet --disable-pip-version-check "$package" 2>/dev/null \
      || python3 -m pip install --quiet --disable-pip-version-check --break-system-packages "$package"
  fi
done
