import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CoverageReport } from '../src/service/exception-coverage.js';
import { cli, json, requestArgs } from './support/cli.js';
import { legacyRequest } from './support/requests.js';
import { startTestServer } from './support/server.js';
import type { FakeKubeApiServer } from './support/kube/fake-api-server.js';
import { useTestCluster } from './support/kube/cluster.js';
import { KubernetesInventory } from '../src/targets/kubernetes/cluster-inventory.js';
import { loadKubeConfig } from '../src/targets/kubernetes/kube-config.js';

const testCluster = useTestCluster();

/** A Pod-only signature policy (so Kyverno makes autogen rules) and workloads in two namespaces. */
function seedWorkloads(api: FakeKubeApiServer): void {
  api.seed('v1', 'Namespace', { metadata: { name: 'web', labels: { team: 'web' } } });
  api.seed('kyverno.io/v1', 'ClusterPolicy', {
    metadata: { name: 'require-image-signature' },
    spec: {
      rules: [{ name: 'check-image-signature', match: { any: [{ resources: { kinds: ['Pod'] } }] } }],
    },
  });
  const pod = (namespace: string, name: string) =>
    api.seed('v1', 'Pod', {
      metadata: { name, namespace },
      spec: { containers: [{ name: 'app', image: 'x' }] },
    });
  pod('payments', 'payments-api-1');
  pod('payments', 'payments-api-2');
  pod('payments', 'payments-web-1');
  pod('web', 'payments-api-9');
  api.seed('apps/v1', 'Deployment', {
    metadata: { name: 'payments-api-v2', namespace: 'payments' },
    spec: {},
  });
  api.seed('batch/v1', 'CronJob', {
    metadata: { name: 'payments-api-report', namespace: 'payments' },
    spec: {},
  });
}

async function setup() {
  const { api, dir, kubeconfig } = await testCluster();
  seedWorkloads(api);
  const config = join(dir, 'waiver.yaml');
  writeFileSync(config, 'kubernetes: {attempts: 1}\n');
  const waiver = (args: string[], as = 'alice') =>
    cli(dir, [...args, '--config', config, '--kubeconfig', kubeconfig, '--context', 'test'], { as });
  return { api, dir, waiver, kubeconfig };
}

const rows = (report: CoverageReport) =>
  report.items.map(
    (i) => `${i.resource.kind} ${i.resource.namespace}/${i.resource.name} ${i.rule} ${String(i.covered)}`,
  );

