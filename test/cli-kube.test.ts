import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, cliProcess, requestArgs, runProcess, snapshot } from './support/cli.js';
import { useTestCluster } from './support/kube/cluster.js';
import { useTempDir } from './support/temp.js';
import { hasKubectl as kubectlRuns } from './support/prerequisites.js';

const hasKubectl = kubectlRuns();

const testCluster = useTestCluster();
const tempDir = useTempDir();

/** The CLI in-process against the test API server, through a kubeconfig as a user gives it. */
async function setup() {
  const { api, dir, kubeconfig } = await testCluster();
  // One attempt a call: the failures these tests provoke need no retries to be seen.
  const config = join(dir, 'waiver.yaml');
  writeFileSync(config, 'kubernetes: {attempts: 1}\n');
  const waiver = (args: string[], as = 'alice', context = 'test') =>
    cli(dir, [...args, '--config', config, '--kubeconfig', kubeconfig, '--context', context], { as });
  /** The real kubectl, isolated: its own HOME, kubeconfig and cache. */
  const kubectl = (args: string[], input?: string) =>
    runProcess('kubectl', [...args, '--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'cache')], {
      cwd: dir,
      env: { PATH: process.env['PATH'] ?? '', HOME: dir },
      ...(input === undefined ? {} : { input }),
    });
  return { api, dir, kubeconfig, waiver, kubectl };
}

