// 200 applies to a cluster (issue 10's goal: at most kubectl's time), side by side against the test API
// server (test/support/kube/fake-api-server.ts, bundled here; it is checked against the real kubectl by
// the tests): `kubectl apply -f dir/` of the 200 rendered manifests, and `waiver apply --all-approved`
// of the same 200 approved exceptions, each a cold process against its own fresh server, ROUNDS times.
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { manifestToYaml, renderPolicyException } from '../dist/src/domain/render.js';
import { defaultSettings } from '../dist/src/domain/settings.js';
import { localActor } from '../dist/src/service/actor.js';
import { createWaiver } from '../dist/src/service/waiver.js';
import { targetSet } from '../dist/src/service/targets.js';
import { openSqliteStore } from '../dist/src/store/open-sqlite.js';
import { defaultRouting } from '../dist/src/domain/notification-routes.js';
import { loadTestApiServer } from './support/test-api-server.mjs';
import { benchSize, scaled } from './support/size.mjs';

const COUNT = benchSize(200, 10);
const ROUNDS = scaled(5, 1);
const KUBECTL = process.env.KUBECTL ?? 'kubectl';
const dir = mkdtempSync(join(tmpdir(), 'waiver-bench-apply-'));
const here = (path) => fileURLToPath(new URL(path, import.meta.url));

const FakeKubeApiServer = await loadTestApiServer();

async function freshCluster(name, writeLatencyMs) {
  const api = await new FakeKubeApiServer().start();
  api.writeLatencyMs = writeLatencyMs;
  for (const ns of ['policy-exceptions', 'payments', 'kyverno'])
    api.seed('v1', 'Namespace', { metadata: { name: ns } });
  api.seed('apiextensions.k8s.io/v1', 'CustomResourceDefinition', {
    metadata: { name: 'policyexceptions.kyverno.io' },
    spec: { versions: [{ name: 'v2', served: true }] },
  });
  const kubeconfig = join(dir, `${name}.kubeconfig`);
  writeFileSync(kubeconfig, api.kubeconfig());
  return { api, kubeconfig };
}

// 200 approved exceptions, and their manifests as files for kubectl.
const seeded = join(dir, 'approved.db');
const deps = {
  store: await openSqliteStore(seeded),
  // Recorded for the cluster the CLI finds in the test server's kubeconfig (its context is named "test").
  targets: targetSet([
    {
      name: 'test',
      kind: 'cluster',
      target: {
        description: 'none',
        capabilities: { observable: false, proposals: false, batches: false },
        write: async () => {},
        remove: async () => {},
        list: async () => [],
        proposalState: async () => ({ state: 'merged' }),
      },
    },
  ]),
  notifications: defaultRouting,
  clock: { now: () => Date.now() },
  settings: defaultSettings,
  instance: 'bench',
};
const [alice, bob] = ['alice', 'bob'].map((n) => createWaiver(deps, localActor(n)));
const ids = [];
for (let i = 0; i < COUNT; i++) {
  const { exception } = await alice.request({
    namespaces: ['payments'],
    names: [`app-${i}-*`],
    category: 'legacy-migration',
    ticket: `MIG-${i}`,
    reason: 'Legacy images move to the signed pipeline during the migration',
    expires: '20d',
  });
  ids.push(exception.id);
}
await bob.batch('approve', ids);
const manifests = join(dir, 'manifests');
mkdirSync(manifests);
for (const record of await deps.store.listExceptions({ states: ['approved'] }))
  writeFileSync(
    join(manifests, `${record.name}.yaml`),
    manifestToYaml(renderPolicyException({ ...record, state: 'active', applier: 'carol' }, defaultSettings)),
  );
await deps.store.close();

/** Runs a process to its end without blocking this one: the API server answers from this process. */
function timed(command, args, env) {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(command, args, { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    child.on('close', (code) => {
      const ms = performance.now() - start;
      if (code !== 0) reject(new Error(`${command} ${args.join(' ')}: ${stderr.slice(0, 600)}`));
      else resolve({ ms, lines: stdout.trim().split('\n').length });
    });
  });
}

/** ROUNDS of kubectl and Waiver, each against a fresh server whose writes take `writeLatencyMs`. */
async function compare(writeLatencyMs) {
  const kubectlMs = [];
  const waiverMs = [];
  for (let round = 0; round < ROUNDS; round++) {
    const forKubectl = await freshCluster(`kubectl-${round}`, writeLatencyMs);
    // The test server serves no OpenAPI document, so kubectl skips client-side validation (which on a
    // real cluster costs it one more download): in kubectl's favour.
    const k = await timed(KUBECTL, [
      'apply',
      '-f',
      manifests,
      '--validate=false',
      '--kubeconfig',
      forKubectl.kubeconfig,
    ]);
    kubectlMs.push(k.ms);
    await forKubectl.api.stop();

    const forWaiver = await freshCluster(`waiver-${round}`, writeLatencyMs);
    const db = join(dir, `waiver-${round}.db`);
    copyFileSync(seeded, db);
    const w = await timed(
      process.execPath,
      [
        here('../dist/cli/bin.js'),
        'apply',
        '--all-approved',
        '-o',
        'name',
        '--kubeconfig',
        forWaiver.kubeconfig,
      ],
      { WAIVER_DB: db, WAIVER_USER: 'carol' },
    );
    const written = forWaiver.api.requests.filter((r) => r.method === 'PATCH').length;
    if (written !== COUNT) throw new Error(`waiver sent ${written} applies to the cluster, not ${COUNT}`);
    waiverMs.push(w.ms);
    if (w.lines !== COUNT || k.lines !== COUNT)
      throw new Error(`applied ${w.lines} and ${k.lines}, not ${COUNT}`);
    await forWaiver.api.stop();
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const list = (xs) => xs.map((x) => x.toFixed(0)).join(', ');
  console.log(`writes answered after ${writeLatencyMs} ms:`);
  console.log(
    `  kubectl apply -f dir/ (${COUNT} files)   median ${median(kubectlMs).toFixed(0)} ms  (${list(kubectlMs)})`,
  );
  console.log(
    `  waiver apply --all-approved (${COUNT})  median ${median(waiverMs).toFixed(0)} ms  (${list(waiverMs)})`,
  );
  console.log(
    `  waiver / kubectl: ${(median(waiverMs) / median(kubectlMs)).toFixed(2)} (goal: at most 1.00)`,
  );
}

// At once, as the test server answers; and after 2 ms, a fast etcd's commit on a real API server, where
// kubectl's one-after-another requests wait each time and Waiver's side-by-side ones wait together.
await compare(0);
await compare(2);
rmSync(dir, { recursive: true, force: true });
