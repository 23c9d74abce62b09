// 200 applies to each kind of target, one after another as people apply them, in-process through the
// service: a Git repository in push mode (a local bare repository, so the network is not measured) and a
// cluster (the test API server, bundled here). Prints per-apply latency and what dominates it.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultRouting } from '../dist/src/domain/notification-routes.js';
import { defaultSettings } from '../dist/src/domain/settings.js';
import { localActor } from '../dist/src/service/actor.js';
import { targetSet } from '../dist/src/service/targets.js';
import { createWaiver } from '../dist/src/service/waiver.js';
import { openSqliteStore } from '../dist/src/store/open-sqlite.js';
import { GitTarget } from '../dist/src/targets/git/git-target.js';
import { KubernetesTarget } from '../dist/src/targets/kubernetes/kubernetes-target.js';
import { systemScheduler } from '../dist/src/system/system-scheduler.js';
import { loadKubeConfig } from '../dist/src/targets/kubernetes/kube-config.js';
import { loadTestApiServer } from './support/test-api-server.mjs';
import { benchSize, scaled } from './support/size.mjs';

const COUNT = benchSize(200, 10);
const dir = mkdtempSync(join(tmpdir(), 'waiver-bench-targets-'));
const git = (cwd, args) =>
  execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });

const FakeKubeApiServer = await loadTestApiServer();

/** COUNT approved exceptions in a fresh store, then each applied in turn; the latency of each apply. */
async function applies(name, member) {
  const { store, as, ids } = await approvedExceptions(name, member);
  const latencies = [];
  for (const id of ids) {
    const started = performance.now();
    const { exception } = await as('carol').apply(id);
    latencies.push(performance.now() - started);
    if (exception.syncStatus !== 'synced') throw new Error(`${id}: ${exception.syncError}`);
  }
  await store.close();
  return latencies.sort((a, b) => a - b);
}

/** The same COUNT applied as one batch (`apply --all-approved`): the time for all of them. */
async function batchApply(name, member) {
  const { store, as, ids } = await approvedExceptions(name, member);
  const started = performance.now();
  const report = await as('carol').batch('apply', ids);
  const ms = performance.now() - started;
  if (report.items.some((i) => !i.ok || i.exception.syncStatus !== 'synced'))
    throw new Error('a batch apply failed');
  await store.close();
  return ms;
}

async function approvedExceptions(name, member) {
  const store = await openSqliteStore(join(dir, `${name}.db`));
  const deps = {
    store,
    targets: targetSet([member]),
    notifications: defaultRouting,
    clock: { now: () => Date.parse('2026-12-01T09:00:00Z') },
    settings: defaultSettings,
    instance: 'bench',
  };
  const as = (who) => createWaiver(deps, localActor(who));
  const ids = [];
  for (let i = 0; i < COUNT; i++) {
    const { exception } = await as('alice').request({
      namespaces: ['payments'],
      names: [`svc-${i}-*`],
      category: 'legacy-migration',
      ticket: `MIG-${i}`,
      reason: 'Legacy payments images move to the signed pipeline this month',
      expires: '20d',
    });
    await as('bob').approve(exception.id);
    ids.push(exception.id);
  }
  return { store, as, ids };
}

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const ms = (v) => `${v.toFixed(1)} ms`;
const line = (label, sorted) =>
  console.log(
    `${label.padEnd(22)} median ${ms(pct(sorted, 50)).padStart(9)}  p95 ${ms(pct(sorted, 95)).padStart(9)}  total ${(sorted.reduce((a, b) => a + b, 0) / 1000).toFixed(1)} s`,
  );

