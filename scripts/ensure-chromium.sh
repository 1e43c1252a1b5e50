#!/bin/sh
# Installs Debian's chromium for the headless check of the HTML difference
# report (native/cli/tests/compare_html.rs), when it is missing and apt-get can
# install it. Idempotent and quiet: prints one line only when it installs or
# cannot. Never fails the caller: without chromium that test fails in CI (CI set)
# and says so in one line elsewhere.
[ -x /usr/bin/chromium ] && exit 0
command -v apt-get >/dev/null 2>&1 || { echo "chromium: not installed and no apt-get; the HTML screenshot test fails in CI"; exit 0; }
if [ "$(id -u)" -eq 0 ]; then
    SUDO=
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO="sudo -n"
else
    echo "chromium: not installed and no root to install it; the HTML screenshot test fails in CI"
    exit 0
fi
echo "chromium: installing Debian's chromium for the HTML report check (once)"
export DEBIAN_FRONTEND=noninteractive
if ! $SUDO apt-get install -y -q chromium >/tmp/ensure-chromium.log 2>&1; then
    # The package lists may be stale or absent: refresh them once and retry.
    $SUDO apt-get update -q >>/tmp/ensure-chromium.log 2>&1
    $SUDO apt-get install -y -q chromium >>/tmp/ensure-chromium.log 2>&1 ||
        echo "chromium: install failed (see /tmp/ensure-chromium.log); the HTML screenshot test fails in CI"
fi
exit 0
