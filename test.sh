#!/usr/bin/env bash
# Runs every test of EntraSnapshot: the Rust workspace (emulator, engine, C ABI
# driven from C, PowerShell files parsed with tree-sitter, the module's native
# declarations checked against the header) and Pester where pwsh exists.
# Needs only what a fresh machine of this project has: cargo and a C compiler.
#
#   ./test.sh           everything but the scale tests (CI runs this)
#   ./test.sh --scale   also the scale tests on the 100k-user tenant (minutes)
set -euo pipefail
cd "$(dirname "$0")"

if command -v pwsh >/dev/null 2>&1; then
  echo "pwsh found ($(command -v pwsh)): the Pester tests (Pester/*.Tests.ps1) run inside cargo test (tests/pester.rs)."
elif [ -n "${CI:-}" ]; then
  echo "error: pwsh is not on PATH: CI runs the Pester suite and fails without it (install PowerShell 7 and Pester 5)." >&2
  exit 1
else
  echo "pwsh not found: the Pester tests (Pester/*.Tests.ps1) are not run here; install PowerShell 7 and Pester 5 to run them. The module is still checked by the tree-sitter parse and native-declaration tests."
fi

# Headless Chromium checks the HTML difference report (Debian's chromium,
# installed here when missing and apt-get can run; the test says so otherwise).
sh scripts/ensure-chromium.sh

# One build for every target, with the features the tests resolve: it leaves
# the native library (libentrasnap.so, which `cargo test` alone does not link)
# and the emulator fresh in target/debug, so the C and Pester tests use them as
# they are instead of building one package again (other features, minutes of
# recompiling dependencies).
cargo build --workspace --all-targets
export ENTRASNAP_WORKSPACE_BUILT=1
if [ "${1:-}" = "--scale" ]; then
  cargo test --workspace --all-targets --no-fail-fast -- --include-ignored
else
  cargo test --workspace --all-targets --no-fail-fast
fi
