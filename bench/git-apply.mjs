// One push-mode apply to a Git repository, against what a person types for the same change: write the
// file, `git add`, `git commit`, `git push`. Waiver applies through the built CLI (`waiver apply ID`, a
// process of its own each time) and through a running `waiver serve` (`POST /api/v1/exceptions/ID/apply`:
// its start-up and its clone paid once). Each pushes to a local bare repository of its own (the network
// is not measured), in interleaved rounds. Then a batch of SIZE applies in one command, and the commits it
// made. `node bench/git-apply.mjs [SIZE] [--tiny]` (SIZE: the batch, default 200).
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultRouting } from '../dist/src/domain/notification-routes.js';
import { defaultSettings } from '../dist/src/domain/settings.js';
import { localActor } from '../dist/src/service/actor.js';
import { targetSet } from '../dist/src/service/targets.js';
import { createWaiver } from '../dist/src/service/waiver.js';
import { openSqliteStore } from '../dist/src/store/open-sqlite.js';
import { GitTarget } from '../dist/src/targets/git/git-target.js';
import { goal, rounds, summary } from './support/goal.mjs';
import { benchSize, scaled } from './support/size.mjs';
import { startWaiver } from './support/waiver-server.mjs';
import { systemScheduler } from '../dist/src/system/system-scheduler.js';

const BATCH = benchSize(200, 20);
const ROUNDS = scaled(15, 5);
const bin = fileURLToPath(new URL('../dist/cli/bin.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'waiver-bench-git-'));
const identity = {
  GIT_AUTHOR_NAME: 'p',
  GIT_AUTHOR_EMAIL: 'p@x',
  GIT_COMMITTER_NAME: 'p',
  GIT_COMMITTER_EMAIL: 'p@x',
};
const git = (cwd, args) =>
  execFileSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, ...identity }, stdio: 'pipe' });
const elapsed = (started) => Number(process.hrtime.bigint() - started) / 1e6;
/**
 * The processor time (user and system) this process's finished children have used, in ms, from
 * /proc/self/stat (Linux; undefined elsewhere). On a shared machine wall time swings with the load; the
 * processor time a command takes does not.
 */
function childrenCpuMs() {
  let stat;
  try {
    stat = readFileSync('/proc/self/stat', 'utf8');
  } catch {
    return undefined;
  }
  // Fields after the command name, which is in parentheses: cutime and cstime are the 14th and 15th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[13]) + Number(fields[14])) * 1000) / TICKS_PER_SECOND;
}
const TICKS_PER_SECOND = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();
/** Processor time of the children each measure ran, summed over the rounds: ms by measure. */
const cpu = { hand: 0, node: 0, get: 0, apply: 0 };
/** Runs `work`, adding its children's processor time to cpu[key]; answers what `work` answers. */
const counted = (key, work) => {
  const before = childrenCpuMs();
  const result = work();
  const after = childrenCpuMs();
  if (before !== undefined && after !== undefined) cpu[key] += after - before;
  return result;
};

/** A bare repository with one commit on main, as a GitOps remote is. */
function remote(name) {
  const url = join(dir, `${name}.git`);
  git(dir, ['init', '--quiet', '--bare', '--initial-branch=main', url]);
  const seed = join(dir, `${name}-seed`);
  mkdirSync(seed);
  git(seed, ['init', '--quiet', '--initial-branch=main']);
  writeFileSync(join(seed, 'README.md'), 'synced by Argo CD\n');
  git(seed, ['add', '.']);
  git(seed, ['commit', '--quiet', '-m', 'initial']);
  git(seed, ['push', '--quiet', url, 'HEAD:main']);
  return url;
}
const commitsOn = (url) => Number(git(url, ['rev-list', '--count', 'main']).trim());

