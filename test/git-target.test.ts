import { spawnSync } from 'node:child_process';
import { writeFileSync, rmSync, readFileSync, existsSync } from 'node:fs';
import { chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { GitRepository } from '../src/domain/git-repository.js';
import { defaultRouting } from '../src/domain/notification-routes.js';
import { defaultSettings } from '../src/domain/settings.js';
import { DAY_MS } from '../src/domain/time.js';
import { localActor } from '../src/service/actor.js';
import type { ServiceDeps } from '../src/service/deps.js';
import { targetSet } from '../src/service/targets.js';
import { createWaiver, type Waiver } from '../src/service/waiver.js';
import { openSqliteStore } from '../src/store/open-sqlite.js';
import { git, scrub } from '../src/targets/git/git-cli.js';
import { changeMessage, commitMessage } from '../src/targets/git/commit-message.js';
import { GitTarget } from '../src/targets/git/git-target.js';
import { withWorkdirLock } from '../src/targets/git/workdir-lock.js';
import { systemScheduler } from '../src/system/system-scheduler.js';
import { ManualScheduler } from './support/manual-scheduler.js';
import { FakeForge } from './support/git/fake-forge.js';
import { bareRepository, gitIn, pushSettings } from './support/git/repositories.js';
import { legacyRequest } from './support/requests.js';
import { ManualClock, useTempDir } from './support/temp.js';
import { eventually } from './support/eventually.js';
import { hasGit as gitRuns } from './support/prerequisites.js';

const hasGit = gitRuns();

const tempDir = useTempDir();
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

const FILE = 'clusters/prod/policy-exceptions/policy-exceptions/payments-api-mig-7.yaml';
const TOKEN = 'forge-secret-token';

/** A forge that answers is given minutes; the test shortens it only for the calls its forge never answers. */
const forgeDeadline = { ms: 120_000 };

function repositoryConfig(dir: string, url: string, workdir: string, forge?: FakeForge): GitRepository {
  return {
    ...pushSettings(url, join(dir, workdir)),
    pullRequests: forge && {
      forge: forge.kind,
      api: forge.url,
      project: 'platform/gitops',
      token: TOKEN,
      // Read at each call: minutes while the forge answers, a second only while it hangs.
      get timeoutMs() {
        return forgeDeadline.ms;
      },
    },
  };
}

/** The service with one Git target (`gitops`) on a fresh bare repository. */
async function world(options: { forge?: 'github' | 'gitlab'; workdir?: string } = {}) {
  const dir = tempDir();
  const remote = bareRepository(dir);
  const forge = options.forge ? await new FakeForge(TOKEN, options.forge).start() : undefined;
  if (forge) cleanups.push(() => forge.stop());
  const clock = new ManualClock(Date.parse('2026-12-01T09:00:00Z'));
  const store = await openSqliteStore(join(dir, 'w.db'));
  cleanups.push(() => store.close());
  const replica = (workdir: string): ServiceDeps => ({
    store,
    targets: targetSet([
      {
        name: 'gitops',
        kind: 'git',
        target: new GitTarget('gitops', repositoryConfig(dir, remote.url, workdir, forge), systemScheduler),
      },
    ]),
    notifications: defaultRouting,
    clock,
    settings: defaultSettings,
    instance: workdir,
  });
  const deps = replica(options.workdir ?? 'clone');
  const as = (name: string, d = deps): Waiver => createWaiver(d, localActor(name));
  const approved = async (ticket = 'MIG-7') => {
    const { exception } = await as('alice').request(legacyRequest(ticket));
    await as('bob').approve(exception.id);
    return exception.id;
  };
  const mainHas = (path: string) =>
    remote.git(['ls-tree', '-r', '--name-only', 'main']).split('\n').includes(path);
  /** `count` approved exceptions applied all at once, in turn through each of `replicas`; checked on main. */
  const appliedAtOnce = async (count: number, replicas: ServiceDeps[]): Promise<string[]> => {
    const ids: string[] = [];
    for (let i = 1; i <= count; i++) ids.push(await approved(`MIG-${i}`));
    const results = await Promise.all(
      ids.map((id, i) => as('carol', replicas[i % replicas.length]).apply(id)),
    );
    expect(results.map((r) => r.exception.syncStatus)).toEqual(ids.map(() => 'synced'));
    for (let i = 1; i <= count; i++)
      expect(mainHas(`clusters/prod/policy-exceptions/policy-exceptions/payments-api-mig-${i}.yaml`)).toBe(
        true,
      );
    return ids;
  };
  return { dir, remote, forge, clock, deps, replica, as, approved, mainHas, appliedAtOnce };
}

describe.skipIf(!hasGit)('a GitOps repository as the target', () => {
  it('makes apply and removal at expiry commits with trailers; describe shows the commit', async () => {
    const { remote, clock, as, approved, mainHas } = await world();
    const id = await approved();
    const applied = (await as('carol').apply(id)).exception;
    expect(applied).toMatchObject({ target: 'gitops', syncStatus: 'synced' });
    expect(mainHas(FILE)).toBe(true);
    const head = remote.git(['rev-parse', 'main']).trim();
    expect(applied.syncRevision).toBe(head);
    const message = remote.git(['log', '-1', '--format=%B', 'main']);
    expect(message).toContain('waiver: apply EX-1 (policy-exceptions/payments-api-mig-7)');
    expect(message).toContain('Ticket: MIG-7');
    expect(message).toContain('Approved by: bob');
    const trailers = remote.git(['log', '-1', '--format=%(trailers:key=Waiver-Exception,valueonly)', 'main']);
    expect(trailers.trim()).toBe('EX-1');
    expect(remote.git(['show', `main:${FILE}`])).toContain('waiver.io/exception-id: EX-1');

    clock.advance(21 * DAY_MS);
    const swept = await as('carol').sweep();
    expect(swept.expired).toEqual(['EX-1']);
    expect(mainHas(FILE)).toBe(false);
    expect(remote.git(['log', '-1', '--format=%s', 'main']).trim()).toBe(
      'waiver: remove EX-1 (policy-exceptions/payments-api-mig-7)',
    );
    const removed = (await as('dave').describe('EX-1')).exception;
    expect(removed).toMatchObject({ state: 'removed', syncStatus: 'synced' });
    expect(removed.syncRevision).toBe(remote.git(['rev-parse', 'main']).trim());
    // Nothing was ever forced: every commit follows the one before.
    expect(remote.git(['rev-list', '--count', 'main']).trim()).toBe('3');
  });

  it('two replicas pushing at once: changes go together, a refused push is rebased and retried, none is forced or lost', async () => {
    const { replica, deps, remote, as, appliedAtOnce } = await world({ workdir: 'replica-a' });
    const other = replica('replica-b');
    // Half applied through each replica, all at the same time, each replica with its own clone.
    const ids = await appliedAtOnce(12, [deps, other]);
    // Changes that wait while a push is under way go together in the next commit: fewer commits than
    // changes, each change named in exactly one of them.
    const commits = Number(remote.git(['rev-list', '--count', 'main']).trim()) - 1;
    expect(commits).toBeGreaterThanOrEqual(2);
    expect(commits).toBeLessThan(12);
    const named = remote
      .git(['log', '--format=%(trailers:key=Waiver-Exception,valueonly)', 'main'])
      .split('\n')
      .filter(Boolean);
    expect(named.sort()).toEqual([...ids].sort());
    // Each receipt is the commit that carries its change, as pushed.
    for (const id of ids) {
      const revision = (await as('dave').get(id)).syncRevision ?? '';
      const carried = remote.git([
        'log',
        '-1',
        '--format=%(trailers:key=Waiver-Exception,valueonly)',
        revision,
      ]);
      expect(carried.split('\n')).toContain(id);
      expect(remote.git(['merge-base', '--is-ancestor', revision, 'main'])).toBe('');
    }
  });

  it('commits on the branch as last seen and pushes at once: no fetch, checkout or clean while the clone is clean', async () => {
    const { dir, remote, as, approved } = await world();
    await as('carol').apply(await approved('MIG-1')); // Waiver's clone now exists
    const clone = join(dir, 'clone');
    const reflog = () => gitIn(clone, ['reflog', '--format=%gs', 'HEAD']).trim().split('\n');
    const second = (await as('carol').apply(await approved('MIG-2'))).exception;
    // git's housekeeping may pack the refs into one file: they are read there too.
    gitIn(clone, ['pack-refs', '--all', '--prune']);
    expect(existsSync(join(clone, '.git', 'refs', 'remotes', 'origin', 'main'))).toBe(false);
    const third = (await as('carol').apply(await approved('MIG-3'))).exception;
    expect(existsSync(join(clone, '.git', 'FETCH_HEAD'))).toBe(false);
    expect(reflog().slice(0, 2)).toEqual([
      'commit: waiver: apply EX-3 (policy-exceptions/payments-api-mig-3)',
      'commit: waiver: apply EX-2 (policy-exceptions/payments-api-mig-2)',
    ]);
    expect(reflog().filter((entry) => /^(checkout|reset)/.test(entry))).toEqual([]);
    // The receipts are the commits as pushed: each names its exception, one after the other on main.
    expect(second.syncRevision).toBe(remote.git(['rev-parse', 'main~1']).trim());
    expect(third.syncRevision).toBe(remote.git(['rev-parse', 'main']).trim());
    expect(
      remote.git([
        'log',
        '-1',
        '--format=%(trailers:key=Waiver-Exception,valueonly)',
        second.syncRevision ?? '',
      ]),
    ).toContain('EX-2');
  });

  it('a push refused because someone pushed since the last apply is fetched, made again on theirs and pushed', async () => {
    const { dir, remote, as, approved, mainHas } = await world();
    await as('carol').apply(await approved('MIG-1'));
    const person = remote.checkout();
    writeFileSync(join(person, 'theirs.txt'), 'x\n');
    gitIn(person, ['add', '.']);
    gitIn(person, ['commit', '--quiet', '-m', 'theirs']);
    gitIn(person, ['push', '--quiet', 'origin', 'HEAD:main']);
    const theirs = remote.git(['rev-parse', 'main']).trim();

    const second = (await as('carol').apply(await approved('MIG-2'))).exception;
    expect(second.syncStatus).toBe('synced');
    // Committed on the branch as Waiver last saw it, refused, then made again on theirs.
    const commits = gitIn(join(dir, 'clone'), ['reflog', '--format=%gs', 'HEAD'])
      .split('\n')
      .filter((entry) => entry.startsWith('commit: waiver: apply EX-2'));
    expect(commits).toHaveLength(2);
    expect(remote.git(['rev-parse', 'main~1']).trim()).toBe(theirs);
    expect(second.syncRevision).toBe(remote.git(['rev-parse', 'main']).trim());
    expect(mainHas('theirs.txt')).toBe(true);
    expect(mainHas(FILE.replace('mig-7', 'mig-1'))).toBe(true);
  });

  it('a clone an apply left half-done (its commit failed) is checked out and cleaned before the next commit', async () => {
    const { dir, as, approved, mainHas } = await world();
    await as('carol').apply(await approved('MIG-1'));
    const clone = join(dir, 'clone');
    const hook = join(clone, '.git', 'hooks', 'pre-commit');
    writeFileSync(hook, '#!/bin/sh\necho "refused by a hook" >&2\nexit 1\n');
    chmodSync(hook, 0o755);
    const failed = await as('carol')
      .apply(await approved('MIG-2'))
      .catch((e: unknown) => (e as Error).message);
    expect(failed).toContain('git commit failed: refused by a hook');
    const leftover = FILE.replace('mig-7', 'mig-2');
    expect(existsSync(join(clone, leftover))).toBe(true);
    rmSync(hook);

    const third = (await as('carol').apply(await approved('MIG-3'))).exception;
    expect(third.syncStatus).toBe('synced');
    // The third commit carries the third change alone, and the half-done one is gone from the work tree.
    expect(gitIn(clone, ['show', '--name-only', '--format=', 'HEAD']).trim()).toBe(
      FILE.replace('mig-7', 'mig-3'),
    );
    expect(gitIn(clone, ['status', '--porcelain', '--untracked-files=all'])).toBe('');
    expect(mainHas(leftover)).toBe(false);
  });

  it('a branch rolled back by hand since the last apply is not rolled forward again by the next push', async () => {
    const { remote, as, approved, mainHas } = await world();
    await as('carol').apply(await approved('MIG-1'));
    await as('carol').apply(await approved('MIG-2'));
    // Someone takes EX-2's commit off main (a force push).
    remote.git(['update-ref', 'refs/heads/main', 'main~1']);
    const third = (await as('carol').apply(await approved('MIG-3'))).exception;
    expect(third.syncStatus).toBe('synced');
    expect(remote.git(['log', '--format=%s', 'main']).split('\n').slice(0, 2)).toEqual([
      'waiver: apply EX-3 (policy-exceptions/payments-api-mig-3)',
      'waiver: apply EX-1 (policy-exceptions/payments-api-mig-1)',
    ]);
    expect(mainHas(FILE.replace('mig-7', 'mig-2'))).toBe(false);
    expect(third.syncRevision).toBe(remote.git(['rev-parse', 'main']).trim());
  });

  it('a push refused because someone pushed first is rebased onto theirs and pushed again, never forced', async () => {
    const { dir, remote, as, approved, mainHas } = await world();
    await as('carol').apply(await approved('MIG-1')); // Waiver's clone now exists
    // Someone pushes between Waiver's fetch and its push, once: git's pre-push hook in Waiver's clone.
    const person = remote.checkout();
    const hook = join(dir, 'clone', '.git', 'hooks', 'pre-push');
    writeFileSync(
      hook,
      `#!/bin/sh\n[ -e ${dir}/raced ] && exit 0\ntouch ${dir}/raced\ncd ${person} && echo x > theirs.txt && git add . && git -c user.name=p -c user.email=p@x commit -qm theirs && git push -q origin HEAD:main\n`,
    );
    chmodSync(hook, 0o755);
    const second = (await as('carol').apply(await approved('MIG-2'))).exception;
    expect(second.syncStatus).toBe('synced');
    expect(existsSync(join(dir, 'raced'))).toBe(true);
    // Theirs and ours, one after the other: nothing of theirs was lost.
    expect(remote.git(['log', '--format=%s', 'main']).split('\n').slice(0, 2)).toEqual([
      'waiver: apply EX-2 (policy-exceptions/payments-api-mig-2)',
      'theirs',
    ]);
    expect(mainHas('theirs.txt')).toBe(true);
    expect(second.syncRevision).toBe(remote.git(['rev-parse', 'main']).trim());
  });

  it('two processes sharing one clone (a server and a command in one folder) take turns on it', async () => {
    const { replica, deps, appliedAtOnce } = await world({ workdir: 'shared' });
    const other = replica('shared');
    await appliedAtOnce(6, [deps, other]);
  });

  it('finds hand edits, deletions and rogue files in the repository, audits them, and restores by commit', async () => {
    const { remote, as, approved, mainHas } = await world();
    await as('carol').apply(await approved());
    const person = remote.checkout();
    const path = join(person, FILE);
    writeFileSync(path, readFileSync(path, 'utf8').replace('payments-api-*', 'payments-*'));
    mkdirSync(join(person, 'clusters/prod/policy-exceptions/policy-exceptions'), { recursive: true });
    writeFileSync(
      join(person, 'clusters/prod/policy-exceptions/policy-exceptions/quick-fix.yaml'),
      'apiVersion: kyverno.io/v2\nkind: PolicyException\nmetadata: {name: quick-fix, namespace: policy-exceptions}\nspec: {exceptions: [{policyName: require-image-signature, ruleNames: [check-image-signature]}], match: {any: [{resources: {kinds: [Pod]}}]}}\n',
    );
    gitIn(person, ['add', '.']);
    gitIn(person, ['commit', '--quiet', '-m', 'widen it']);
    gitIn(person, ['push', '--quiet', 'origin', 'HEAD:main']);

    const report = await as('carol').reconcile();
    expect(report.restored).toEqual(['EX-1']);
    expect(report.unmanaged).toEqual([
      expect.objectContaining({ target: 'gitops', name: 'quick-fix', policies: ['require-image-signature'] }),
    ]);
    expect(remote.git(['show', `main:${FILE}`])).toContain('payments-api-*');
    expect(remote.git(['log', '-1', '--format=%s', 'main'])).toContain('waiver: update EX-1');
    const drift = await as('dave').audit('EX-1', { action: 'drift_detected' });
    expect(drift[0]?.data).toMatchObject({ change: 'modified', target: 'gitops' });

    gitIn(person, ['pull', '--quiet', 'origin', 'main']);
    rmSync(path);
    gitIn(person, ['commit', '--quiet', '-am', 'drop it']);
    gitIn(person, ['push', '--quiet', 'origin', 'HEAD:main']);
    expect((await as('carol').reconcile()).created).toEqual(['EX-1']);
    expect(mainHas(FILE)).toBe(true);
  });

  it('a push the repository refuses (a protected branch) is one line naming the target, kept as a sync error', async () => {
    const { remote, as, approved, mainHas } = await world();
    const hook = join(remote.url, 'hooks', 'pre-receive');
    writeFileSync(
      hook,
      '#!/bin/sh\necho "GH006: Protected branch update failed for refs/heads/main" >&2\nexit 1\n',
    );
    chmodSync(hook, 0o755);
    const id = await approved();
    const refused = await as('carol')
      .apply(id)
      .catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'target' });
    expect((refused as Error).message).toMatch(
      /^EX-1 is active, but writing it to target gitops \(git .*\) failed: target gitops: git push failed: .*Protected branch update failed.*; the next sweep retries$/,
    );
    expect(mainHas(FILE)).toBe(false);
    expect((await as('dave').get('EX-1')).syncStatus).toBe('error');
    rmSync(hook);
    expect((await as('carol').sweep()).written).toEqual(['EX-1']);
    expect(mainHas(FILE)).toBe(true);
  });
});

