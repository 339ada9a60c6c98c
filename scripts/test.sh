#!/usr/bin/env bash
# Install everything the test suite needs on a fresh Debian machine, then run it.
# Used as-is by .ci/run. Safe to run again: every step skips what is present.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null; then SUDO=sudo; fi

# System tools: Chromium (browser tests), Java (Nu HTML Checker), xmllint, linkchecker.
need_apt=()
command -v chromium >/dev/null || need_apt+=(chromium)
command -v java >/dev/null || need_apt+=(default-jre-headless)
command -v xmllint >/dev/null || need_apt+=(libxml2-utils)
command -v linkchecker >/dev/null || need_apt+=(linkchecker)
command -v npm >/dev/null || need_apt+=(npm)
if [ ${#need_apt[@]} -gt 0 ]; then
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${need_apt[@]}"
fi

# Python: the project and its test extras.
python3 -m pip install -q --disable-pip-version-check -e '.[test]'

# npm tools, pinned, kept in .tools/ (git-ignored): Nu HTML Checker, axe-core, sitemap XSD,
# the CommonMark spec's examples.
if [ ! -f .tools/node_modules/vnu-jar/build/dist/vnu.jar ] || [ ! -f .tools/node_modules/axe-core/axe.min.js ] \
   || [ ! -f .tools/node_modules/sitemap/schema/sitemap.xsd ] || [ ! -f .tools/node_modules/commonmark-spec/spec.txt ]; then
  mkdir -p .tools
  (cd .tools && [ -f package.json ] || echo '{"private": true}' > package.json; \
   npm i -E --no-audit --no-fund --loglevel=error vnu-jar@26.9.27 axe-core@4.14.1 sitemap@9.0.1 \
       commonmark-spec@0.31.2)
fi

export BITEYE_TOOLS="$PWD/.tools"
set +e
python3 -m pytest "$@"
rc=$?
set -e
# pytest exits 5 when it collected nothing: that is a failure here, not a pass.
exit $rc
