import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { operationList } from '../src/api/operations.js';
import { remoteWaiver } from '../src/cli/remote-waiver.js';
import { defaultSettings } from '../src/domain/settings.js';
import { localActor } from '../src/service/actor.js';
import { createWaiver, type Waiver } from '../src/service/waiver.js';
import { MemoryStore } from './support/memory-store.js';
import { RecordingTarget } from './support/recording-target.js';
import { legacyRequest } from './support/requests.js';
import { startTestServer, type TestServer } from './support/server.js';
import { ManualClock, useTempDir } from './support/temp.js';
import { defaultRouting } from '../src/domain/notification-routes.js';
import { oneTarget } from './support/targets.js';

const tempDir = useTempDir();
const running: TestServer[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  for (const server of running.splice(0)) await server.close();
});

/** The methods of the service as the CLI sees it in-process. */
const serviceMethods = (): string[] =>
  Object.keys(
    createWaiver(
      {
        store: new MemoryStore(),
        targets: oneTarget(new RecordingTarget()),
        notifications: defaultRouting,
        clock: new ManualClock(0),
        settings: defaultSettings,
        instance: 'test',
      },
      localActor('x'),
    ),
  ).sort();

/** Which operation answered a request, by method and path. */
function operationOf(method: string, url: string) {
  const path = new URL(url).pathname;
  return operationList.find(
    (op) => op.method === method && new RegExp(`^${op.path.replace(/\{\w+\}/g, '[^/]+')}$`).test(path),
  );
}

/** Calls every method once through the remote client, as three people would. */
async function everyMethod(as: (user: string) => Waiver): Promise<void> {
  const [alice, bob, carol, admin] = ['alice', 'bob', 'carol', 'admin'].map(as) as [
    Waiver,
    Waiver,
    Waiver,
    Waiver,
  ];
  await alice.request(legacyRequest('MIG-1'));
  await alice.request(legacyRequest('MIG-2'));
  await alice.request(legacyRequest('MIG-3'));
  await bob.approve('EX-1', 'risk accepted');
  await bob.reject('EX-2', 'not a migration');
  await alice.withdraw('EX-3');
  await alice.requestBatch([legacyRequest('MIG-4')]);
  await bob.batch('approve', ['EX-4', 'EX-3']);
  await carol.batch('apply', ['EX-4']);
  await carol.apply('EX-1');
  await bob.escalate('EX-1', 'needs a policy change');
  await alice.renew('EX-1', { reason: 'The migration slipped into the next sprint again', expires: '10d' });
  await bob.revoke('EX-1', 'image signed', 'escalated');
  await alice.get('EX-1');
  await alice.list({ states: ['removed'] });
  await alice.listPage({}, { limit: 1 });
  await alice.describe('EX-1');
  await alice.render('EX-1');
  await alice.audit('EX-1', { action: 'approved' });
  await alice.auditPage(undefined, { actor: 'bob' }, { limit: 2 });
  await alice.verifyAudit();
  let oscal = '';
  for await (const chunk of await alice.exportOscal({ model: 'poam' })) oscal += chunk;
  expect(JSON.parse(oscal)).toHaveProperty('plan-of-action-and-milestones');
  expect((await alice.report({})).verification.intact).toBe(true);
  await alice.auditHead();
  await alice.metrics();
  await alice.review();
  await admin.review({ all: true });
  await carol.sweep();
  await alice.notifications({ state: 'pending', limit: 5 });
  await alice.settings();
  expect((await alice.targets()).items).toEqual([
    expect.objectContaining({ name: 'folder', kind: 'directory', default: true }),
  ]);
  expect(await alice.policies('folder')).toMatchObject({ source: 'configuration', target: 'folder' });
  await alice.me();
  await expect(carol.retryNotifications([1])).resolves.toMatchObject({ retried: [] });
  await alice.lint([{ file: 'x.yaml', text: 'kind: PolicyException\n' }]);
  // A folder target has no cluster: refused by the service, which proves the call got there.
  for (const needsCluster of [
    () => carol.reconcile(),
    () => alice.unmanaged(),
    () => carol.import({ dryRun: true }),
    () => alice.doctor(),
    () => alice.covers('EX-1'),
    () => alice.previewCovers(legacyRequest('MIG-5')),
    () => alice.evidence('EX-1'),
    () => alice.evidenceAll(),
    () => alice.violations({ namespace: 'payments' }),
    () => alice.draftFromViolation({ resource: 'Pod/payments/api-1', policy: 'p', rules: ['a', 'b'] }),
  ])
    await expect(needsCluster()).rejects.toMatchObject({ code: 'usage' });
  const { token } = await admin.createToken({ owner: 'erin', roles: ['auditor'] });
  await admin.listTokens();
  await admin.revokeToken(token.id);
  await alice.close();
}