// The Git target: a bare repository with one commit, and Waiver's clone of it.
const remote = join(dir, 'remote.git');
git(dir, ['init', '--quiet', '--bare', '--initial-branch=main', remote]);
const seed = join(dir, 'seed');
git(dir, ['clone', '--quiet', remote, seed]);
writeFileSync(join(seed, 'README.md'), 'gitops\n');
git(seed, ['add', '.']);
git(seed, ['-c', 'user.name=b', '-c', 'user.email=b@x', 'commit', '--quiet', '-m', 'initial']);
git(seed, ['push', '--quiet', 'origin', 'HEAD:main']);
const repository = (path, workdir) => ({
  repository: remote,
  branch: 'main',
  path,
  workdir: join(dir, workdir),
  sshKeyFile: undefined,
  token: undefined,
  author: { name: 'Waiver', email: 'waiver@example.com' },
  timeoutMs: 60_000,
  pullRequests: undefined,
});
const gitTarget = new GitTarget(
  'gitops',
  {
    repository: remote,
    branch: 'main',
    path: 'policy-exceptions',
    workdir: join(dir, 'clone'),
    sshKeyFile: undefined,
    token: undefined,
    author: { name: 'Waiver', email: 'waiver@example.com' },
    timeoutMs: 60_000,
    pullRequests: undefined,
  },
  systemScheduler,
);
const gitLatency = await applies('git', { name: 'gitops', kind: 'git', target: gitTarget });
const commitsOneByOne = Number(git(remote, ['rev-list', '--count', 'main']).trim()) - 1;
const gitBatch = await batchApply('git-batch', {
  name: 'gitops',
  kind: 'git',
  target: new GitTarget('gitops', repository('batch', 'clone-batch'), systemScheduler),
});
const commitsInBatch = Number(git(remote, ['rev-list', '--count', 'main']).trim()) - 1 - commitsOneByOne;

// What one git process costs here: each push-mode apply runs three (add, commit, push; bench/git-apply.mjs
// counts them), and fetches only when its push is refused.
const spawns = [];
for (let i = 0; i < 50; i++) {
  const started = performance.now();
  spawnSync('git', ['rev-parse', 'HEAD'], { cwd: join(dir, 'clone') });
  spawns.push(performance.now() - started);
}
spawns.sort((a, b) => a - b);

// The cluster target: server-side apply against the test API server.
const api = await new FakeKubeApiServer().start();
for (const ns of ['policy-exceptions', 'payments']) api.seed('v1', 'Namespace', { metadata: { name: ns } });
mkdirSync(join(dir, 'kube'), { recursive: true });
writeFileSync(join(dir, 'kube', 'config'), api.kubeconfig());
const kc = loadKubeConfig({ kubeconfig: join(dir, 'kube', 'config') });
const clusterTarget = new KubernetesTarget(kc, systemScheduler, 'v2', {
  attempts: 3,
  backoffMs: 50,
  maxBackoffMs: 1000,
  timeoutMs: 10_000,
});
const clusterLatency = await applies('cluster', { name: 'prod-eu', kind: 'cluster', target: clusterTarget });
for (const o of api.list('policyexceptions'))
  api.erase('policyexceptions', o.metadata.namespace, o.metadata.name);
const clusterBatch = await batchApply('cluster-batch', {
  name: 'prod-eu',
  kind: 'cluster',
  target: clusterTarget,
});
await api.stop();

console.log(
  `${COUNT} applies, one after another (apply = store transaction + target write + outcome recorded)`,
);
line('git (push mode)', gitLatency);
line('cluster (server-side)', clusterLatency);
const perSpawn = pct(spawns, 50);
console.log(
  `git: ${commitsOneByOne} commits pushed one by one; one git process costs ${ms(perSpawn)} here, so the three per apply take ~${ms(3 * perSpawn)} of its ${ms(pct(gitLatency, 50))} (${Math.round((300 * perSpawn) / pct(gitLatency, 50))}%)`,
);
console.log(
  'cluster: one HTTP round trip to the API server per apply, plus the store transactions on both sides',
);
console.log(`${COUNT} applies as one batch (apply --all-approved; 16 target writes at a time)`);
console.log(
  `${'git (push mode)'.padEnd(22)} ${(gitBatch / 1000).toFixed(1)} s, ${ms(gitBatch / COUNT)} an apply: the writes that wait while a push is under way go in its next commit (${commitsInBatch} commits)`,
);
console.log(
  `${'cluster (server-side)'.padEnd(22)} ${(clusterBatch / 1000).toFixed(1)} s, ${ms(clusterBatch / COUNT)} an apply`,
);
rmSync(dir, { recursive: true, force: true });