// Waiver: a configuration with one Git target in push mode, and approved exceptions in its database.
const waiverRemote = remote('waiver');
const db = join(dir, 'waiver.db');
const config = join(dir, 'waiver.yaml');
writeFileSync(
  config,
  [
    `database: ${db}`,
    'defaultTarget: gitops',
    'targets:',
    '  gitops:',
    '    git:',
    `      repository: ${waiverRemote}`,
    '      branch: main',
    '      path: policy-exceptions',
    `      workdir: ${join(dir, 'clone')}`,
    '',
  ].join('\n'),
);
const ids = await approved(4 + 2 * ROUNDS + BATCH);
const env = { ...process.env, WAIVER_CONFIG: config, WAIVER_USER: 'carol' };
const waiver = (args, extraEnv = {}) => {
  const run = spawnSync(process.execPath, [bin, ...args], { env: { ...env, ...extraEnv }, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`waiver ${args.join(' ')}: ${run.stderr}`);
  return run.stdout;
};

/** Approved exceptions on the target gitops, requested and approved through the service. */
async function approved(count) {
  const store = await openSqliteStore(db);
  const target = new GitTarget(
    'gitops',
    {
      repository: waiverRemote,
      branch: 'main',
      path: 'policy-exceptions',
      workdir: join(dir, 'clone'),
      sshKeyFile: undefined,
      token: undefined,
      author: { name: 'Waiver', email: 'waiver@localhost' },
      timeoutMs: 60_000,
      pullRequests: undefined,
    },
    systemScheduler,
  );
  const deps = {
    store,
    targets: targetSet([{ name: 'gitops', kind: 'git', target }]),
    notifications: defaultRouting,
    clock: { now: () => Date.now() },
    settings: defaultSettings,
    instance: 'bench',
  };
  const list = [];
  for (let i = 0; i < count; i++) {
    const { exception } = await createWaiver(deps, localActor('alice')).request({
      namespaces: ['payments'],
      names: [`svc-${i}-*`],
      category: 'legacy-migration',
      ticket: `MIG-${i}`,
      reason: 'Legacy payments images move to the signed pipeline this month',
      expires: '20d',
    });
    list.push(exception.id);
  }
  await createWaiver(deps, localActor('bob')).batch('approve', list);
  await store.close();
  return list;
}

// The hand-run anchor: a person's clone of a remote of its own, one file written and pushed per round.
const personRemote = remote('person');
const person = join(dir, 'person');
git(dir, ['clone', '--quiet', personRemote, person]);
mkdirSync(join(person, 'policy-exceptions', 'payments'), { recursive: true });
const byHand = (i) => {
  const started = process.hrtime.bigint();
  const file = join('policy-exceptions', 'payments', `svc-${i}.yaml`);
  writeFileSync(
    join(person, file),
    `apiVersion: kyverno.io/v2\nkind: PolicyException\nmetadata: {name: svc-${i}}\n`,
  );
  for (const args of [
    ['add', '--', file],
    ['commit', '--quiet', '-m', `apply svc-${i}`],
    ['push', '--quiet', 'origin', 'HEAD:main'],
  ]) {
    const run = spawnSync('git', args, { cwd: person, env: { ...process.env, ...identity } });
    if (run.status !== 0) throw new Error(`git ${args[0]}: ${run.stderr}`);
  }
  return elapsed(started);
};

/** `waiver serve` on this configuration, its loops off (they would fetch while applies are timed). */
const ADMIN = 'bench-admin-token-0123456789abcdefghijklmnop';
const server = await startWaiver(undefined, ['--no-sweep'], { ...env, WAIVER_ADMIN_TOKEN: ADMIN });
// A round that throws still stops the server.
process.on('exit', () => server.child.kill());
/** POST …/ID/apply on a connection of its own: a kept-alive one may be closed by the server as it is reused. */
const applyOverHttp = (id) =>
  new Promise((resolve, reject) => {
    const request = httpRequest(
      `${server.url}/api/v1/exceptions/${id}/apply`,
      {
        method: 'POST',
        agent: false,
        headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (d) => (text += d));
        response.on('end', () => {
          const synced = response.statusCode === 200 && JSON.parse(text).exception?.syncStatus === 'synced';
          if (synced) resolve();
          else reject(new Error(`apply ${id} over HTTP: ${response.statusCode} ${text}`));
        });
      },
    );
    request.on('error', reject);
    request.end('{}');
  });

