import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cli, requestArgs } from './support/cli.js';
import { seedCluster } from './support/kube/cluster.js';
import { FakeKubeApiServer } from './support/kube/fake-api-server.js';
import { legacyRequest } from './support/requests.js';
import { inject, startTestServer, type TestServer } from './support/server.js';
import { useTempDir } from './support/temp.js';

const tempDir = useTempDir();
const running: TestServer[] = [];
const clusters: FakeKubeApiServer[] = [];
afterEach(async () => {
  for (const server of running.splice(0)) await server.close();
  for (const cluster of clusters.splice(0)) await cluster.stop();
});

/** A cluster with a ClusterPolicy (seeded), a namespaced Policy of two rules and two CEL policies. */
async function policyCluster(): Promise<FakeKubeApiServer> {
  const cluster = await new FakeKubeApiServer().start();
  clusters.push(cluster);
  seedCluster(cluster);
  cluster.seed('kyverno.io/v1', 'Policy', {
    metadata: { name: 'team-rules', namespace: 'payments' },
    spec: {
      rules: [
        { name: 'no-latest', match: { any: [{ resources: { kinds: ['Pod'] } }] } },
        { name: 'limits', match: { any: [{ resources: { kinds: ['Deployment'] } }] } },
      ],
    },
  });
  cluster.seed('policies.kyverno.io/v1', 'ImageValidatingPolicy', { metadata: { name: 'check-images' } });
  cluster.seed('policies.kyverno.io/v1', 'ValidatingPolicy', { metadata: { name: 'no-host-path' } });
  return cluster;
}

async function server(cluster?: FakeKubeApiServer): Promise<TestServer> {
  const dir = tempDir();
  let kubeconfig: string | undefined;
  if (cluster) {
    kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(kubeconfig, cluster.kubeconfig());
  }
  const started = await startTestServer({
    database: join(dir, 'w.db'),
    dir,
    ...(kubeconfig ? { kubeconfig } : {}),
    moreTargets: { archive: { kind: 'directory', dir: join(dir, 'archive'), createRoot: true } },
  });
  running.push(started);
  return started;
}

describe('GET /api/v1/policies', () => {
  it("answers a cluster target's own policies with their written rules, and a folder's configured ones", async () => {
    const s = await server(await policyCluster());
    const alice = s.as(await s.token('alice', ['requester']));
    const onCluster = await alice('GET', '/api/v1/policies');
    expect(onCluster.status).toBe(200);
    expect(onCluster.body).toEqual({
      target: 'test',
      kind: 'cluster',
      source: 'cluster',
      items: [
        { name: 'ImageValidatingPolicy/check-images', kind: 'ImageValidatingPolicy', cel: true, rules: [] },
        {
          name: 'payments/team-rules',
          kind: 'Policy',
          cel: false,
          rules: [
            { name: 'no-latest', kinds: ['Pod'] },
            { name: 'limits', kinds: ['Deployment'] },
          ],
        },
        // The autogen rules Kyverno adds are not listed: a request adds them from its kinds.
        {
          name: 'require-image-signature',
          kind: 'ClusterPolicy',
          cel: false,
          rules: [{ name: 'check-image-signature', kinds: ['Pod'] }],
        },
        { name: 'ValidatingPolicy/no-host-path', kind: 'ValidatingPolicy', cel: true, rules: [] },
      ],
      notes: [],
    });
    const onFolder = await alice('GET', '/api/v1/policies?target=archive');
    expect(onFolder.body).toEqual({
      target: 'archive',
      kind: 'directory',
      source: 'configuration',
      items: [
        {
          name: 'require-image-signature',
          kind: 'ClusterPolicy',
          cel: false,
          rules: [{ name: 'check-image-signature', kinds: [] }],
        },
      ],
      notes: [],
    });
  });

  it('is a read: every role may ask, nobody unsigned; a bad target or key is a 400 naming it', async () => {
    const s = await server();
    for (const role of ['requester', 'approver', 'applier', 'auditor'])
      expect((await s.as(await s.token(`${role}-1`, [role]))('GET', '/api/v1/policies')).status, role).toBe(
        200,
      );
    const anonymous = await inject(s.app, undefined, 'GET', '/api/v1/policies');
    expect(anonymous.status).toBe(401);
    const alice = s.as(await s.token('alice', ['requester']));
    const unknown = await alice('GET', '/api/v1/policies?target=nope');
    expect(unknown.status).toBe(400);
    expect(unknown.body).toMatchObject({
      field: 'target',
      message: 'target "nope" is not configured here (configured: folder, archive)',
    });
    for (const query of ['target=', `target=${'x'.repeat(254)}`]) {
      const bad = await alice('GET', `/api/v1/policies?${query}`);
      expect(bad.status, query).toBe(400);
      expect(bad.body.field, query).toBe('target');
    }
    const stray = await alice('GET', '/api/v1/policies?cluster=test');
    expect(stray.status).toBe(400);
    expect(stray.body.message).toContain('cluster');
  });

  it('falls back to the configuration, and says why, when the cluster cannot be read', async () => {
    const cluster = await policyCluster();
    const s = await server(cluster);
    await cluster.stop();
    clusters.splice(0);
    const answer = await s.as(await s.token('alice', ['requester']))('GET', '/api/v1/policies');
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      target: 'test',
      source: 'configuration',
      items: [{ name: 'require-image-signature' }],
      notes: [expect.stringMatching(/^cannot read the policies of cluster target test: /)],
    });
  });
});

describe('request names the policy it used', () => {
  it('in the API answer: the default policy, its rule and the autogen rule a Deployment needs', async () => {
    const s = await server();
    const alice = s.as(await s.token('alice', ['requester']));
    const created = await alice('POST', '/api/v1/exceptions', { ...legacyRequest(), kinds: ['Deployment'] });
    expect(created.status).toBe(201);
    expect(created.body.exception).toMatchObject({
      policy: 'require-image-signature',
      rules: ['check-image-signature', 'autogen-check-image-signature'],
      kinds: ['Deployment', 'Pod'],
      target: 'folder',
    });
  });

  it('on the CLI, in local and remote mode, with the rules and kinds the domain added', async () => {
    const local = tempDir();
    mkdirSync(join(local, 'gitops'));
    const requested = await cli(local, [...requestArgs('MIG-7'), '--kind', 'CronJob']);
    expect(requested).toMatchObject({ code: 0, stderr: '' });
    expect(requested.stdout).toBe(
      'EX-1 (payments-api-mig-7) requested: pending (policy require-image-signature, rules check-image-signature, autogen-check-image-signature, autogen-cronjob-check-image-signature; kinds CronJob, Job, Pod; target folder)\n',
    );
    const s = await server();
    const env = { WAIVER_SERVER: s.url, WAIVER_TOKEN: await s.token('alice', ['requester']) };
    const cel = await cli(
      tempDir(),
      [
        ...requestArgs('MIG-8'),
        '--policy',
        'ValidatingPolicy/no-host-path',
        '--api-version',
        'policies.kyverno.io/v1',
      ],
      { env },
    );
    expect(cel).toMatchObject({ code: 0, stderr: '' });
    expect(cel.stdout).toBe(
      'EX-1 (payments-api-mig-8) requested: pending (policy ValidatingPolicy/no-host-path, the whole policy; kinds Pod; target folder)\n',
    );
  });
});
