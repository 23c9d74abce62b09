import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KubernetesObjectApi } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import type { ExceptionEvidence } from '../src/domain/report-evidence.js';
import type { ReviewItem } from '../src/domain/review-queue.js';
import type { SweepReport } from '../src/service/sweep.js';
import type { NotificationView } from '../src/service/notification-outbox.js';
import { loadKubeConfig } from '../src/targets/kubernetes/kube-config.js';
import { cli, json, requestArgs, type CliResult } from './support/cli.js';
import { eventually } from './support/eventually.js';
import type { FakeKubeApiServer } from './support/kube/fake-api-server.js';
import { useTestCluster } from './support/kube/cluster.js';
import { startTestServer } from './support/server.js';
import { useTempDir } from './support/temp.js';

const testCluster = useTestCluster();
const tempDir = useTempDir();

const POLICY = 'require-run-as-non-root';
const RULE = 'run-as-non-root';
const NS = 'policy-exceptions';
const NAME = 'payments-api-mig-7';

/** A kyverno.io validate.pattern rule for Pods, and a pod in payments that fails it. */
function seedFailingPod(api: FakeKubeApiServer): void {
  api.seed('kyverno.io/v1', 'ClusterPolicy', {
    metadata: { name: POLICY },
    spec: {
      validationFailureAction: 'Enforce',
      rules: [
        {
          name: RULE,
          match: { any: [{ resources: { kinds: ['Pod'] } }] },
          validate: {
            message: 'pods must run as non-root',
            pattern: { spec: { securityContext: { runAsNonRoot: true } } },
          },
        },
      ],
    },
  });
  api.seed('v1', 'Pod', {
    metadata: { name: 'payments-api-1', namespace: 'payments' },
    spec: { containers: [{ name: 'app', image: 'registry.example/payments-api:1.4' }] },
  });
}

/** The pod fixed as its team would fix it: replaced through the API server, now running as non-root. */
async function fixPod(kubeconfig: string, spec: Record<string, unknown> = NON_ROOT): Promise<void> {
  const api = KubernetesObjectApi.makeApiClient(loadKubeConfig({ kubeconfig, context: 'test' }));
  const current = await api.read({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'payments-api-1', namespace: 'payments' },
  });
  await api.replace({ ...current, spec });
}

const NON_ROOT = {
  securityContext: { runAsNonRoot: true },
  containers: [{ name: 'app', image: 'registry.example/payments-api:1.4' }],
};

async function setup(settings = '', policy = [POLICY, RULE]) {
  const { api, dir, kubeconfig } = await testCluster();
  seedFailingPod(api);
  api.seed('kyverno.io/v1', 'ClusterPolicy', {
    metadata: { name: 'pod-security-baseline' },
    spec: {
      rules: [
        {
          name: 'baseline',
          match: { any: [{ resources: { kinds: ['Pod'] } }] },
          validate: { podSecurity: { level: 'baseline', version: 'latest' } },
        },
      ],
    },
  });
  const config = join(dir, 'waiver.yaml');
  writeFileSync(config, `kubernetes: {attempts: 1}\n${settings}`);
  const waiver = (args: string[], as = 'alice') =>
    cli(dir, [...args, '--config', config, '--kubeconfig', kubeconfig, '--context', 'test'], { as });
  const request = [...requestArgs('MIG-7'), '--policy', policy[0] ?? POLICY, '--rule', policy[1] ?? RULE];
  expect((await waiver(request)).code).toBe(0);
  expect((await waiver(['approve', 'EX-1'], 'bob')).code).toBe(0);
  expect((await waiver(['apply', 'EX-1'], 'carol')).code).toBe(0);
  return { api, dir, kubeconfig, waiver };
}

type Run = (args: string[], as?: string) => Promise<CliResult>;

const sweepOf = async (waiver: Run) => json<SweepReport>(await waiver(['sweep', '-o', 'json'], 'carol'));

const noLongerNeededRows = async (waiver: Run) =>
  json<{ items: NotificationView[] }>(await waiver(['notifications', '-o', 'json'])).items.filter(
    (n) => n.event === 'no_longer_needed',
  );