// The first apply clones the repository (once per installation), the server's first opens its clone: not
// rounds.
waiver(['apply', ids[0]]);
await applyOverHttp(ids[1]);
byHand(0);
const measured = [];
const served = [];
const anchor = [];
// A command that reads the configuration and the store as apply does, and runs no git: a CLI's floor.
const floor = [];
// A cold Node process that does nothing (`node -e 0`), each round: any CLI written for Node starts at least
// this much later than git does; the hand-run sequence plus it is the least a cold `waiver apply` could take.
const nodeStart = [];
await rounds(ROUNDS, async (i) => {
  anchor.push(counted('hand', () => byHand(i + 1)));
  let started = process.hrtime.bigint();
  counted('node', () => {
    if (spawnSync(process.execPath, ['-e', '0']).status !== 0) throw new Error('node -e 0 failed');
  });
  nodeStart.push(elapsed(started));
  started = process.hrtime.bigint();
  counted('get', () => waiver(['get', ids[0]]));
  floor.push(elapsed(started));
  started = process.hrtime.bigint();
  counted('apply', () => waiver(['apply', ids[2 + 2 * i]]));
  measured.push(elapsed(started));
  started = process.hrtime.bigint();
  await applyOverHttp(ids[3 + 2 * i]);
  served.push(elapsed(started));
});
server.child.kill();

// How many git commands one apply runs: git on the PATH is a shim that notes each one, for one more apply.
const shims = join(dir, 'shims');
mkdirSync(shims);
const calls = join(dir, 'git-calls');
const realGit = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();
writeFileSync(
  join(shims, 'git'),
  `#!/bin/sh\n(while [ "$1" = -c ]; do shift 2; done; echo "$1" >> '${calls}')\nexec '${realGit}' "$@"\n`,
);
chmodSync(join(shims, 'git'), 0o755);
waiver(['apply', ids[2 + 2 * ROUNDS]], { PATH: `${shims}:${process.env.PATH}` });
const gitCalls = readFileSync(calls, 'utf8').trim().split('\n');

