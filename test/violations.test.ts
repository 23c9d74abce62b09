import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ViolationList } from '../src/service/list-violations.js';
import { cli, json } from './support/cli.js';
import { LEGACY_REASON } from './support/requests.js';
import { startTestServer } from './support/server.js';
import { WaiverError } from '../src/domain/errors.js';
import { failingResults, parseViolationRef } from '../src/domain/violations.js';
import { kubeWorld, request, useTestCluster, type KubeWorld } from './support/kube/cluster.js';
import {
  BARE_POD,
  CRON_POD,
  DEPLOYMENT_POD,
  IVP_POD,
  PSS_POD,
  SIBLING_POD,
  seedViolations,
} from './support/kube/violation-fixtures.js';
import { useTempDir } from './support/temp.js';

const tempDir = useTempDir();
const testCluster = useTestCluster();
const worlds: KubeWorld[] = [];
afterEach(async () => {
  for (const w of worlds.splice(0)) await w.close();
});

async function world(): Promise<KubeWorld> {
  const w = await kubeWorld(tempDir(), { catalog: true });
  worlds.push(w);
  seedViolations(w.api);
  return w;
}

describe('violations: the failing results of the policy reports', () => {
  it('lists fail results of both report API groups by resource and policy, with owners resolved', async () => {
    const w = await world();
    const { items, notes } = await w.as('dave').violations();
    expect(notes).toEqual([]);
    expect(items.map((v) => [v.resource.name, v.policy, v.rules.map((r) => r.rule), v.sources])).toEqual([
      [BARE_POD, 'require-image-signature', ['check-image-signature'], ['openreports.io/v1alpha1']],
      [PSS_POD, 'pod-security', ['baseline'], ['wgpolicyk8s.io/v1alpha2']],
      [CRON_POD, 'require-image-signature', ['check-image-signature'], ['openreports.io/v1alpha1']],
      [SIBLING_POD, 'require-image-signature', ['check-image-signature'], ['wgpolicyk8s.io/v1alpha2']],
      [DEPLOYMENT_POD, 'require-image-signature', ['check-image-signature'], ['wgpolicyk8s.io/v1alpha2']],
      // A CEL policy is named as a request names it.
      [IVP_POD, 'ImageValidatingPolicy/check-images', [''], ['openreports.io/v1alpha1']],
    ]);
    const byName = new Map(items.map((v) => [v.resource.name, v]));
    expect(byName.get(DEPLOYMENT_POD)?.owner).toEqual({
      kind: 'Deployment',
      name: 'payments-api',
      chain: [
        { kind: 'ReplicaSet', name: 'payments-api-7d9c8b6f5' },
        { kind: 'Deployment', name: 'payments-api' },
      ],
      podTemplateHash: '7d9c8b6f5',
      complete: true,
    });
    expect(byName.get(CRON_POD)?.owner).toEqual({
      kind: 'CronJob',
      name: 'nightly-report',
      chain: [
        { kind: 'Job', name: 'nightly-report-29012345' },
        { kind: 'CronJob', name: 'nightly-report' },
      ],
      podTemplateHash: null,
      complete: true,
    });
    expect(byName.get(BARE_POD)?.owner).toBeNull();
    expect(byName.get(DEPLOYMENT_POD)).toMatchObject({
      target: 'test-cluster',
      lastSeen: '2026-12-01T08:00:00Z',
      covered: false,
      rules: [
        {
          rule: 'check-image-signature',
          result: 'fail',
          message: expect.stringContaining('no signatures found') as unknown,
          seenAt: '2026-12-01T08:00:00Z',
          covered: false,
          exceptions: [],
        },
      ],
    });
  });

  it('says which violations an exception in effect already covers, and filters by namespace and policy', async () => {
    const w = await world();
    await w.as('alice').request(request); // payments-api-* in payments
    await w.as('bob').approve('EX-1');
    await w.as('carol').apply('EX-1');
    const { items } = await w.as('dave').violations({ policy: 'require-image-signature' });
    expect(items.map((v) => [v.resource.name, v.covered, v.rules[0]?.exceptions])).toEqual([
      [BARE_POD, false, []],
      [CRON_POD, false, []],
      [SIBLING_POD, true, ['policy-exceptions/payments-api-mig-7']],
      [DEPLOYMENT_POD, true, ['policy-exceptions/payments-api-mig-7']],
    ]);
    expect((await w.as('dave').violations({ policy: 'check-images' })).items).toHaveLength(1);
    expect((await w.as('dave').violations({ namespace: 'kyverno' })).items).toEqual([]);
  });

  it('refuses a report of an unknown API group by name, and a malformed reference', () => {
    let caught: unknown;
    try {
      failingResults({
        apiVersion: 'example.com/v1',
        kind: 'PolicyReport',
        metadata: { name: 'r', namespace: 'x' },
      });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(WaiverError);
    expect(caught).toMatchObject({
      field: 'apiVersion',
      message: expect.stringContaining('PolicyReport x/r has apiVersion "example.com/v1"') as unknown,
    });
    expect(parseViolationRef('Pod/payments/api')).toEqual({
      kind: 'Pod',
      namespace: 'payments',
      name: 'api',
    });
    expect(() => parseViolationRef('Pod')).toThrow(/not KIND\/NAMESPACE\/NAME/);
    expect(() => parseViolationRef('payments/debug-shell')).toThrow(/not KIND\/NAMESPACE\/NAME/);
    expect(() => parseViolationRef('Pod/Bad_NS/x')).toThrow(
      '"Pod/Bad_NS/x": "Bad_NS" is not a namespace name (a DNS-1123 label: lower-case letters, digits and "-", at most 63 characters)',
    );
  });

  it('prints one row per resource and policy, with the owner and whether it is covered', async () => {
    const w = await world();
    const { violationsTable } = await import('../src/cli/commands/violations.js');
    const text = violationsTable((await w.as('dave').violations()).items);
    expect(text.split('\n')[0]).toMatch(
      /^RESOURCE\s+OWNER\s+POLICY\s+RULES\s+LAST SEEN\s+COVERED\s+MESSAGE$/,
    );
    expect(text).toMatch(
      new RegExp(
        `Pod/payments/${DEPLOYMENT_POD}\\s+Deployment/payments-api\\s+require-image-signature\\s+check-image-signature\\s+2026-12-01T08:00:00Z\\s+no\\s+image verification failed`,
      ),
    );
  });

  it('answers `waiver violations` and GET /api/v1/violations to any reader, and refuses bad flags', async () => {
    const { api, dir, kubeconfig } = await testCluster();
    seedViolations(api);
    const config = join(dir, 'waiver.yaml');
    writeFileSync(config, 'kubernetes: {attempts: 1}\n');
    const waiver = (args: string[]) =>
      cli(dir, [...args, '--config', config, '--kubeconfig', kubeconfig, '--context', 'test'], {
        as: 'dave',
      });
    const listed = json<ViolationList>(
      await waiver(['violations', '-n', 'payments', '--policy', 'pod-security', '-o', 'json']),
    );
    expect(listed.items.map((v) => v.resource.name)).toEqual([PSS_POD]);
    const justified = [
      '--category',
      'legacy-migration',
      '--ticket',
      'MIG-3',
      '--reason',
      LEGACY_REASON,
      '--expires',
      '14d',
    ];
    const drafted = await waiver([
      'request',
      '--from-violation',
      `Pod/payments/${BARE_POD}`,
      '--policy',
      'require-image-signature',
      ...justified,
      '-o',
      'json',
    ]);
    expect(drafted.stderr).toContain(`drafted from Pod payments/${BARE_POD} (pod): a bare pod`);
    expect(json<{ names: string[]; kinds: string[] }>(drafted)).toMatchObject({
      names: [BARE_POD],
      kinds: ['Pod'],
    });
    const described = await waiver(['describe', 'EX-1']);
    expect(described.stdout).toContain(
      `Drafted from:     Pod payments/${BARE_POD} failing require-image-signature, last seen 2026-12-01T06:00:00Z`,
    );
    expect(described.stdout).toContain('named by pod: a bare pod');
    // The reviewer's question, for each resource approving it lets through: would it fail without it?
    expect(described.stdout).toMatch(
      new RegExp(
        `Blast radius: +1 let through, \\d+ not\\n  Pod payments/${BARE_POD} \\(check-image-signature\\): unknown \\(`,
      ),
    );
    // The same blast radius in JSON, under its own key: the counts, and each resource with its verdict.
    const radius = json<{ blastRadius: DescribedRadius }>(
      await waiver(['describe', 'EX-1', '-o', 'json']),
    ).blastRadius;
    const [, letThrough, notLetThrough, line] =
      /Blast radius: +(\d+) let through, (\d+) not\n {2}(.*)\n/.exec(described.stdout) ?? [];
    expect(radius).toMatchObject({
      letThrough: Number(letThrough),
      notLetThrough: Number(notLetThrough),
      resources: [
        {
          resource: { kind: 'Pod', namespace: 'payments', name: BARE_POD },
          rule: 'check-image-signature',
          covered: true,
          withoutException: { verdict: 'unknown' },
        },
      ],
    });
    expect(line).toBe(
      `Pod payments/${BARE_POD} (check-image-signature): unknown (${radius.resources[0]?.withoutException?.why ?? ''})`,
    );
    const widened = await waiver([
      'request',
      '--from-violation',
      `Pod/payments/${BARE_POD}`,
      '--policy',
      'require-image-signature',
      '--name',
      'debug-*',
      ...justified.map((a) => (a === 'MIG-3' ? 'MIG-4' : a)),
    ]);
    expect(widened.code).toBe(0);
    // The answer says what the flag widened, before the reviewer does.
    expect(widened.stdout).toContain('WIDENED names: debug-*');
    expect((await waiver(['describe', 'EX-2'])).stdout).toContain('WIDENED names: debug-*');
    // A Pod Security violation: the filed exception carries the failing controls, and describe says so.
    const pss = await waiver([
      'request',
      '--from-violation',
      `Pod/payments/${PSS_POD}`,
      '--policy',
      'pod-security',
      ...justified.map((a) => (a === 'MIG-3' ? 'MIG-5' : a)),
      '-o',
      'json',
    ]);
    expect(json<{ podSecurity: { controlName: string; images: string[] }[] }>(pss).podSecurity).toEqual([
      expect.objectContaining({ controlName: 'Capabilities', images: ['registry.example/legacy/proxy:1'] }),
      expect.objectContaining({
        controlName: 'Privileged Containers',
        images: ['registry.example/legacy/app:2'],
      }),
    ]);
    expect((await waiver(['describe', 'EX-3'])).stdout).toMatch(
      /Pod Security: +Capabilities images=registry\.example\/legacy\/proxy:1 .*values=NET_ADMIN\n +Privileged Containers /,
    );
    const noPolicy = await waiver(['request', '--from-violation', `Pod/payments/${BARE_POD}`, ...justified]);
    expect([noPolicy.code, noPolicy.stderr]).toEqual([
      2,
      expect.stringContaining('--from-violation needs --policy') as unknown,
    ]);
    const gone = await waiver([
      'request',
      '--from-violation',
      'Pod/payments/nobody',
      '--policy',
      'require-image-signature',
      ...justified,
    ]);
    expect(gone.code).not.toBe(0);
    expect(gone.stderr).toContain('the violation no longer exists');
    const badNamespace = await waiver(['violations', '-n', 'Bad_NS']);
    expect([badNamespace.code, badNamespace.stderr]).toEqual([
      2,
      expect.stringMatching(/^error: --namespace: "Bad_NS" is not a namespace name/) as unknown,
    ]);
    const bad = await waiver(['violations', '-o', 'wide']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('output format "wide"');

    const server = await startTestServer({ database: join(dir, 'api.db'), dir, kubeconfig });
    try {
      const dave = server.as(await server.token('dave', ['auditor']));
      const answer = await dave(
        'GET',
        '/api/v1/violations?namespace=payments&policy=require-image-signature',
      );
      expect(answer.status).toBe(200);
      expect((answer.body as ViolationList).items.map((v) => v.resource.name)).toEqual([
        BARE_POD,
        CRON_POD,
        SIBLING_POD,
        DEPLOYMENT_POD,
      ]);
      expect((await server.as('')('GET', '/api/v1/violations')).status).toBe(401);
      const unknown = await dave('GET', '/api/v1/violations?kind=Pod');
      expect(unknown.status).toBe(400);
      const target = await dave('GET', '/api/v1/violations?target=nowhere');
      expect(target.status).toBe(400);
      expect(JSON.stringify(target.body)).toContain('target \\"nowhere\\" is not configured');
    } finally {
      await server.close();
    }
  });

  it('reads the reports of one cluster and files the exception to a folder target, as GitOps needs', async () => {
    const { api, dir, kubeconfig } = await testCluster();
    seedViolations(api);
    const config = join(dir, 'gitops.yaml');
    writeFileSync(
      config,
      `targets:\n  prod: { cluster: { kubeconfig: ${JSON.stringify(kubeconfig)}, context: test, attempts: 1 } }\n  repo: { directory: { path: ./exceptions } }\ndefaultTarget: repo\n`,
    );
    mkdirSync(join(dir, 'exceptions'));
    const waiver = (args: string[]) => cli(dir, [...args, '--config', config], { as: 'alice' });
    const justified = [
      '--category',
      'legacy-migration',
      '--ticket',
      'MIG-5',
      '--reason',
      LEGACY_REASON,
      '--expires',
      '14d',
    ];
    const from = ['--from-violation', `Pod/payments/${BARE_POD}`, '--policy', 'require-image-signature'];
    const notACluster = await waiver(['request', ...from, ...justified]);
    expect([notACluster.code, notACluster.stderr]).toEqual([
      2,
      expect.stringContaining('read the reports with --reports-from CLUSTER') as unknown,
    ]);
    const filed = await waiver(['request', ...from, '--reports-from', 'prod', ...justified, '-o', 'json']);
    expect(filed.code).toBe(0);
    expect(json<{ target: string; names: string[]; namespaces: string[] }>(filed)).toMatchObject({
      target: 'repo',
      names: [BARE_POD],
      namespaces: ['payments'],
    });
    expect((await waiver(['describe', 'EX-1'])).stdout).toContain(
      `Drafted from:     Pod payments/${BARE_POD}`,
    );
    const notReports = await waiver(['request', ...from, '--reports-from', 'repo', ...justified]);
    expect([notReports.code, notReports.stderr]).toEqual([
      2,
      expect.stringMatching(
        /^error: --reports-from: .*target "repo" is not a cluster: name one \(prod\)/,
      ) as unknown,
    ]);
    const preview = await waiver([
      'request',
      ...from,
      '--reports-from',
      'prod',
      ...justified,
      '--preview',
      '-o',
      'json',
    ]);
    expect([preview.code, preview.stderr]).toEqual([
      0,
      expect.stringMatching(/^drafted from Pod payments\//) as unknown,
    ]);
    expect(preview.stdout).toContain(BARE_POD);
    const alone = await waiver([
      'request',
      '--reports-from',
      'prod',
      '-n',
      'payments',
      '--name',
      'x',
      ...justified,
    ]);
    expect([alone.code, alone.stderr]).toEqual([2, expect.stringContaining('--reports-from:') as unknown]);
  });
});

/** `describe -o json`'s blast radius, as far as these tests read it. */
interface DescribedRadius {
  letThrough: number;
  notLetThrough: number;
  resources: { withoutException: { verdict: string; why: string } | null }[];
}
