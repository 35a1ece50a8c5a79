#!/usr/bin/env bash
# fuzz-count.sh — runs the model-loader fuzzer (make fuzz, FUZZ_SECONDS, default 60) and the
# importers' (FUZZ_IMPORT_SECONDS, default 30), and prints "fuzz: 1 passed, 0 failed" if they
# found no crash, leak, hang or wrong kind of error.
set -u
cd "$(dirname "$0")/.."
if make --no-print-directory fuzz; then
  echo "fuzz: 1 passed, 0 failed"
else
  echo "fuzz: failing inputs are saved as build/fuzz-crash-*, build/fuzz-leak-*, build/fuzz-timeout-* (reproduce: ./build/fuzz-model-load FILE) and build/fuzz-importer-*"
  echo "fuzz: 0 passed, 1 failed"
  exit 1
fi