// What one apply syncs to disk, when strace is here to count it: git's processes apart from Waiver's own.
let fsyncs = 'not counted (no strace here)';
const traced = join(dir, 'fsyncs');
const strace = spawnSync(
  'strace',
  [
    '-f',
    '-y',
    '-e',
    'trace=fsync,fdatasync,execve',
    '-o',
    traced,
    process.execPath,
    bin,
    'apply',
    ids[3 + 2 * ROUNDS],
  ],
  { env, encoding: 'utf8' },
);
if (strace.status === 0) {
  const lines = readFileSync(traced, 'utf8').split('\n');
  const pid = (line) => line.split(' ')[0];
  const gits = new Set(lines.filter((l) => /execve\("[^"]*\/git[^"/]*"/.test(l)).map(pid));
  const synced = lines.filter((l) => /\b(fsync|fdatasync)\(/.test(l));
  const own = synced.filter((l) => !gits.has(pid(l)));
  const files = own.map((l) => /<([^>]*)>/.exec(l)?.[1]?.replace(dir, '.') ?? '?');
  fsyncs = `${own.length} by Waiver (${files.join(', ')}), ${synced.length - own.length} by git`;
} else if (strace.error === undefined) throw new Error(`apply under strace: ${strace.stderr}`);

// A batch: SIZE ids in one command, their writes waiting for the push under way go in its next commit.
const before = commitsOn(waiverRemote);
const batchIds = ids.slice(4 + 2 * ROUNDS);
const batchStarted = process.hrtime.bigint();
waiver(['apply', ...batchIds]);
const batchMs = elapsed(batchStarted);
const batchCommits = commitsOn(waiverRemote) - before;
const onMain = git(waiverRemote, ['ls-tree', '-r', '--name-only', 'main', 'policy-exceptions/'])
  .trim()
  .split('\n').length;
if (onMain !== ids.length) throw new Error(`${onMain} files on main, ${ids.length} applied`);

console.log(
  `one apply ran git ${gitCalls.length} times (${gitCalls.join(', ')}); by hand: add, commit, push`,
);
const ms = (figures) => `${summary(figures).median.toFixed(0)} ms`;
console.log(`one apply synced to disk: ${fsyncs}`);
if (childrenCpuMs() !== undefined) {
  const per = (key) => cpu[key] / ROUNDS;
  const times = (key) => `${(per(key) / per('hand')).toFixed(1)}×`;
  console.log(
    `processor time a round (user + system, git's processes included, mean of ${ROUNDS}; ticks of ` +
      `${(1000 / TICKS_PER_SECOND).toFixed(0)} ms): by hand ${per('hand').toFixed(0)} ms; ` +
      `\`node -e 0\` ${per('node').toFixed(0)} ms (${times('node')} the hand-run); ` +
      `\`waiver get ID\` ${per('get').toFixed(0)} ms; \`waiver apply ID\` ${per('apply').toFixed(0)} ms (${times('apply')})`,
  );
}
console.log(
  `a CLI command that opens the configuration and the store and runs no git (\`waiver get ID\`): ${ms(floor)}; ` +
    `apply beyond it: ${(summary(measured).median - summary(floor).median).toFixed(0)} ms, by hand: ${ms(anchor)}; ` +
    `a cold \`node -e 0\`: ${ms(nodeStart)}`,
);
console.log(
  `${BATCH} applies in one command: ${(batchMs / 1000).toFixed(1)} s, ${batchCommits} commits (the batch is one commit, ` +
    `each change named by its trailers)`,
);
goal({
  name: 'Git push-mode `apply ID` (built CLI)',
  unit: 'ms',
  measured,
  anchor,
  anchorName: 'write, git add, commit, push by hand',
  target: '≤ 1.5× by hand',
  met: summary(measured).median <= 1.5 * summary(anchor).median,
});
// The same figures against the hand-run sequence plus a cold Node's start, round by round: what part of the
// ratio above is Waiver's own, and what part any Node CLI pays before its first line runs. No goal of its own.
goal({
  name: 'Git push-mode `apply ID` (built CLI), against the hand-run sequence plus `node -e 0`',
  unit: 'ms',
  measured,
  anchor: anchor.map((ms, i) => ms + nodeStart[i]),
  anchorName: 'by hand + node -e 0 of the same round',
  target: 'none: shows the floor of a cold Node process',
});
// That floor against the hand-run alone: a cold CLI on Node that runs the git commands a person runs cannot
// come nearer the hand-run than this ratio, whatever it does itself. No goal of its own.
goal({
  name: 'The floor of a cold Node CLI: the hand-run sequence plus `node -e 0`',
  unit: 'ms',
  measured: anchor.map((ms, i) => ms + nodeStart[i]),
  anchor,
  anchorName: 'write, git add, commit, push by hand',
  target: 'none: the least a cold `waiver apply` could take, against the goal above',
});
goal({
  name: 'Git push-mode apply in `serve` (HTTP)',
  unit: 'ms',
  measured: served,
  anchor,
  anchorName: 'write, git add, commit, push by hand',
  target: '≤ 1.5× by hand',
  met: summary(served).median <= 1.5 * summary(anchor).median,
});
goal({
  name: `Git push-mode batch of ${BATCH} applies: commits`,
  unit: 'commits',
  measured: [batchCommits],
  target: '≤ 12 commits',
  met: batchCommits <= 12,
});
rmSync(dir, { recursive: true, force: true });
