import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { call } from '../support/server.js';
import { BIN, cli, requestArgs, runProcess, type CliResult } from '../support/cli.js';
import { useTestCluster } from '../support/kube/cluster.js';
import { useTempDir } from '../support/temp.js';
import { eventually } from '../support/eventually.js';
import { hasKubectl as kubectlRuns } from '../support/prerequisites.js';

const hasKubectl = kubectlRuns();

const testCluster = useTestCluster();
const blackholeDir = useTempDir();

/**
 * The real kubectl, isolated (empty HOME, its own kubeconfig and cache), with `kubectl-waiver` on its
 * PATH: `kubectl waiver …` runs Waiver as a plugin, as a user would.
 */
async function setup() {
  const { api, dir } = await testCluster();
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  symlinkSync(BIN, join(bin, 'kubectl-waiver'));
  // kubectl (1.26 and later) completes `kubectl waiver …` through this one, as the package installs it.
  symlinkSync(BIN, join(bin, 'kubectl_complete-waiver'));
  const run = (cmd: string, args: string[], user = 'alice', input = ''): Promise<CliResult> =>
    runProcess(cmd, args, {
      cwd: dir,
      input,
      env: {
        PATH: `${bin}:${process.env['PATH'] ?? ''}`,
        HOME: dir,
        KUBECONFIG: join(dir, 'kubeconfig'),
        KUBECACHEDIR: join(dir, 'cache'),
        WAIVER_DB: join(dir, 'w.db'),
        WAIVER_USER: user,
      },
    });
  const waiver = (args: string[], user?: string, context = 'test') =>
    run('kubectl', ['waiver', ...args, '--context', context], user);
  const kubectl = (args: string[], input?: string) =>
    run('kubectl', [...args, '--cache-dir', join(dir, 'cache')], 'x', input);
  /** A long-running `waiver` process (controller, serve), stopped with SIGTERM by the test. */
  const daemon = (args: string[], env: Record<string, string> = {}) => {
    const child = spawn(process.execPath, [BIN, ...args, '--kubeconfig', join(dir, 'kubeconfig')], {
      cwd: dir,
      env: {
        PATH: process.env['PATH'] ?? '',
        HOME: dir,
        WAIVER_DB: join(dir, 'w.db'),
        WAIVER_USER: 'ops',
        ...env,
      },
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    return { child, output: () => out, exited };
  };
  return { api, dir, run, waiver, kubectl, daemon };
}

describe.skipIf(!hasKubectl)('kubectl waiver, against a cluster', () => {
  it('takes an exception through the process; kubectl sees what Waiver wrote and sees it go', async () => {
    const { waiver, kubectl } = await setup();
    expect((await waiver(requestArgs('MIG-7'), 'alice')).code).toBe(0);
    expect((await waiver(['approve', 'EX-1'], 'bob')).code).toBe(0);
    const applied = await waiver(['apply', 'EX-1'], 'carol');
    expect(applied).toMatchObject({ code: 0, stderr: '' });

    const seen = JSON.parse((await kubectl(['get', 'policyexceptions', '-A', '-o', 'json'])).stdout);
    expect(seen.items).toHaveLength(1);
    expect(seen.items[0].metadata).toMatchObject({
      name: 'payments-api-mig-7',
      namespace: 'policy-exceptions',
      labels: { 'app.kubernetes.io/managed-by': 'waiver', 'waiver.io/exception-id': 'EX-1' },
    });
    expect(seen.items[0].spec.conditions.all[0].key).toContain('time_before');
    const listed = await waiver(['get', '-A']);
    expect(listed.stdout).toMatch(/EX-1\s+payments-api-mig-7\s+active/);

    const later = new Date(Date.now() + 21 * 86_400_000).toISOString();
    expect((await waiver(['sweep', '--now', later], 'carol')).stdout).toMatch(/expired\s+EX-1/);
    expect(JSON.parse((await kubectl(['get', 'policyexceptions', '-A', '-o', 'json'])).stdout).items).toEqual(
      [],
    );
  });

  it("completes kubectl waiver's commands, flag values and exception ids through kubectl", async () => {
    const { waiver, run } = await setup();
    expect((await waiver(requestArgs('MIG-7'), 'alice')).code).toBe(0);
    const complete = async (...words: string[]) => {
      const result = await run('kubectl', ['__complete', 'waiver', ...words]);
      expect(result.code).toBe(0);
      return result.stdout.split('\n').filter((l) => l !== '');
    };
    expect(await complete('appr')).toEqual(['approve', ':4']);
    expect(await complete('approve', '')).toEqual(['EX-1', ':4']);
    // A pending exception is nothing to apply or revoke yet.
    expect(await complete('apply', '')).toEqual([':4']);
    expect(await complete('revoke', '')).toEqual([':4']);
    expect(await complete('request', '--kind', 'C')).toEqual(['CronJob', ':4']);
    expect(await complete('get', '-n', 'payments', '--st')).toEqual(['--state', ':4']);
    expect(await complete('get', '--state', 'a')).toEqual(['approved', 'active', ':4']);
    expect(await complete('request', '--category', 'v')).toEqual(['vendor-image', ':4']);
    expect(await complete('get', '--policy', '')).toEqual(['require-image-signature', ':4']);
  });

  it('says there is no cluster when kubectl has no current context, and touches nothing', async () => {
    const { dir } = await setup();
    writeFileSync(
      join(dir, 'empty'),
      'apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n',
    );
    const result = await runProcess('kubectl', ['waiver', 'get', '-A'], {
      cwd: dir,
      env: {
        PATH: `${join(dir, 'bin')}:${process.env['PATH'] ?? ''}`,
        HOME: dir,
        KUBECONFIG: join(dir, 'empty'),
      },
    });
    expect(result).toMatchObject({
      code: 2,
      stderr: 'error: the kubeconfig names no cluster for its current context\n',
    });
    expect(existsSync(join(dir, '.waiver'))).toBe(false);
  });

  it('runs the controller as its own process: drift is put back, SIGTERM stops it cleanly', async () => {
    const { api, dir, daemon } = await setup();
    // The story up to here runs in-process (test/cli-kube.test.ts covers it); the controller is the process.
    const local = (args: string[], as: string) =>
      cli(dir, [...args, '--kubeconfig', join(dir, 'kubeconfig'), '--context', 'test'], { as });
    expect((await local(requestArgs('MIG-7'), 'alice')).code).toBe(0);
    expect((await local(['approve', 'EX-1'], 'bob')).code).toBe(0);
    expect((await local(['apply', 'EX-1'], 'carol')).code).toBe(0);
    const approved = api.get('policyexceptions', 'policy-exceptions', 'payments-api-mig-7')!;
    const controller = daemon(['controller']);
    await eventually(() => expect(controller.output()).toContain('"msg":"leading"'));
    api.seed('kyverno.io/v2', 'PolicyException', {
      ...approved,
      spec: { ...approved['spec'], background: false },
    });
    await eventually(() =>
      expect(api.get('policyexceptions', 'policy-exceptions', 'payments-api-mig-7')?.['spec']).toEqual(
        approved['spec'],
      ),
    );
    controller.child.kill('SIGTERM');
    expect(await controller.exited).toBe(0);
    const lines = controller
      .output()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.some((l) => l.reconcile?.restored?.includes('EX-1'))).toBe(true);
    // It stepped down: the Lease has no holder, so a standby takes over at once.
    expect(
      api.get('leases', 'policy-exceptions', 'waiver-controller')?.['spec'].holderIdentity,
    ).toBeUndefined();
  });

  it('runs the controller inside waiver serve, and counts rogue exceptions in /metrics', async () => {
    const { api, daemon } = await setup();
    const token = 'an-operator-chosen-admin-token-0123456789';
    const server = daemon(['serve', '--port', '0'], { WAIVER_ADMIN_TOKEN: token, WAIVER_LOG_LEVEL: 'warn' });
    await eventually(() => expect(server.output()).toMatch(/waiver serving on (http:\/\/[\d.:]+)/));
    const url = /waiver serving on (http:\/\/[\d.:]+)/.exec(server.output())?.[1] ?? '';
    api.seed('kyverno.io/v2', 'PolicyException', {
      metadata: { name: 'rogue', namespace: 'payments' },
      spec: {
        exceptions: [{ policyName: 'require-image-signature', ruleNames: ['*'] }],
        match: { any: [{ resources: { kinds: ['Pod'] } }] },
      },
    });
    await eventually(async () =>
      expect((await call(url, token, 'GET', '/metrics')).text, server.output()).toMatch(
        /^waiver_unmanaged_exceptions\{target="test"\} 1$/m,
      ),
    );
    const listed = await call(url, token, 'GET', '/api/v1/unmanaged');
    expect(listed.body.items).toEqual([
      expect.objectContaining({ namespace: 'payments', name: 'rogue', inExceptionNamespace: false }),
    ]);
    const reconciled = await call(url, token, 'POST', '/api/v1/reconcile');
    expect(reconciled.body).toMatchObject({ created: [], restored: [], deleted: [], failed: [] });
    expect(reconciled.body.unmanaged.map((u: { name: string }) => u.name)).toEqual(['rogue']);
    const imported = await call(url, token, 'POST', '/api/v1/import', { dryRun: true });
    expect(imported.body).toMatchObject({ dryRun: true, imported: [], refused: [{ name: 'rogue' }] });
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
  });
});

describe('a cluster API server that accepts and never answers', () => {
  it('gets a one-line error after the configured attempts, and the process exits', async () => {
    const sockets: Socket[] = [];
    const blackhole = createServer((socket) => void sockets.push(socket.on('error', () => undefined)));
    await new Promise<void>((resolve) => blackhole.listen(0, '127.0.0.1', resolve));
    const { port } = blackhole.address() as AddressInfo;
    try {
      const dir = blackholeDir();
      const kubeconfig = join(dir, 'kubeconfig');
      writeFileSync(
        kubeconfig,
        [
          'apiVersion: v1',
          'kind: Config',
          `clusters: [{name: hole, cluster: {server: "http://127.0.0.1:${port}", insecure-skip-tls-verify: true}}]`,
          'contexts: [{name: hole, context: {cluster: hole, user: u}}]',
          'current-context: hole',
          'users: [{name: u, user: {token: t}}]',
        ].join('\n'),
      );
      const config = join(dir, 'waiver.yaml');
      writeFileSync(config, `kubernetes: {kubeconfig: ${kubeconfig}, timeoutSeconds: 1, attempts: 1}\n`);
      const result = await runProcess(process.execPath, [BIN, '--config', config, 'get', '--unmanaged'], {
        cwd: dir,
        env: { PATH: process.env['PATH'] ?? '', HOME: dir, WAIVER_DB: join(dir, 'w.db') },
      });
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/^error: list PolicyExceptions: .*no answer within 1 s.*\n$/);
    } finally {
      for (const s of sockets) s.destroy();
      blackhole.close();
    }
  });
});