describe('the operation table', () => {
  it('declares one operation for every method of the service but list and audit (pages), requestBatch (batch) and close (local)', () => {
    const declared = operationList.map((op) => op.name as string);
    expect([...declared, 'list', 'audit', 'requestBatch', 'close'].sort()).toEqual(serviceMethods());
    const routes = operationList.map((op) => `${op.method} ${op.path}`);
    expect(new Set(routes).size).toBe(routes.length);
  });

  it('reaches every method remotely, and every answer is what OpenAPI documents', async () => {
    const dir = tempDir();
    const server = await startTestServer({ database: join(dir, 'w.db'), dir });
    running.push(server);
    const tokens: Record<string, string> = {
      alice: await server.token('alice', ['requester']),
      bob: await server.token('bob', ['approver']),
      carol: await server.token('carol', ['applier']),
      admin: server.adminToken,
    };
    const answers: { method: string; url: string; status: number; type: string; body: string }[] = [];
    const realFetch = globalThis.fetch;
    vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
      const res = await realFetch(input, init);
      const url = input instanceof Request ? input.url : String(input);
      const type = res.headers.get('content-type') ?? '';
      answers.push({
        method: init?.method ?? 'GET',
        url,
        status: res.status,
        type,
        body: await res.clone().text(),
      });
      return res;
    });
    const called = new Set<string>();
    const as = (user: string): Waiver => {
      const client = remoteWaiver(server.url, tokens[user] ?? '');
      return new Proxy(client, {
        get: (target, key: string) => {
          called.add(key);
          return Reflect.get(target, key) as unknown;
        },
      });
    };
    await everyMethod(as);
    expect([...called].sort()).toEqual(serviceMethods());

    const reached = new Set<string>();
    for (const answer of answers) {
      const op = operationOf(answer.method, answer.url);
      expect(op, `${answer.method} ${answer.url}`).toBeDefined();
      if (!op || answer.status >= 400) continue;
      reached.add(op.name);
      expect(answer.status, op.name).toBe(op.success.status);
      if (op.success.schema && answer.type.startsWith('application/json'))
        expect(() => op.success.schema?.parse(JSON.parse(answer.body)), op.name).not.toThrow();
      else if (op.success.status !== 204)
        expect(op.success.text, op.name).toContain(answer.type.split(';')[0]);
    }
    const needCluster = [
      'reconcile',
      'unmanaged',
      'import',
      'doctor',
      'covers',
      'previewCovers',
      'evidence',
      'evidenceAll',
      'violations',
      'draftFromViolation',
    ];
    expect([...reached].sort()).toEqual(
      operationList
        .map((op) => op.name)
        .filter((n) => !needCluster.includes(n))
        .sort(),
    );
  });

  it('describes every operation in OpenAPI with its success answer and errors', async () => {
    const dir = tempDir();
    const server = await startTestServer({ database: join(dir, 'w.db'), dir });
    running.push(server);
    const doc = (await server.as(server.adminToken)('GET', '/api/openapi.json')).body;
    for (const op of operationList) {
      const entry = doc.paths[op.path]?.[op.method.toLowerCase()];
      expect(entry?.operationId, op.name).toBe(op.name);
      const success = entry.responses[String(op.success.status)];
      expect(success, op.name).toBeDefined();
      if (op.success.schema) expect(success.content['application/json'].schema, op.name).toBeTypeOf('object');
      expect(Object.keys(entry.responses)).toEqual(expect.arrayContaining(['400', '401', '403']));
    }
    const page = doc.paths['/api/v1/exceptions'].get.responses['200'].content['application/json'].schema;
    expect(page.properties.items.items.properties.state.enum).toContain('expired');
  });
});
