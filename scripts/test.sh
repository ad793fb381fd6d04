#!/usr/bin/env bash
# Runs every test: gtest unit tests through ctest, then the black-box pytest suite against the
# built binary. Ends with one summary line.
set -uo pipefail
build=${1:-build}
cd "$(dirname "$0")/.."
(cd "$build" && ctest --output-on-failure -j 2)
unit_rc=$?
(cd tests && TESSERA_BIN="$PWD/../$build/tessera-server" /usr/bin/python3 -m pytest -q -p no:cacheprovider)
bb_rc=$?
if [ $unit_rc -ne 0 ] || [ $bb_rc -ne 0 ]; then
  echo "test: FAILED (unit rc=$unit_rc, black-box rc=$bb_rc)"
  exit 1
fi
echo "test: all unit and black-box tests passed"
