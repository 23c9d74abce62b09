// The test API server (test/support/kube/fake-api-server.ts) for the benchmarks: it is TypeScript, so it is
// bundled once per run; the tests check it against the real kubectl.
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = (path) => fileURLToPath(new URL(path, import.meta.url));

export async function loadTestApiServer() {
  await build({
    entryPoints: [here('../../test/support/kube/fake-api-server.ts')],
    outfile: here('../../dist/bench/fake-api-server.mjs'),
    bundle: true,
    packages: 'external',
    format: 'esm',
    platform: 'node',
    logLevel: 'warning',
  });
  return (await import(here('../../dist/bench/fake-api-server.mjs'))).FakeKubeApiServer;
}
