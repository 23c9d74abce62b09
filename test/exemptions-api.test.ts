import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { backends } from './support/databases.js';
import { legacyRequest } from './support/requests.js';
import { startTestServer, type TestServer } from './support/server.js';
import { useTempDir } from './support/temp.js';

const tempDir = useTempDir();
const running: TestServer[] = [];
afterEach(async () => {
  for (const server of running.splice(0)) await server.close();
});

const capabilities = {
  controlName: 'Capabilities',
  images: ['registry.example/legacy/proxy:1'],
  restrictedField: 'spec.containers[*].securityContext.capabilities.add',
  values: ['NET_ADMIN'],
};
const pssRequest = {
  ...legacyRequest('MIG-31'),
  policy: 'pod-security',
  rules: ['baseline'],
  names: ['legacy-batch'],
  podSecurity: [capabilities, { controlName: 'Seccomp' }],
};

describe.each(backends)(
  'podSecurity, images and allowedValues through the HTTP API on $name',
  ({ enabled, databases }) => {
    if (!enabled) return it.skip('needs WAIVER_TEST_DATABASE_URL');
    const db = databases();
    const start = async () => {
      const server = await startTestServer({ database: await db.fresh(), dir: tempDir() });
      running.push(server);
      return server;
    };

    it('files the entries, answers with them, and writes them into the folder target', async () => {
      const server = await start();
      const alice = server.as(await server.token('alice', ['requester']));
      const bob = server.as(await server.token('bob', ['approver']));
      const carol = server.as(await server.token('carol', ['applier']));
      const created = await alice('POST', '/api/v1/exceptions', pssRequest);
      expect(created.status).toBe(201);
      const entries = [
        capabilities,
        { controlName: 'Seccomp', images: [], restrictedField: null, values: [] },
      ];
      expect(created.body.exception).toMatchObject({ podSecurity: entries, images: [], allowedValues: [] });
      expect((await bob('GET', '/api/v1/exceptions/EX-1')).body.podSecurity).toEqual(entries);
      await bob('POST', '/api/v1/exceptions/EX-1/approve');
      expect((await carol('POST', '/api/v1/exceptions/EX-1/apply')).status).toBe(200);
      const file = join(server.targetDir, 'policy-exceptions', `${created.body.exception.name}.yaml`);
      const written = parse(readFileSync(file, 'utf8')) as { spec: Record<string, unknown> };
      expect(written.spec['podSecurity']).toEqual([capabilities, { controlName: 'Seccomp' }]);
      expect((await carol('GET', '/api/v1/audit/verify')).status).toBe(200);
      // A renewal keeps what its exception exempts.
      const renewed = await alice('POST', '/api/v1/exceptions/EX-1/renew', {
        reason: 'The restricted profile slipped by a sprint: two more weeks',
        expires: '14d',
      });
      expect(renewed.status).toBe(201);
      expect(renewed.body.exception).toMatchObject({ renewalOf: 'EX-1', podSecurity: entries });
    });

    it('refuses bad entries with the field and the rule named, and files nothing', async () => {
      const server = await start();
      const alice = server.as(await server.token('alice', ['requester']));
      const refused = async (body: Record<string, unknown>) => {
        const answer = await alice('POST', '/api/v1/exceptions', body);
        return [answer.status, answer.body.code, answer.body.field, answer.body.message as string] as const;
      };
      const unknownControl = await refused({ ...pssRequest, podSecurity: [{ controlName: 'Root' }] });
      expect(unknownControl.slice(0, 3)).toEqual([422, 'guardrail', 'podSecurity.0.controlName']);
      expect(unknownControl[3]).toContain('"Root" is not a Pod Security control');
      expect(
        (await refused({ ...pssRequest, podSecurity: [{ ...capabilities, images: [] }] })).slice(0, 3),
      ).toEqual([422, 'guardrail', 'podSecurity.0.images']);
      expect(
        (
          await refused({
            ...pssRequest,
            podSecurity: [{ ...capabilities, restrictedField: 'spec.hostNetwork' }],
          })
        ).slice(0, 3),
      ).toEqual([422, 'guardrail', 'podSecurity.0.restrictedField']);
      expect((await refused({ ...pssRequest, images: ['vendor.example/*'] })).slice(0, 3)).toEqual([
        422,
        'guardrail',
        'images',
      ]);
      const celValues = await refused({
        ...legacyRequest('MIG-32'),
        apiVersion: 'policies.kyverno.io/v1',
        policy: 'ValidatingPolicy/check-labels',
        allowedValues: ["x') || true || ('"],
      });
      expect(celValues.slice(0, 3)).toEqual([422, 'guardrail', 'allowedValues.0']);
      // A key Kyverno's entry does not have is refused by the schema, by its path.
      const typo = await refused({ ...pssRequest, podSecurity: [{ ...capabilities, image: ['x'] }] });
      expect(typo.slice(0, 2)).toEqual([400, 'usage']);
      expect(typo[3]).toContain('podSecurity');
      expect((await alice('GET', '/api/v1/exceptions')).body.items).toEqual([]);
    });
  },
);
