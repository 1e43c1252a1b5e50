#!/bin/sh
# Refreshes docs/img/compare-report.png, the README's picture of the HTML
# difference report: the compromised-admin scenario rendered by
# `entrasnap compare --format html` and shot by headless Chromium, through
# the same test that checks the page (native/cli/tests/compare_html.rs).
set -e
cd "$(dirname "$0")/.."
sh scripts/ensure-chromium.sh
[ -x /usr/bin/chromium ] || { echo "no /usr/bin/chromium: cannot take the screenshot" >&2; exit 1; }
mkdir -p docs/img
ENTRASNAP_SCREENSHOT="$PWD/docs/img/compare-report.png" \
    cargo test -p entrasnap-cli --test cli compare_html -- --nocapture
echo "wrote docs/img/compare-report.png"
