import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { reportResults } from '../src/domain/report-evidence.js';
import { queuesFor } from '../src/domain/review-queue.js';
import { serverMetrics } from '../src/server/prometheus.js';
import { cli, requestArgs } from './support/cli.js';
import { kubeWorld, NAME, request, type KubeWorld } from './support/kube/cluster.js';
import { useTempDir } from './support/temp.js';

const tempDir = useTempDir();
const worlds: KubeWorld[] = [];
afterEach(async () => {
  for (const w of worlds.splice(0)) await w.close();
});

async function world(): Promise<KubeWorld> {
  const w = await kubeWorld(tempDir());
  worlds.push(w);
  return w;
}

const at = (iso: string) => ({ seconds: Date.parse(iso) / 1000, nanos: 0 });

/** A per-resource PolicyReport as Kyverno 1.13+ writes it. */
function report(w: KubeWorld, pod: string, result: 'skip' | 'fail' | 'pass', exceptions?: string) {
  w.api.seed('wgpolicyk8s.io/v1alpha2', 'PolicyReport', {
    metadata: {
      name: `uid-${pod}`,
      namespace: 'payments',
      labels: { 'app.kubernetes.io/managed-by': 'kyverno' },
    },
    scope: { apiVersion: 'v1', kind: 'Pod', name: pod, namespace: 'payments' },
    results: [
      {
        policy: 'require-image-signature',
        rule: 'check-image-signature',
        result,
        scored: true,
        source: 'kyverno',
        timestamp: at('2026-12-01T08:00:00Z'),
        ...(exceptions ? { properties: { exceptions } } : {}),
      },
    ],
    summary: { error: 0, fail: result === 'fail' ? 1 : 0, pass: 0, skip: result === 'skip' ? 1 : 0, warn: 0 },
  });
}

async function applied(w: KubeWorld): Promise<void> {
  await w.as('alice').request(request);
  await w.as('bob').approve('EX-1');
  await w.as('carol').apply('EX-1');
}

