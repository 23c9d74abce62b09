#!/usr/bin/env bash
# The container image's application tree: the bundled CLI and web UI, the package files, and the production
# dependencies as built here (better-sqlite3 compiled for this glibc and Node.js). The Dockerfile's build
# stage runs this script, and CI runs it into a temporary folder to test the image's contents where no
# image can be built (test/e2e/runtime-tree.e2e.test.ts). Usage: scripts/runtime-tree.sh DEST
set -euo pipefail
cd "$(dirname "$0")/.."
dest="${1:?usage: scripts/runtime-tree.sh DEST}"
[ -f dist/cli/bin.js ] && [ -f dist/web/index.html ] || { echo "build first: npm run build" >&2; exit 1; }
rm -rf "$dest"
mkdir -p "$dest/dist"
cp -R dist/cli dist/web "$dest/dist/"
cp -R package.json package-lock.json LICENSE examples "$dest/"
# The folder's contents, not the link where node_modules is one (a second worktree's): pruning a copied
# link would prune the tree it points at.
mkdir -p "$dest/node_modules"
cp -R node_modules/. "$dest/node_modules/"
# Only what runs: dev dependencies (the compiler, the test tools, the browser driver) go.
(cd "$dest" && npm prune --omit=dev --ignore-scripts --no-audit --no-fund >/dev/null)