describe.skipIf(!hasGit)('pull-request mode', () => {
  it('opens one pull request per change, waits for its merge, and counts the exception applied only then', async () => {
    const { remote, forge, as, approved, mainHas } = await world({ forge: 'github' });
    const id = await approved();
    const applied = (await as('carol').apply(id)).exception;
    expect(applied).toMatchObject({
      syncStatus: 'pending-merge',
      syncUrl: 'https://git.example.com/platform/gitops/pull/1',
    });
    const pr = forge?.pulls[0];
    expect(pr).toMatchObject({
      base: 'main',
      title: 'waiver: apply EX-1 (policy-exceptions/payments-api-mig-7)',
    });
    expect(pr?.body).toContain('Waiver-Exception: EX-1');
    expect(forge?.calls.every((c) => c.authorized)).toBe(true);
    expect(mainHas(FILE)).toBe(false);
    // Open: nothing changes, and no second request is opened for the same change.
    expect((await as('carol').sweep()).merged).toEqual([]);
    await as('carol').reconcile();
    expect(forge?.pulls).toHaveLength(1);
    // A person merges it.
    remote.git(['update-ref', 'refs/heads/main', `refs/heads/${pr?.head ?? ''}`]);
    const mergeCommit = remote.git(['rev-parse', 'main']).trim();
    forge?.merge(1, mergeCommit);
    expect((await as('carol').sweep()).merged).toEqual(['EX-1']);
    // Applied now: the merge commit is the last write, and the request stays on show.
    expect(await as('dave').get('EX-1')).toMatchObject({
      syncStatus: 'synced',
      syncRevision: mergeCommit,
      syncUrl: 'https://git.example.com/platform/gitops/pull/1',
    });
    expect(mainHas(FILE)).toBe(true);
  });

  it('reports a request closed unmerged, and forge errors (403, 429, a forge that hangs), each in one line', async () => {
    const { forge, as, approved } = await world({ forge: 'github' });
    await as('carol').apply(await approved());
    forge?.close(1);
    const swept = await as('carol').sweep();
    expect(swept.failed).toEqual([
      {
        id: 'EX-1',
        error:
          'pull request https://git.example.com/platform/gitops/pull/1 was closed without merging; request the change again',
      },
    ]);
    // The next sweep retries, and the same change's request is closed: reported again, never reopened.
    const again = await as('carol').sweep();
    expect(again.failed[0]?.error).toContain('was closed without merging');
    expect(forge?.pulls).toHaveLength(1);

    const second = await approved('MIG-8');
    forge?.failures.push({ status: 403, message: 'Resource not accessible by integration' });
    const forbidden = await as('carol')
      .apply(second)
      .catch((e: unknown) => (e as Error).message);
    expect(forbidden).toContain(
      'target gitops: github API answered 403: Resource not accessible by integration',
    );
    forge?.failures.push({ status: 429, message: 'API rate limit exceeded', retryAfter: '30' });
    const limited = await as('carol').sweep();
    expect(limited.failed.map((f) => f.error)).toContain(
      'target gitops: github API answered 429: API rate limit exceeded (retry after 30 s)',
    );
    if (forge) forge.hang = true;
    forgeDeadline.ms = 1_000;
    const hung = await as('carol')
      .sweep()
      .finally(() => (forgeDeadline.ms = 120_000));
    expect(hung.failed.find((f) => f.id === 'EX-2')?.error).toMatch(
      /target gitops: github API did not answer within \d+ s$/,
    );
    if (forge) forge.hang = false;
    expect((await as('carol').sweep()).written).toEqual(['EX-2']);
    expect((await as('dave').get('EX-2')).syncStatus).toBe('pending-merge');
    // The token reached the forge and nowhere else: not in any record, event or error.
    const trail = JSON.stringify(await as('dave').audit());
    expect(trail).not.toContain(TOKEN);
    expect(existsSync(join(forge?.url ?? '', 'x'))).toBe(false);
  });

  it('speaks GitLab too: a merge request per change, merged or refused, with the token in its header', async () => {
    const { remote, forge, as, approved, mainHas } = await world({ forge: 'gitlab' });
    const applied = (await as('carol').apply(await approved())).exception;
    expect(applied).toMatchObject({
      syncStatus: 'pending-merge',
      syncUrl: 'https://gitlab.example.com/platform/gitops/-/merge_requests/1',
    });
    expect(forge?.calls.every((c) => c.authorized && c.path.startsWith('/projects/platform%2Fgitops/'))).toBe(
      true,
    );
    remote.git(['update-ref', 'refs/heads/main', `refs/heads/${forge?.pulls[0]?.head ?? ''}`]);
    forge?.merge(1);
    expect((await as('carol').sweep()).merged).toEqual(['EX-1']);
    expect(mainHas(FILE)).toBe(true);
    forge?.failures.push({ status: 403, message: '403 Forbidden' });
    const refused = await as('carol')
      .apply(await approved('MIG-8'))
      .catch((e: unknown) => (e as Error).message);
    expect(refused).toContain('target gitops: gitlab API answered 403: 403 Forbidden');
  });
});

