#!/usr/bin/env bash
# jest-count.sh — runs jest (native ESM) and prints "jest: N passed, N failed" from its JSON
# report; a test file that fails to load counts as a failure.
set -u
cd "$(dirname "$0")/.."
mkdir -p build
rm -f build/jest.json
node --experimental-vm-modules node_modules/jest/bin/jest.js --json --outputFile=build/jest.json "$@"
rc=$?
node -e '
  const fs = require("fs");
  if (!fs.existsSync("build/jest.json")) { console.log("jest: 0 passed, 1 failed"); process.exit(0); }
  const r = JSON.parse(fs.readFileSync("build/jest.json", "utf8"));
  console.log(`jest: ${r.numPassedTests} passed, ${r.numFailedTests + r.numRuntimeErrorTestSuites} failed`);
'
exit $rc