describe.skipIf(!hasKubectl)('the CLI against a cluster', () => {
  it('finds a PolicyException created with kubectl behind its back, imports it, and doctor is content', async () => {
    const { dir, kubeconfig, waiver, kubectl } = await setup();
    const rogue = [
      'apiVersion: kyverno.io/v2',
      'kind: PolicyException',
      'metadata: {name: hotfix, namespace: policy-exceptions}',
      'spec:',
      '  exceptions: [{policyName: require-image-signature, ruleNames: [check-image-signature]}]',
      '  match: {any: [{resources: {kinds: [Pod], namespaces: [payments], names: [hotfix-*]}}]}',
      '',
    ].join('\n');
    expect((await kubectl(['apply', '--validate=false', '-f', '-'], rogue)).code).toBe(0);
    // As a kubectl plugin, kubectl's current context is the cluster: no --context needed.
    const unmanaged = await cli(dir, ['get', '--unmanaged', '--kubeconfig', kubeconfig], {
      kubectlPlugin: true,
    });
    expect(unmanaged.stdout).toMatch(/policy-exceptions\s+hotfix\s+require-image-signature\s+yes/);
    const dry = await waiver(['import', '--dry-run'], 'carol');
    expect(dry.stdout).toContain('would import 1, refused 0 (dry run: nothing changed)');
    expect((await waiver(['import'], 'carol')).stdout).toContain('imported 1, refused 0');
    expect((await waiver(['get', '--unmanaged'])).stdout).toBe('No unmanaged PolicyExceptions found.\n');
    const labels = JSON.parse(
      (await kubectl(['get', 'polex', 'hotfix', '-n', 'policy-exceptions', '-o', 'json'])).stdout,
    ).metadata.labels;
    expect(labels['app.kubernetes.io/managed-by']).toBe('waiver');

    const doctor = await waiver(['doctor']);
    expect(doctor.code).toBe(0);
    expect(doctor.stdout).toContain('OK    kyverno    Kyverno runs with --enablePolicyException=true');
    expect(doctor.stdout).toMatch(/WARN {2}cleanup/);
  });

  it('answers cluster problems with one line, and keeps the exception with its sync error', async () => {
    const { api, waiver } = await setup();
    const wrong = await waiver(['get', '--unmanaged'], 'alice', 'prod');
    expect(wrong).toMatchObject({
      code: 2,
      stderr: 'error: no context "prod" in the kubeconfig (known: test)\n',
    });
    await waiver(requestArgs('MIG-7'), 'alice');
    await waiver(['approve', 'EX-1'], 'bob');
    api.forbidden.add('patch policyexceptions');
    const refused = await waiver(['apply', 'EX-1'], 'carol');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /^error: EX-1 is active, but writing it to target test \(cluster context test\) failed: apply policy-exceptions\/payments-api-mig-7: the cluster refused \(403 Forbidden: .*\); the next sweep retries\n$/,
    );
    const kept = JSON.parse((await waiver(['get', 'EX-1', '-o', 'json'])).stdout).items[0];
    expect(kept).toMatchObject({
      state: 'active',
      syncStatus: 'error',
      syncError: expect.stringContaining('403 Forbidden'),
    });
    await api.stop();
    const down = await waiver(['get', '--unmanaged']);
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(
      /^error: list PolicyExceptions: cannot reach the cluster at cluster http:\/\/127\.0\.0\.1:\d+: .*\n$/,
    );
  });

  it('prints the guard for kubectl apply, and doctor then finds it installed', async () => {
    const { api, waiver, kubectl } = await setup();
    const before = await waiver(['doctor', '-o', 'json']);
    expect(JSON.parse(before.stdout).findings).toContainEqual(
      expect.objectContaining({ check: 'guard', status: 'warn' }),
    );
    const guard = await waiver(['guard', '--service-account', 'tools:waiver']);
    expect(guard.code).toBe(0);
    const applied = await kubectl(['apply', '--validate=false', '-f', '-'], guard.stdout);
    expect(applied.stderr).toBe('');
    expect(applied.stdout).toContain(
      'validatingadmissionpolicy.admissionregistration.k8s.io/waiver-guard-policy-exceptions created',
    );
    expect(applied.stdout).toContain(
      'validatingadmissionpolicybinding.admissionregistration.k8s.io/waiver-guard-policy-exceptions created',
    );
    const policy = api.get('validatingadmissionpolicies', undefined, 'waiver-guard-policy-exceptions');
    expect(JSON.stringify(policy?.['spec'])).toContain('system:serviceaccount:tools:waiver');
    const after = await waiver(['doctor', '-o', 'json']);
    expect(JSON.parse(after.stdout).findings).toContainEqual(
      expect.objectContaining({ check: 'guard', status: 'ok' }),
    );

    const bad = await waiver(['guard', '--service-account', 'not a service account']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(
      '--service-account: "not a service account" is not namespace:name of a ServiceAccount',
    );
  });

  it('refuses a missing kubeconfig before any state changes', async () => {
    const { dir, waiver } = await setup();
    expect((await waiver(requestArgs('MIG-7'))).code).toBe(0);
    expect((await waiver(['approve', 'EX-1'], 'bob')).code).toBe(0);
    const before = snapshot(dir);
    const missing = await cli(dir, ['apply', 'EX-1', '--kubeconfig', join(dir, 'no-such-kubeconfig')], {
      as: 'carol',
    });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^error: cannot read the kubeconfig: /);
    // Still approved, nothing written anywhere: not active with a failed write.
    expect(snapshot(dir)).toBe(before);
    const listed = JSON.parse((await cli(dir, ['get', 'EX-1', '-o', 'json'])).stdout) as { items: unknown[] };
    expect(listed.items[0]).toMatchObject({ state: 'approved' });
  });

  it('says there is no kubeconfig at all, and where it looked, when a context is asked for', async () => {
    const dir = tempDir();
    // Its own process: no KUBECONFIG, and a home without ~/.kube/config.
    const refused = await cliProcess(dir, ['--context', 'nope', 'doctor']);
    expect(refused).toMatchObject({
      code: 2,
      stderr: `error: --context "nope" names a context of a kubeconfig, and none was found (KUBECONFIG is not set, there is no ${join(dir, '.kube', 'config')}, and this is not a pod with a service account): give --kubeconfig PATH too\n`,
    });
    expect(existsSync(join(dir, 'w.db'))).toBe(false);
  });
});
