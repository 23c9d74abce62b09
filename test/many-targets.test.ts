import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load.js';
import { startController } from '../src/wire/controller.js';
import { cli, requestArgs } from './support/cli.js';
import { bareRepository, gitIn } from './support/git/repositories.js';
import { NS, useTestCluster } from './support/kube/cluster.js';
import { eventually } from './support/eventually.js';
import { hasGit as gitRuns } from './support/prerequisites.js';

const hasGit = gitRuns();

const testCluster = useTestCluster();

/**
 * One Waiver, one configuration: two clusters (two test API servers) and a GitOps repository, by name.
 * Commands take no target flags: each exception's own target is where it goes.
 */
async function setup() {
  const eu = await testCluster();
  const us = await testCluster();
  const dir = eu.dir;
  const remote = bareRepository(dir);
  const config = join(dir, 'waiver.yaml');
  writeFileSync(
    config,
    [
      'targets:',
      // prod-eu always answers: minutes to do so. prod-us hangs later: a short deadline, tried a few times
      // while it still answers, so that a slow answer from a loaded machine is not taken for the hang.
      `  prod-eu: {cluster: {kubeconfig: ${eu.kubeconfig}, context: test, attempts: 1, timeoutSeconds: 120}}`,
      `  prod-us: {cluster: {kubeconfig: ${us.kubeconfig}, context: test, attempts: 3, timeoutSeconds: 1}}`,
      `  gitops: {git: {repository: ${remote.url}, path: clusters/prod, workdir: ${join(dir, 'clone')}}}`,
      'defaultTarget: prod-eu',
      '',
    ].join('\n'),
  );
  const waiver = (args: string[], as = 'alice') => cli(dir, [...args, '--config', config], { as });
  return { eu: eu.api, us: us.api, remote, dir, config, waiver };
}

/** Request, approve and apply one exception on a target; its id. */
async function applied(
  waiver: (args: string[], as?: string) => Promise<{ code: number; stdout: string; stderr: string }>,
  ticket: string,
  target?: string,
) {
  const requested = await waiver([
    ...requestArgs(ticket),
    ...(target ? ['--target', target] : []),
    '-o',
    'name',
  ]);
  expect(requested.stderr).toBe('');
  const id = requested.stdout.trim();
  expect((await waiver(['approve', id], 'bob')).code).toBe(0);
  const apply = await waiver(['apply', id], 'carol');
  expect(apply.stderr).toBe('');
  return id;
}