describe('covers against the cluster', () => {
  it('shows a reviewer what a pending request would exempt, autogen rules included, before approval', async () => {
    const { waiver } = await setup();
    const kinds = ['--kind', 'Pod', '--kind', 'Deployment', '--kind', 'CronJob'];
    const requested = await waiver([...requestArgs('MIG-7'), ...kinds, '-o', 'json']);
    expect(requested.code).toBe(0);
    const report = json<CoverageReport>(await waiver(['covers', 'EX-1', '-o', 'json'], 'bob'));
    expect(report.exception).toBe('EX-1');
    expect(report.namespaces).toEqual(['payments']);
    expect(rows(report).sort()).toEqual([
      'CronJob payments/payments-api-report autogen-cronjob-check-image-signature true',
      'Deployment payments/payments-api-v2 autogen-check-image-signature true',
      'Pod payments/payments-api-1 check-image-signature true',
      'Pod payments/payments-api-2 check-image-signature true',
    ]);
    // payments-web-1 was read and is not covered; web/payments-api-9 is in a namespace it does not name.
    expect(report.notCovered).toBe(1);
    expect(report.checked).toBe(5);
    expect(report.kinds).toEqual(['v1/Pod', 'apps/v1/Deployment', 'batch/v1/Job', 'batch/v1/CronJob']);
    expect(report.items.every((i) => i.exceptions[0] === 'policy-exceptions/payments-api-mig-7')).toBe(true);

    const table = await waiver(['covers', 'EX-1']);
    expect(table.stdout).toContain('EX-1: read v1/Pod, apps/v1/Deployment');
    expect(table.stdout).toMatch(
      /Pod payments\/payments-api-1 +require-image-signature +check-image-signature +yes/,
    );
    expect(table.stdout).toContain('4 covered, 0 unknown, 1 not covered');
  });

  it('previews a request before it is filed, with the same guardrails, and files nothing', async () => {
    const { waiver } = await setup();
    const preview = json<CoverageReport>(await waiver([...requestArgs('MIG-8'), '--preview', '-o', 'json']));
    expect(preview.exception).toBe('preview');
    expect(rows(preview)).toContain('Pod payments/payments-api-1 check-image-signature true');
    expect(json(await waiver(['get', '-o', 'json']))).toEqual({ items: [] });

    const named = await waiver([...requestArgs('MIG-9'), '--preview', '-o', 'name']);
    expect(named.code).toBe(2);
    expect(named.stderr).toContain('--preview prints a table, json or yaml');
    const tooLong = await waiver([...requestArgs('MIG-9', { expires: '45d' }), '--preview']);
    expect(tooLong.code).not.toBe(0);
    expect(tooLong.stderr).toContain('expires');
  });

  it('says what limits the answer: a policy not in the cluster, kinds it does not read', async () => {
    const { waiver, kubeconfig } = await setup();
    const preview = json<CoverageReport>(
      await waiver([...requestArgs('MIG-10'), '--policy', 'no-such-policy', '--preview', '-o', 'json']),
    );
    expect(preview.notes).toEqual([
      'policy no-such-policy is not in the cluster: its rules are taken as the exception names them',
    ]);
    expect(rows(preview)).toContain('Pod payments/payments-api-1 check-image-signature true');
    const inventory = new KubernetesInventory(loadKubeConfig({ kubeconfig }));
    const read = await inventory.objects(['example.com/v1/Widget', 'apps/*/Deployment'], []);
    expect(read).toMatchObject({
      kinds: ['apps/v1/Deployment'],
      skipped: ['example.com/v1/Widget'],
      truncated: false,
    });
    expect(read.objects.map((o) => (o['metadata'] as { name: string }).name)).toEqual([
      'kyverno-admission-controller',
      'payments-api-v2',
    ]);
  });

  it('refuses without a cluster, and with both an id and files', async () => {
    const { dir, waiver } = await setup();
    const offline = await cli(dir, ['covers', 'EX-1']);
    expect(offline.code).toBe(2);
    expect(offline.stderr).toContain('covers reads a cluster, and no cluster is configured');
    const both = await waiver(['covers', 'EX-1', '-f', 'x.yaml']);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('not both');
  });

  it('answers over the API: GET /exceptions/{id}/covers for any reader, POST /covers for requesters', async () => {
    const { dir, kubeconfig } = await setup();
    const server = await startTestServer({ database: join(dir, 'api.db'), dir, kubeconfig });
    try {
      const alice = server.as(await server.token('alice', ['requester']));
      const dave = server.as(await server.token('dave', ['auditor']));
      const body = { ...legacyRequest('MIG-11') };
      const preview = await alice('POST', '/api/v1/covers', body);
      expect(preview.status).toBe(200);
      expect(rows(preview.body as CoverageReport)).toContain(
        'Pod payments/payments-api-1 check-image-signature true',
      );
      expect((await dave('POST', '/api/v1/covers', body)).status).toBe(403);
      const bad = await alice('POST', '/api/v1/covers', { ...body, expires: '45d' });
      expect(bad.status).toBe(422);
      expect(JSON.stringify(bad.body)).toContain('expires');

      expect((await alice('POST', '/api/v1/exceptions', body)).status).toBe(201);
      const covers = await dave('GET', '/api/v1/exceptions/EX-1/covers');
      expect(covers.status).toBe(200);
      expect((covers.body as CoverageReport).exception).toBe('EX-1');
      expect((await dave('GET', '/api/v1/exceptions/EX-9/covers')).status).toBe(404);
    } finally {
      await server.close();
    }
  });
});
