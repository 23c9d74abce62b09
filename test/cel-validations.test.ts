import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { cli, json } from './support/cli.js';
import { storeBackends } from './support/databases.js';
import { kubeWorld, NS, type KubeWorld } from './support/kube/cluster.js';
import { legacyRequest } from './support/requests.js';
import { startTestServer, type TestServer } from './support/server.js';
import { useTempDir } from './support/temp.js';

const tempDir = useTempDir();
const POLICY = 'ValidatingPolicy/require-run-as-non-root';
const TEAM = "has(object.metadata.labels) && object.metadata.labels['team'] == 'payments'";
// Quotes, a colon-space and a hash: YAML written by hand would break on each.
const NO_HOST_PATH =
  "!has(object.spec.volumes) || object.spec.volumes.all(v, !has(v.hostPath)) || 'a: #b' == ''";
const celRequest = {
  ...legacyRequest('MIG-31'),
  apiVersion: 'policies.kyverno.io/v1' as const,
  policy: POLICY,
  compensatingControls: 'Only the payments team deploys here; no host paths',
  validations: [TEAM, NO_HOST_PATH],
};

describe.each(storeBackends.filter((b) => b.enabled))(
  'compensating validations over the API on $name',
  (backend) => {
    const dbs = backend.databases();
    let server: TestServer | undefined;
    afterEach(async () => {
      await server?.close();
      server = undefined;
    });

    it('records them, shows them to the reviewer, renders them as match conditions and audits the request', async () => {
      server = await startTestServer({ database: await dbs.fresh(), dir: tempDir() });
      const alice = server.as(await server.token('alice', ['requester']));
      const bob = server.as(await server.token('bob', ['approver']));
      const created = await alice('POST', '/api/v1/exceptions', celRequest);
      expect(created.status).toBe(201);
      expect(created.body.exception).toMatchObject({ id: 'EX-1', validations: [TEAM, NO_HOST_PATH] });

      expect((await bob('GET', '/api/v1/exceptions/EX-1')).body.validations).toEqual([TEAM, NO_HOST_PATH]);
      const seen = await bob('GET', '/api/v1/exceptions/EX-1/history');
      expect(seen.body.history[0]).toMatchObject({
        action: 'requested',
        data: { validations: [TEAM, NO_HOST_PATH], compensatingControls: celRequest.compensatingControls },
      });
      const manifest = parse((await bob('GET', '/api/v1/exceptions/EX-1/manifest')).text) as {
        spec: { matchConditions: { name: string; expression: string }[] };
      };
      expect(manifest.spec.matchConditions.slice(1)).toEqual([
        { name: 'waiver-validation-0', expression: TEAM },
        { name: 'waiver-validation-1', expression: NO_HOST_PATH },
      ]);
      expect((await bob('GET', '/api/v1/audit/verify')).body).toMatchObject({ intact: true });
    });

    it('refuses an expression that does not compile, naming the field and its index, and files nothing', async () => {
      server = await startTestServer({ database: await dbs.fresh(), dir: tempDir() });
      const alice = server.as(await server.token('alice', ['requester']));
      const bad = await alice('POST', '/api/v1/exceptions', {
        ...celRequest,
        validations: [TEAM, "object.metadata.labels['team'] =="],
      });
      expect(bad.status).toBe(422);
      expect(bad.body).toMatchObject({ code: 'guardrail', issues: [{ field: 'validations.1' }] });
      expect(bad.body.message).toContain(
        `validations.1 "object.metadata.labels['team'] ==" does not compile`,
      );

      const kyvernoIo = await alice('POST', '/api/v1/exceptions', {
        ...legacyRequest('MIG-32'),
        validations: [TEAM],
      });
      expect(kyvernoIo.status).toBe(422);
      expect(kyvernoIo.body).toMatchObject({ code: 'guardrail', issues: [{ field: 'validations' }] });
      expect(kyvernoIo.body.message).toContain('CEL PolicyException (policies.kyverno.io) only');
      expect((await alice('GET', '/api/v1/exceptions')).body.items).toEqual([]);
    });
  },
);

describe('compensating validations on the command line', () => {
  it('takes --validation repeated, describes them, and refuses a bad one with nothing filed', async () => {
    const cwd = tempDir();
    mkdirSync(join(cwd, 'gitops'));
    const base = [
      'request',
      '-n',
      'payments',
      '--name',
      'payments-api-*',
      '--category',
      'legacy-migration',
      '--ticket',
      'MIG-33',
      '--reason',
      celRequest.reason,
      '--expires',
      '20d',
      '--api-version',
      'policies.kyverno.io/v1',
      '--policy',
      POLICY,
    ];
    const bad = await cli(cwd, [
      ...base,
      '--validation',
      TEAM,
      '--validation',
      'object.spec.containers.size(',
    ]);
    expect(bad.code).toBe(3);
    expect(bad.stderr).toContain(
      '--validation: validations.1 "object.spec.containers.size(" does not compile',
    );
    const kyvernoIo = await cli(cwd, [...base.slice(0, -4), '--validation', TEAM]);
    expect(kyvernoIo.code).toBe(3);
    expect(kyvernoIo.stderr).toContain('CEL PolicyException (policies.kyverno.io) only');
    expect(json<{ items: unknown[] }>(await cli(cwd, ['get', '-o', 'json'])).items).toEqual([]);

    const created = json(
      await cli(cwd, [...base, '--validation', TEAM, '--validation', NO_HOST_PATH, '-o', 'json']),
    );
    expect(created).toMatchObject({ id: 'EX-1', validations: [TEAM, NO_HOST_PATH] });
    const described = (await cli(cwd, ['describe', 'EX-1'])).stdout;
    expect(described).toContain(`Validations:      ${TEAM}\n                  ${NO_HOST_PATH}\n`);
    const rendered = (await cli(cwd, ['render', 'EX-1'])).stdout;
    expect((parse(rendered) as { spec: { matchConditions: unknown[] } }).spec.matchConditions).toContainEqual(
      {
        name: 'waiver-validation-1',
        expression: NO_HOST_PATH,
      },
    );
  });
});

