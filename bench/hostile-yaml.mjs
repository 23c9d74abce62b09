// Hostile YAML (test/support/hostile-yaml.ts: nesting, an alias bomb, anchors, tags, documents, each under
// the 1 MiB limit): how long each takes to be refused, and what it costs in memory, by the linter in this
// process and by the bundled CLI's `lint` and `request -f` as processes. Budget: 2 s each. The tests check
// that each is refused without a memory spike; the time is measured here, where a loaded machine cannot
// turn it red.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { lintManifests } from '../dist/src/service/lint-manifests.js';
import { defaultSettings } from '../dist/src/domain/settings.js';
import { benchSize } from './support/size.mjs';

const BUDGET_MS = 2_000;
const here = (path) => fileURLToPath(new URL(path, import.meta.url));
await build({
  entryPoints: [here('../test/support/hostile-yaml.ts')],
  outfile: here('../dist/bench/hostile-yaml.mjs'),
  bundle: true,
  format: 'esm',
  platform: 'node',
  logLevel: 'warning',
});
const { hostileYaml } = await import(here('../dist/bench/hostile-yaml.mjs'));
const bin = here('../dist/cli/bin.js');
const dir = mkdtempSync(join(tmpdir(), 'waiver-bench-'));
const env = { PATH: process.env.PATH ?? '', HOME: dir, WAIVER_DB: join(dir, 'w.db'), WAIVER_USER: 'alice' };
const timed = (work) => {
  const t0 = performance.now();
  const result = work();
  return { ms: performance.now() - t0, result };
};
const deps = { clock: { now: () => Date.now() }, settings: defaultSettings };
let over = 0;
// The size is how many of the inputs to try, in order (all by default).
const inputs = hostileYaml.slice(0, benchSize(hostileYaml.length, 2));
for (const [name, text] of inputs) {
  const file = join(dir, 'hostile.yaml');
  writeFileSync(file, text);
  const rss = process.memoryUsage().rss;
  const inProcess = timed(() => lintManifests(deps, [{ file, text }]));
  const grew = (process.memoryUsage().rss - rss) / 1024 / 1024;
  const run = (args) => timed(() => spawnSync(process.execPath, [bin, ...args], { cwd: dir, env }));
  const lint = run(['lint', file, '-o', 'json']);
  const request = run(['request', '-f', file, '--category', 'vendor-image']);
  const worst = Math.max(inProcess.ms, lint.ms, request.ms);
  if (worst > BUDGET_MS) over++;
  console.log(
    `${name}: linter ${inProcess.ms.toFixed(0)} ms (+${grew.toFixed(0)} MB RSS), ` +
      `lint ${lint.ms.toFixed(0)} ms (exit ${lint.result.status}), request -f ${request.ms.toFixed(0)} ms ` +
      `(exit ${request.result.status})${worst > BUDGET_MS ? ` — over the ${BUDGET_MS} ms budget` : ''}`,
  );
}
rmSync(dir, { recursive: true, force: true });
console.log(`hostile YAML: ${inputs.length} inputs, ${over} over the ${BUDGET_MS} ms budget`);