describe('an exception no longer needed', () => {
  it('is flagged once its pod is fixed in the cluster: evidence, describe, API, queue, one notification, metric', async () => {
    const { dir, kubeconfig, waiver } = await setup();

    // The pod fails the rule: the exception is needed, and says why.
    expect((await sweepOf(waiver)).noLongerNeeded).toEqual([]);
    const needed = json<ExceptionEvidence>(await waiver(['evidence', 'EX-1', '-o', 'json']));
    expect(needed.flags).toEqual([]);
    expect(needed.withoutException).toEqual([
      expect.objectContaining({
        resource: { apiVersion: 'v1', kind: 'Pod', namespace: 'payments', name: 'payments-api-1' },
        policy: POLICY,
        rule: RULE,
        verdict: 'would-fail',
      }),
    ]);

    await fixPod(kubeconfig);

    // Several sweeps (the controller's runs): flagged each time, the requestor told once.
    for (let i = 0; i < 3; i++) expect((await sweepOf(waiver)).noLongerNeeded).toEqual(['EX-1']);
    const told = await noLongerNeededRows(waiver);
    expect(told).toHaveLength(1);
    expect(told[0]).toMatchObject({ exceptionId: 'EX-1', channel: 'log', recipients: ['alice'] });
    const audit = json<{ items: { action: string; actor: string; data: Record<string, unknown> }[] }>(
      await waiver(['audit', 'EX-1', '--action', 'no_longer_needed', '-o', 'json']),
    );
    expect(audit.items).toHaveLength(1);
    expect(audit.items[0]?.actor).toBe('carol');
    expect(audit.items[0]?.data['resources']).toEqual([
      expect.stringMatching(/^Pod payments\/payments-api-1: /),
    ]);

    const evidence = json<ExceptionEvidence>(await waiver(['evidence', 'EX-1', '-o', 'json']));
    expect(evidence.flags.map((f) => f.flag)).toEqual(['no-longer-needed']);
    expect(evidence.flags[0]?.why).toContain(`every resource it covers (1) would pass ${POLICY} without it`);
    expect(evidence.withoutException.map((x) => x.verdict)).toEqual(['would-pass']);
    expect(evidence.state).toBe('active');

    const described = await waiver(['describe', 'EX-1']);
    expect(described.stdout).toContain('Without it:       1 of 1 covered resource(s) would pass');
    expect(described.stdout).toContain(`  Pod payments/payments-api-1  ${POLICY}/${RULE}  would-pass: `);
    expect(described.stdout).toContain('  no-longer-needed: every resource it covers (1)');
    expect((await waiver(['evidence'])).stdout).toMatch(
      /EX-1 +payments-api-mig-7 +active .*no-longer-needed/,
    );

    // The review queue: a revoke item for appliers and approvers, not for a requester who reviews nothing.
    const queue = json<{ items: ReviewItem[] }>(await waiver(['review', '--all', '-o', 'json'], 'dave'));
    const revoke = queue.items.filter((i) => i.queue === 'revoke');
    expect(revoke).toHaveLength(1);
    expect(revoke[0]?.id).toBe('EX-1');
    expect(revoke[0]?.why).toMatch(/^revoke: no longer needed/);

    // The API and Prometheus, from a server on the same database and cluster; its own controller runs
    // too, and still tells nobody again.
    const server = await startTestServer({
      database: join(dir, 'w.db'),
      dir: tempDir(),
      kubeconfig,
      notifications: {
        notifications: {
          channels: [{ name: 'log', type: 'log' }],
          people: {},
          publicUrl: undefined,
          backoff: { baseMs: 60_000, capMs: 60_000, maxAttempts: 5 },
          intervalMs: 50,
        },
        notificationRouting: {
          routes: [{ channels: ['log'] }],
          groups: { approvers: [], security: [], policyOwners: {} },
        },
      },
    });
    try {
      const admin = server.as(server.adminToken);
      const all = await admin('GET', '/api/v1/evidence');
      expect(all.status).toBe(200);
      // An API client is told the parameter it sent, in the API's words, not a command-line flag.
      const elsewhere = await admin('GET', '/api/v1/exceptions/EX-1/evidence?reportsFrom=elsewhere');
      expect(elsewhere.status).toBe(400);
      expect(elsewhere.body).toMatchObject({ field: 'reportsFrom' });
      expect((elsewhere.body as { message: string }).message).toMatch(
        /^EX-1 lives on cluster ".+", whose policy reports speak of it: reports are read from another cluster only for an exception on a Git or folder target$/,
      );
      const item = (all.body as { items: ExceptionEvidence[] }).items.find((e) => e.id === 'EX-1');
      expect(item?.flags.map((f) => f.flag)).toEqual(['no-longer-needed']);
      expect(item?.withoutException[0]?.verdict).toBe('would-pass');
      // The revoke item waits for appliers and approvers, not for the requester who reviews nothing.
      const revokeItems = async (token: string) =>
        ((await server.as(token)('GET', '/api/v1/review')).body as { items: ReviewItem[] }).items.filter(
          (i) => i.queue === 'revoke' && i.id === 'EX-1',
        ).length;
      const [requester, approver, applier] = await Promise.all([
        server.token('alice', ['requester']),
        server.token('bob', ['approver']),
        server.token('carol', ['applier']),
      ]);
      expect(await revokeItems(approver)).toBe(1);
      expect(await revokeItems(applier)).toBe(1);
      expect(await revokeItems(requester)).toBe(0);
      const openapi = await admin('GET', '/api/openapi.json');
      expect(JSON.stringify(openapi.body)).toContain('no-longer-needed');
      await eventually(async () => {
        const metrics = await admin('GET', '/metrics');
        expect(metrics.text).toMatch(/^waiver_exceptions_no_longer_needed 1$/m);
      });
      const outbox = await admin('GET', '/api/v1/notifications');
      const rows = (outbox.body as { items: NotificationView[] }).items.filter(
        (n) => n.event === 'no_longer_needed',
      );
      expect(rows).toHaveLength(1);
    } finally {
      await server.close();
    }
    expect(await noLongerNeededRows(waiver)).toHaveLength(1);
  });

  it('is revoked by the sweep with its own audit event and taken off the cluster when autoRevokeNoLongerNeeded is on', async () => {
    const { api, kubeconfig, waiver } = await setup('autoRevokeNoLongerNeeded: true\n');
    expect((await sweepOf(waiver)).revokedNoLongerNeeded).toEqual([]);
    expect(api.get('policyexceptions', NS, NAME)).toBeDefined();

    await fixPod(kubeconfig);
    const report = await sweepOf(waiver);
    expect(report.revokedNoLongerNeeded).toEqual(['EX-1']);
    expect(report.noLongerNeeded).toEqual([]);
    expect(report.failed).toEqual([]);

    const shown = json<{ items: { state: string; endReason: string; syncStatus: string }[] }>(
      await waiver(['get', 'EX-1', '-o', 'json']),
    );
    expect(shown.items[0]).toMatchObject({
      state: 'removed',
      endReason: 'revoked',
      closureReason: 'no-longer-needed',
      syncStatus: 'synced',
    });
    expect(api.get('policyexceptions', NS, NAME)).toBeUndefined();
    const revoked = json<{ items: { action: string; actor: string; data: Record<string, unknown> }[] }>(
      await waiver(['audit', 'EX-1', '--action', 'revoked', '-o', 'json']),
    );
    expect(revoked.items).toHaveLength(1);
    expect(revoked.items[0]).toMatchObject({
      actor: 'waiver-controller',
      data: { reason: 'no-longer-needed', sweptBy: 'carol' },
    });
    expect(await noLongerNeededRows(waiver)).toHaveLength(1);
    // Ended: nothing more to flag or revoke.
    const again = await sweepOf(waiver);
    expect(again.noLongerNeeded).toEqual([]);
    expect(again.revokedNoLongerNeeded).toEqual([]);
  });

  it('is flagged under a Pod Security rule once the pod no longer shares the host network', async () => {
    const { api, kubeconfig, waiver } = await setup('', ['pod-security-baseline', 'baseline']);
    const running = api.get('pods', 'payments', 'payments-api-1');
    await fixPod(kubeconfig, { ...(running?.['spec'] as object), hostNetwork: true });
    expect((await sweepOf(waiver)).noLongerNeeded).toEqual([]);
    const needed = json<ExceptionEvidence>(await waiver(['evidence', 'EX-1', '-o', 'json']));
    expect(needed.withoutException.map((x) => x.verdict)).toEqual(['would-fail']);

    await fixPod(kubeconfig, { containers: [{ name: 'app', image: 'registry.example/payments-api:1.4' }] });
    expect((await sweepOf(waiver)).noLongerNeeded).toEqual(['EX-1']);
    const evidence = json<ExceptionEvidence>(await waiver(['evidence', 'EX-1', '-o', 'json']));
    expect(evidence.flags.map((f) => f.flag)).toEqual(['no-longer-needed']);
    expect(evidence.withoutException).toEqual([
      expect.objectContaining({ policy: 'pod-security-baseline', rule: 'baseline', verdict: 'would-pass' }),
    ]);
    expect(await noLongerNeededRows(waiver)).toHaveLength(1);
  });

  it('refuses a configuration whose autoRevokeNoLongerNeeded is not a boolean, naming the key', async () => {
    const dir = tempDir();
    const config = join(dir, 'waiver.yaml');
    writeFileSync(config, 'autoRevokeNoLongerNeeded: "yes"\n');
    const refused = await cli(dir, ['get', '--config', config]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('autoRevokeNoLongerNeeded');
    expect(refused.stdout).toBe('');
  });

  it('keeps an exception while any pod it covers still fails', async () => {
    const { api, waiver } = await setup();
    // A second pod it covers, which fails too.
    api.seed('v1', 'Pod', {
      metadata: { name: 'payments-api-2', namespace: 'payments' },
      spec: { containers: [{ name: 'app', image: 'x' }] },
    });
    expect((await sweepOf(waiver)).noLongerNeeded).toEqual([]);
    const evidence = json<ExceptionEvidence>(await waiver(['evidence', 'EX-1', '-o', 'json']));
    expect(evidence.withoutException.map((x) => `${x.resource.name} ${x.verdict}`).sort()).toEqual([
      'payments-api-1 would-fail',
      'payments-api-2 would-fail',
    ]);
    expect(evidence.flags).toEqual([]);
    expect(await noLongerNeededRows(waiver)).toEqual([]);
  });
});