describe('covers, with compensating validations', () => {
  const worlds: KubeWorld[] = [];
  afterEach(async () => {
    for (const w of worlds.splice(0)) await w.close();
  });

  it('lets through only what meets them, and says which would still fail without the exception', async () => {
    const w = await kubeWorld(tempDir());
    worlds.push(w);
    w.api.seed('policies.kyverno.io/v1', 'ValidatingPolicy', {
      metadata: { name: 'require-run-as-non-root' },
      spec: {
        matchConstraints: {
          resourceRules: [
            { apiGroups: [''], apiVersions: ['v1'], resources: ['pods'], operations: ['CREATE'] },
          ],
        },
        validations: [
          {
            expression:
              'object.spec.containers.all(c, has(c.securityContext) && c.securityContext.runAsNonRoot == true)',
          },
        ],
      },
    });
    const pod = (name: string, team: string | undefined, runAsNonRoot: boolean) =>
      w.api.seed('v1', 'Pod', {
        metadata: { name, namespace: 'payments', ...(team ? { labels: { team } } : {}) },
        spec: { containers: [{ name: 'app', image: 'app:1', securityContext: { runAsNonRoot } }] },
      });
    pod('payments-api-1', 'payments', false);
    pod('payments-api-2', undefined, false);
    pod('payments-api-3', 'payments', true);
    await w.as('alice').request({ ...celRequest, validations: [TEAM] });
    const report = await w.as('bob').covers('EX-1');
    expect(
      report.items.map(
        (i) => `${i.resource.name} ${String(i.covered)} ${i.withoutException?.verdict ?? '-'}`,
      ),
    ).toEqual(['payments-api-1 true would-fail', 'payments-api-3 true would-pass']);
    // payments-api-2 is in the scope, but lacks the compensating control: the policy judges it as usual.
    expect(report.notCovered).toBe(1);
  });
});

describe('import, with compensating validations', () => {
  const worlds: KubeWorld[] = [];
  afterEach(async () => {
    for (const w of worlds.splice(0)) await w.close();
  });
  const CEL = 'policyexceptions.policies.kyverno.io';

  it('reads waiver-validation-N back, so the adopted exception is written with the same conditions', async () => {
    const w = await kubeWorld(tempDir());
    worlds.push(w);
    w.api.seed('apiextensions.k8s.io/v1', 'CustomResourceDefinition', {
      metadata: { name: CEL },
      spec: { versions: [{ name: 'v1', served: true }] },
    });
    w.api.seed('policies.kyverno.io/v1', 'ValidatingPolicy', {
      metadata: { name: 'require-run-as-non-root' },
      spec: { validations: [{ expression: 'true' }] },
    });
    await w.as('alice').request(celRequest);
    await w.as('bob').approve('EX-1');
    await w.as('carol').apply('EX-1');
    const applied = (await w.deps.store.getException(1))!;
    const original = w.api.get(CEL, NS, applied.name)!;
    // The same object as another Waiver (or a restored backup) left it: no longer labelled as ours.
    const labels = { ...(original['metadata'].labels as Record<string, string>) };
    delete labels['app.kubernetes.io/managed-by'];
    w.api.seed('policies.kyverno.io/v1', 'PolicyException', {
      ...original,
      metadata: {
        name: 'payments-copy',
        namespace: NS,
        labels,
        annotations: original['metadata'].annotations,
      },
    });

    const report = await w.as('carol').import({ dryRun: false });
    expect(report.refused).toEqual([]);
    expect(report.imported).toMatchObject([{ id: 'EX-2', name: 'payments-copy', lacks: [] }]);
    expect((await w.deps.store.getException(2))?.validations).toEqual([TEAM, NO_HOST_PATH]);
    const adopted = w.api.get(CEL, NS, 'payments-copy')!;
    expect(adopted['spec'].matchConditions).toEqual(original['spec'].matchConditions);
    expect(adopted['spec'].matchConditions.map((c: { name: string }) => c.name)).toEqual([
      'waiver-scope',
      'waiver-validation-0',
      'waiver-validation-1',
    ]);
  });
});