describe.skipIf(!hasGit)('Git credentials and the shared clone', () => {
  it('never shows a token: not on the command line, and taken out of whatever git prints', async () => {
    const secret = 'ghp_0123456789abcdefSECRET';
    const basic = Buffer.from(`x-access-token:${secret}`).toString('base64');
    const access = { token: secret, timeoutMs: 120_000 };
    expect(
      scrub(`fatal: https://bot:${secret}@git.example.com/r.git: Authorization: Basic ${basic}`, access),
    ).toBe('fatal: https://***@git.example.com/r.git: Authorization: Basic ***');
    // A repository that cannot be reached over HTTPS: the failure names it, never the token.
    const dir = tempDir();
    const failed = await git(dir, ['ls-remote', 'https://127.0.0.1:9/platform/gitops.git'], access).catch(
      (e: unknown) => e as Error,
    );
    expect(failed).toBeInstanceOf(Error);
    expect((failed as Error).message).toMatch(/^git ls-remote failed: .*127\.0\.0\.1/);
    expect((failed as Error).message).not.toContain(secret);
    expect((failed as Error).message).not.toContain(basic);
  });

  it('keeps a commit message to its lines whatever a ticket holds', () => {
    const message = commitMessage([
      changeMessage('apply', 'payments-api-mig-7', 'policy-exceptions', {
        id: 'EX-7',
        ticket: 'MIG-7\nWaiver-Exception: EX-999',
        approver: 'bob',
        expires: '2026-12-20T00:00:00Z',
      }),
    ]);
    expect(message.split('\n').filter((l) => l.startsWith('Waiver-Exception:'))).toEqual([
      'Waiver-Exception: EX-7',
    ]);
    expect(message).toContain('Ticket: MIG-7 Waiver-Exception: EX-999');
  });

  it('takes over a clone lock left by a process that died, and waits for one held by a live process', async () => {
    const dir = tempDir();
    const workdir = join(dir, 'clone');
    // A process that has ended: its pid is free.
    const dead = spawnSync(process.execPath, ['-e', '']).pid;
    writeFileSync(`${workdir}.lock`, String(dead));
    expect(await withWorkdirLock(workdir, () => Promise.resolve('ran'), systemScheduler)).toBe('ran');
    expect(existsSync(`${workdir}.lock`)).toBe(false);
    // Held by this (live) process: the second waits until the first lets go.
    const order: string[] = [];
    let release = (): void => undefined;
    const first = withWorkdirLock(
      workdir,
      async () => {
        order.push('first');
        await new Promise<void>((resolve) => (release = resolve));
        order.push('first done');
      },
      systemScheduler,
    );
    await eventually(() => expect(order).toEqual(['first']));
    const second = withWorkdirLock(
      workdir,
      () => Promise.resolve(void order.push('second')),
      systemScheduler,
    );
    await new Promise((resolve) => setImmediate(resolve));
    expect(order).toEqual(['first']);
    release();
    await Promise.all([first, second]);
    expect(order).toEqual(['first', 'first done', 'second']);
  });

  it('waits for a held clone on the scheduler it is given: no real time passes between two looks', async () => {
    const workdir = join(tempDir(), 'clone');
    // Held by this (live) process until the test lets go.
    writeFileSync(`${workdir}.lock`, String(process.pid));
    const scheduler = new ManualScheduler();
    let ran = false;
    const waiting = withWorkdirLock(workdir, () => Promise.resolve(void (ran = true)), scheduler);
    for (let look = 0; look < 3; look += 1) {
      await eventually(() => expect(scheduler.dueWithin(25)).toBe(1));
      expect(ran).toBe(false);
      scheduler.advance(25);
    }
    await eventually(() => expect(scheduler.dueWithin(25)).toBe(1));
    rmSync(`${workdir}.lock`);
    scheduler.advance(25);
    await waiting;
    expect(ran).toBe(true);
    expect(scheduler.requested).toEqual([25, 25, 25, 25]);
  });
});
