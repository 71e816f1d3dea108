#!/usr/bin/env bash
# The project's test command (README): checks the system libraries, then runs every test target.
set -euo pipefail
cd "$(dirname "$0")/.."
for lib in libsodium libcrypto; do
  if ! pkg-config --exists "$lib" 2>/dev/null; then
    echo "test: $lib not found by pkg-config. Run: bash scripts/setup.sh" >&2
    exit 2
  fi
done
swift build --build-tests
swift test --skip-build