describe.skipIf(!hasGit)('many targets from one Waiver', () => {
  it('keeps each exception on its own target, whatever later commands say, from request to removal', async () => {
    const { eu, us, remote, waiver, dir, config } = await setup();
    const onEu = await applied(waiver, 'MIG-1');
    const onUs = await applied(waiver, 'MIG-2', 'prod-us');
    const onGit = await applied(waiver, 'MIG-3', 'gitops');
    expect(eu.get('policyexceptions', NS, 'payments-api-mig-1')).toBeDefined();
    expect(eu.get('policyexceptions', NS, 'payments-api-mig-2')).toBeUndefined();
    expect(us.get('policyexceptions', NS, 'payments-api-mig-2')).toBeDefined();
    expect(remote.git(['ls-tree', '-r', '--name-only', 'main'])).toContain(
      'clusters/prod/policy-exceptions/payments-api-mig-3.yaml',
    );
    const listed = await waiver(['get', '--target', 'prod-us', '-o', 'json']);
    expect((JSON.parse(listed.stdout) as { items: { id: string; target: string }[] }).items).toEqual([
      expect.objectContaining({ id: onUs, target: 'prod-us' }),
    ]);
    const described = await waiver(['describe', onGit]);
    expect(described.stdout).toMatch(/^Target: +gitops$/m);
    expect(described.stdout).toMatch(/^Last write: +commit [0-9a-f]{40}$/m);
    expect((await waiver(['describe', onEu])).stdout).toMatch(/^Last write: +resourceVersion \d+$/m);

    // A later command with a one-target shorthand is refused, not sent elsewhere.
    const shorthand = await cli(dir, ['sweep', '--config', config, '--target-dir', join(dir, 'elsewhere')]);
    expect(shorthand.code).toBe(2);
    expect(shorthand.stderr).toContain('--target-dir is the shorthand for a one-target setup');
    // A plain folder configuration does not have these targets: their exceptions are never written to its
    // folder (nothing of theirs is due, so the sweep has nothing to do).
    const plain = await cli(dir, ['sweep'], { as: 'carol', env: { WAIVER_TARGET_DIR: join(dir, 'folder') } });
    expect(plain.stdout).toMatch(/^nothing to do$/m);
    expect(existsSync(join(dir, 'folder'))).toBe(false);
    expect((await cli(dir, ['get', onEu, '-o', 'json'])).stdout).toContain('"syncStatus": "synced"');

    // prod-us stops answering: its exceptions wait with an error naming it; the others are not held up.
    us.faults.push({ match: () => true, answer: 'hang', times: 1000 });
    const swept = await waiver(['sweep', '--now', '2026-12-31T00:00:00Z', '-o', 'json'], 'carol');
    const report = JSON.parse(swept.stdout) as { expired: string[]; failed: { id: string; error: string }[] };
    expect(report.expired.sort()).toEqual([onEu, onGit].sort());
    expect(report.failed).toEqual([
      { id: onUs, error: expect.stringContaining('delete policy-exceptions/payments-api-mig-2') as string },
    ]);
    expect(eu.get('policyexceptions', NS, 'payments-api-mig-1')).toBeUndefined();
    expect(remote.git(['ls-tree', '-r', '--name-only', 'main'])).not.toContain('payments-api-mig-3.yaml');
    us.faults.splice(0);
    const retried = await waiver(['sweep', '--now', '2026-12-31T00:00:00Z', '-o', 'json'], 'carol');
    expect((JSON.parse(retried.stdout) as { expired: string[] }).expired).toEqual([onUs]);
    expect(us.get('policyexceptions', NS, 'payments-api-mig-2')).toBeUndefined();
    const verify = await waiver(['audit', '--verify']);
    expect(verify.code).toBe(0);
  });

  it('runs one controller loop per cluster and repository: one cluster that hangs holds up no other', async () => {
    const { eu, us, remote, waiver, config, dir } = await setup();
    await applied(waiver, 'MIG-1');
    await applied(waiver, 'MIG-2', 'prod-us');
    const onGit = await applied(waiver, 'MIG-3', 'gitops');
    // Behind Waiver's back: the object deleted in prod-eu, the file deleted in the repository.
    eu.erase('policyexceptions', NS, 'payments-api-mig-1');
    const person = remote.checkout();
    gitIn(person, ['rm', '--quiet', 'clusters/prod/policy-exceptions/payments-api-mig-3.yaml']);
    gitIn(person, ['commit', '--quiet', '-m', 'remove by hand']);
    gitIn(person, ['push', '--quiet', 'origin', 'HEAD:main']);
    us.faults.push({ match: () => true, answer: 'hang', times: 100_000 });

    let log = '';
    const controller = await startController(
      await loadConfig({ config, as: 'ops' }, { WAIVER_DB: join(dir, 'w.db') }),
      (line) => {
        log += line;
      },
    );
    try {
      await eventually(() => {
        expect(eu.get('policyexceptions', NS, 'payments-api-mig-1')).toBeDefined();
        expect(remote.git(['ls-tree', '-r', '--name-only', 'main'])).toContain('payments-api-mig-3.yaml');
      }, 50);
      await eventually(
        () =>
          // The JSON line puts msg before the fields: one line naming the target and the cause.
          expect(log).toMatch(
            /"msg":"cannot renew the controller lease","target":"prod-us","error":"no answer within 5 s"/,
          ),
        50,
      );
      expect(log).toContain('"targets":["prod-eu","prod-us","gitops"]');
    } finally {
      await controller.close();
    }
    const drift = await waiver(['audit', onGit, '--action', 'drift_detected', '-o', 'json']);
    expect(drift.stdout).toContain('"change": "deleted"');
  });

  it('lists the targets, and finds and imports rogue exceptions per cluster, onto the cluster they are in', async () => {
    const { eu, us, waiver } = await setup();
    const listed = await waiver(['targets']);
    expect(listed.stdout.split('\n')[0]).toMatch(/^NAME +KIND +DEFAULT +DESCRIPTION$/);
    expect(listed.stdout).toMatch(/^prod-eu +cluster +yes +cluster context test$/m);
    expect(listed.stdout).toMatch(/^gitops +git +git .*remote\.git \(main:clusters\/prod\)$/m);
    expect((await waiver(['targets', '-o', 'xml'])).code).toBe(2);
    const rogue = (name: string) => ({
      metadata: { name, namespace: NS },
      spec: {
        exceptions: [{ policyName: 'require-image-signature', ruleNames: ['check-image-signature'] }],
        match: { any: [{ resources: { kinds: ['Pod'], namespaces: ['payments'], names: [`${name}-*`] } }] },
      },
    });
    eu.seed('kyverno.io/v2', 'PolicyException', rogue('eu-hotfix'));
    us.seed('kyverno.io/v2', 'PolicyException', rogue('us-hotfix'));
    const unmanaged = await waiver(['get', '--unmanaged', '--target', 'prod-us']);
    expect(unmanaged.stdout).toMatch(/^prod-us +policy-exceptions +us-hotfix /m);
    expect(unmanaged.stdout).not.toContain('eu-hotfix');
    const imported = await waiver(['import', '--target', 'prod-us', '-o', 'json'], 'carol');
    expect(JSON.parse(imported.stdout)).toMatchObject({
      imported: [{ target: 'prod-us', name: 'us-hotfix', id: 'EX-1' }],
      refused: [],
    });
    expect((await waiver(['get', 'EX-1', '-o', 'json'])).stdout).toContain('"target": "prod-us"');
    // A target this configuration lacks is refused, naming those it has.
    for (const command of ['import', 'sweep', 'doctor']) {
      const unknown = await waiver([command, '--target', 'nowhere'], 'carol');
      expect(unknown.code, command).toBe(2);
      expect(unknown.stderr, command).toContain('target "nowhere" is not configured here');
    }
  });

  it('refuses an unknown target at request time, naming the configured ones', async () => {
    const { waiver } = await setup();
    const refused = await waiver([...requestArgs('MIG-9'), '--target', 'prod-ap']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(
      'target "prod-ap" is not configured here (configured: prod-eu, prod-us, gitops)',
    );
    expect((await waiver(['get', '-o', 'name'])).stdout).toBe('');
  });
});

describe.skipIf(!hasGit)('a database from before named targets', () => {
  it('gives its rows the default target once, each with an audit event, and the trail still verifies', async () => {
    const { dir } = await testCluster();
    const run = (args: string[], as = 'alice') => cli(dir, args, { as });
    expect((await run(requestArgs('MIG-4'))).code).toBe(0);
    // The row as migration 0006 leaves an older one: no target yet; and the database as a version from
    // before data migrations were recorded (0009) leaves it.
    const Database = (await import('better-sqlite3')).default;
    const db = new Database(join(dir, 'w.db'));
    db.prepare('update exceptions set target = null').run();
    db.prepare('drop table data_migrations').run();
    db.prepare("delete from kysely_migration where name = '0009-data-migrations'").run();
    db.close();
    const first = await run(['get', '-o', 'json']);
    // Said where the first process after the upgrade runs: which target the older rows now live on.
    expect(first.stderr).toBe(
      '1 exception(s) from before named targets now live on target "folder" (audited as target_assigned)\n',
    );
    const listed = JSON.parse(first.stdout) as { items: { target: string }[] };
    expect(listed.items.map((i) => i.target)).toEqual(['folder']);
    const assigned = await run(['audit', 'EX-1', '--action', 'target_assigned', '-o', 'json']);
    expect(assigned.stdout).toContain('"actor": "waiver-upgrade"');
    expect((await run(['audit', '--verify'])).code).toBe(0);
    // Once: a second process finds nothing left to adopt.
    expect((await run(['get'])).stderr).toBe('');
    const events = JSON.parse((await run(['audit', 'EX-1', '-o', 'json'])).stdout) as
      { items?: unknown[] } | unknown[];
    const all = Array.isArray(events) ? events : (events.items ?? []);
    expect(all.filter((e) => (e as { action: string }).action === 'target_assigned')).toHaveLength(1);
    // A named data migration, recorded in the database: a later start does not look for such rows again,
    // even when one appears (here by hand).
    const again = new Database(join(dir, 'w.db'));
    expect(again.prepare('select name from data_migrations').all()).toEqual([{ name: 'adopt-untargeted' }]);
    again.prepare('update exceptions set target = null').run();
    again.close();
    expect((await run(['audit', 'EX-1', '-o', 'json'])).stderr).toBe('');
    const after = new Database(join(dir, 'w.db'));
    expect(after.prepare('select target from exceptions').all()).toEqual([{ target: null }]);
    after.close();
  });
});