describe('proof of effect from policy reports', () => {
  it("reads Kyverno's own report shapes: per-resource scope, and the exception the properties name", () => {
    const folder = new URL('fixtures/kyverno/chainsaw-reports-background-exception/', import.meta.url);
    const results = reportResults(parse(readFileSync(new URL('report-assert.yaml', folder), 'utf8')));
    expect(results).toEqual([
      {
        policy: 'require-labels',
        rule: 'require-team',
        result: 'skip',
        exceptions: ['mynewpolex'],
        resource: { apiVersion: 'v1', kind: 'ConfigMap', namespace: '', name: 'emergency' },
        atMs: undefined,
      },
    ]);
    // The older shape lists resources per result; several exceptions are comma-separated.
    const old = reportResults({
      metadata: { namespace: 'payments' },
      results: [
        {
          policy: 'p',
          rule: 'r',
          result: 'skip',
          properties: { exceptions: 'a, b' },
          resources: [{ kind: 'Pod', name: 'x' }],
        },
        { policy: 'p', rule: 'r', result: 'pass', resources: [{ kind: 'Pod' }] },
      ],
    });
    expect(old.map((r) => [r.resource.namespace, r.resource.name, r.exceptions])).toEqual([
      ['payments', 'x', ['a', 'b']],
    ]);
  });

  it('shows what an exception exempts, when last seen, and flags it unused after a week of nothing', async () => {
    const w = await world();
    await applied(w);
    report(w, 'payments-api-1', 'skip', NAME);
    report(w, 'payments-api-2', 'skip', `other, ${NAME}`);
    report(w, 'payments-web-1', 'pass');
    const evidence = await w.as('dave').evidence('EX-1');
    expect(evidence.exempted.map((e) => e.resource.name)).toEqual(['payments-api-1', 'payments-api-2']);
    expect(evidence.lastSeen).toBe('2026-12-01T08:00:00Z');
    expect(evidence.flags).toEqual([]);

    // The pods are signed now: their results pass, nothing is exempted; a week on, it is unused.
    for (const pod of ['payments-api-1', 'payments-api-2'])
      w.api.erase('policyreports', 'payments', `uid-${pod}`);
    w.clock.set('2026-12-05T09:00:00Z');
    expect((await w.as('dave').evidence('EX-1')).flags).toEqual([]);
    w.clock.set('2026-12-08T09:00:01Z');
    const unused = await w.as('dave').evidence('EX-1');
    expect(unused.flags.map((f) => f.flag)).toEqual(['unused']);
    // It reaches the review queue of those who may revoke it.
    const queue = await w.as('carol').review();
    expect(queue.items.find((i) => i.queue === 'revoke')).toMatchObject({
      id: 'EX-1',
      why: expect.stringContaining('revoke it') as unknown,
    });
    expect(queuesFor(['requester'])).not.toContain('revoke');
  });

  it('flags results that fail again while it is in effect, and reports that still skip after its end', async () => {
    const w = await world();
    await applied(w);
    report(w, 'payments-api-1', 'fail');
    report(w, 'payments-web-1', 'fail'); // not covered by it: no concern of this exception
    const failing = await w.as('dave').evidence('EX-1');
    expect(failing.failing.map((e) => e.resource.name)).toEqual(['payments-api-1']);
    expect(failing.flags.map((f) => f.flag)).toEqual(['failing-while-active']);

    w.api.erase('policyreports', 'payments', 'uid-payments-api-1');
    await w.as('bob').revoke('EX-1', 'image signed');
    report(w, 'payments-api-1', 'skip', NAME);
    const all = await w.as('dave').evidenceAll();
    expect(all.items[0]).toMatchObject({ id: 'EX-1', state: 'removed' });
    expect(all.items[0]?.flags.map((f) => f.flag)).toEqual(['skipping-after-expiry']);
  });

  it('prints evidence in describe and evidence, and says when there is no cluster', async () => {
    const w = await world();
    const dir = tempDir();
    const kube = ['--kubeconfig', w.kubeconfig];
    const run = (args: string[], as = 'alice') => cli(dir, args, { as });
    expect((await run([...requestArgs('MIG-7'), ...kube])).code).toBe(0);
    expect((await run(['approve', 'EX-1', ...kube], 'bob')).code).toBe(0);
    expect((await run(['apply', 'EX-1', ...kube], 'carol')).code).toBe(0);
    report(w, 'payments-api-1', 'skip', NAME);

    const described = await run(['describe', 'EX-1', ...kube]);
    expect(described.stdout).toContain(
      'Exempted:         1 resource(s) in the policy reports, last seen 2026-12-01T08:00:00Z',
    );
    expect(described.stdout).toContain(
      '  Pod payments/payments-api-1  require-image-signature/check-image-signature',
    );
    const json = JSON.parse((await run(['describe', 'EX-1', '-o', 'json', ...kube])).stdout) as {
      evidence: { exempted: unknown[] };
    };
    expect(json.evidence.exempted).toHaveLength(1);
    // Applied already: the blast radius is the reviewer's question before approval, as in the text.
    expect(json).not.toHaveProperty('blastRadius');
    expect(described.stdout).not.toContain('Blast radius:');
    const listed = await run(['evidence', ...kube]);
    expect(listed.stdout).toMatch(/EX-1 +payments-api-mig-7 +active +1 +2026-12-01T08:00:00Z +-/);

    const offline = await run(['describe', 'EX-1']);
    // Its cluster is not configured in this run: said, not read from elsewhere.
    expect(offline.stdout).toContain(
      "Evidence:         <no cluster: evidence reads the cluster's policy reports, and no cluster is configured",
    );
    const refused = await run(['evidence', 'EX-1']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(
      "evidence reads the cluster's policy reports, and no cluster is configured",
    );
  });

  it('reads the evidence of an exception on a folder target from the cluster --reports-from names', async () => {
    const w = await world();
    const dir = tempDir();
    mkdirSync(join(dir, 'exceptions'));
    writeFileSync(
      join(dir, 'waiver.yaml'),
      `targets:\n  prod: { cluster: { kubeconfig: ${w.kubeconfig} } }\n  local: { directory: { path: ./exceptions } }\ndefaultTarget: prod\n`,
    );
    const env = { WAIVER_CONFIG: join(dir, 'waiver.yaml'), WAIVER_TARGET_DIR: '' };
    const run = (args: string[], as = 'alice') => cli(dir, args, { as, env });
    expect((await run([...requestArgs('MIG-8'), '--target', 'local'])).code).toBe(0);
    expect((await run(['approve', 'EX-1'], 'bob')).code).toBe(0);
    expect((await run(['apply', 'EX-1'], 'carol')).code).toBe(0);
    report(w, 'payments-api-1', 'skip', 'payments-api-mig-8');

    // The folder has no reports; Waiver does not guess which cluster its manifests reach.
    const unnamed = await run(['evidence', 'EX-1']);
    expect(unnamed.code).toBe(2);
    expect(unnamed.stderr).toBe(
      'error: --reports-from: EX-1 lives on "local", a target without policy reports: name the cluster its manifests reach (configured: prod)\n',
    );
    expect(unnamed.stderr).not.toContain('--target');
    expect((await run(['describe', 'EX-1'])).stdout).toContain(
      'Evidence:         <no cluster: --reports-from: EX-1 lives on "local"',
    );

    const read = await run(['evidence', 'EX-1', '--reports-from', 'prod', '-o', 'json']);
    expect(read.code).toBe(0);
    const evidence = JSON.parse(read.stdout) as { exempted: { resource: { name: string } }[] };
    expect(evidence.exempted.map((e) => e.resource.name)).toEqual(['payments-api-1']);
    expect((await run(['describe', 'EX-1', '--reports-from', 'prod'])).stdout).toContain(
      'Exempted:         1 resource(s) in the policy reports',
    );
    // Every exception: the folder's only with --reports-from.
    expect((await run(['evidence'])).stdout).not.toContain('EX-1');
    expect((await run(['evidence', '--reports-from', 'prod'])).stdout).toMatch(
      /EX-1 +payments-api-mig-8 +active +1/,
    );

    // Completion offers the clusters only: a folder has no reports.
    expect((await run(['__complete', 'evidence', '--reports-from', ''])).stdout).toBe('prod\n:4\n');
    expect((await run(['__complete', 'request', '--target', ''])).stdout).toBe('prod\nlocal\n:4\n');

    const notCluster = await run(['evidence', 'EX-1', '--reports-from', 'local']);
    expect(notCluster.code).toBe(2);
    expect(notCluster.stderr).toContain('--reports-from');
    expect(notCluster.stderr).toContain('--reports-from: ');
    expect(notCluster.stderr).toContain('target "local" is not a cluster: name one (prod)');
    expect(notCluster.stderr).not.toContain('--target');
  });

  it('exposes exempted resources per exception and the flagged counts to Prometheus', async () => {
    const metrics = serverMetrics({
      catchUp: () => Promise.reject(new Error('not scraped here')),
      figures: () => Promise.reject(new Error('not scraped here')),
      pendingNotifications: () => Promise.reject(new Error('not scraped here')),
      now: () => 0,
    });
    const entry = {
      resource: { apiVersion: 'v1', kind: 'Pod', namespace: 'payments', name: 'a' },
      policy: 'p',
      rule: 'r',
      seenAt: null,
    };
    metrics.setEvidence([
      {
        id: 'EX-1',
        name: 'a',
        state: 'active',
        exempted: [entry, entry],
        lastSeen: null,
        failing: [],
        withoutException: [],
        flags: [],
      },
      {
        id: 'EX-2',
        name: 'b',
        state: 'active',
        exempted: [],
        lastSeen: null,
        failing: [],
        withoutException: [],
        flags: [{ flag: 'unused', why: 'x' }],
      },
    ]);
    const text = await metrics.registry.metrics();
    expect(text).toContain('waiver_exception_exempted_resources{exception="EX-1"} 2');
    expect(text).toContain('waiver_exception_exempted_resources{exception="EX-2"} 0');
    expect(text).toContain('waiver_exception_flagged{flag="unused"} 1');
  });
});
