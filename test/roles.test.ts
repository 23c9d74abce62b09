import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { roles, type Role } from '../src/service/actor.js';
import { startTestServer, type Reply, type TestServer } from './support/server.js';
import { legacyRequest } from './support/requests.js';

type Call = (method: string, path: string, body?: unknown) => Promise<Reply>;

interface Helpers {
  /** Requested by someone else; approved and applied by others again. */
  requested(): Promise<string>;
  /** Requested by the acting identity itself (for withdraw and renew). */
  ownRequest(): Promise<string>;
  approved(): Promise<string>;
  active(own?: boolean): Promise<string>;
}

interface Action {
  name: string;
  allowed: readonly Role[];
  /** Brings an exception into the state the action needs (done by other users); its API path. */
  prepare?: (h: Helpers) => Promise<string>;
  run: (as: Call, path: string) => Promise<Reply>;
}

const actions: Action[] = [
  {
    name: 'request',
    allowed: ['requester', 'admin'],
    run: (as) => as('POST', '/api/v1/exceptions', body(`MIG-${++tickets}`)),
  },
  {
    name: 'approve',
    allowed: ['approver', 'admin'],
    prepare: (h) => h.requested(),
    run: (as, path) => as('POST', `${path}/approve`),
  },
  {
    name: 'reject',
    allowed: ['approver', 'admin'],
    prepare: (h) => h.requested(),
    run: (as, path) => as('POST', `${path}/reject`, { comment: 'not justified' }),
  },
  {
    name: 'withdraw',
    allowed: ['requester', 'admin'],
    prepare: (h) => h.ownRequest(),
    run: (as, path) => as('POST', `${path}/withdraw`),
  },
  {
    name: 'apply',
    allowed: ['applier', 'admin'],
    prepare: (h) => h.approved(),
    run: (as, path) => as('POST', `${path}/apply`),
  },
  {
    name: 'revoke',
    allowed: ['approver', 'applier', 'admin'],
    prepare: (h) => h.active(),
    run: (as, path) => as('POST', `${path}/revoke`),
  },
  {
    name: 'escalate',
    allowed: ['requester', 'approver', 'applier', 'admin'],
    prepare: (h) => h.active(),
    run: (as, path) => as('POST', `${path}/escalate`, { comment: 'needs a policy change' }),
  },
  {
    name: 'renew',
    allowed: ['requester', 'admin'],
    prepare: (h) => h.active(true),
    run: (as, path) =>
      as('POST', `${path}/renew`, {
        reason: 'The vendor ships the signed image two weeks later than planned',
        expires: '14d',
      }),
  },
  { name: 'sweep', allowed: ['applier', 'admin'], run: (as) => as('POST', '/api/v1/sweep') },
  { name: 'list', allowed: roles, run: (as) => as('GET', '/api/v1/exceptions') },
  { name: 'audit', allowed: roles, run: (as) => as('GET', '/api/v1/audit') },
  { name: 'metrics', allowed: roles, run: (as) => as('GET', '/api/v1/metrics/summary') },
  {
    name: 'lint',
    allowed: roles,
    run: (as) => as('POST', '/api/v1/lint', { sources: [{ file: 'a.yaml', text: '' }] }),
  },
  { name: 'tokens', allowed: ['admin'], run: (as) => as('GET', '/api/v1/tokens') },
];

let tickets = 0;
const body = legacyRequest;

describe.each(roles)('role %s', (role) => {
  let server: TestServer;
  let actor: Call;
  let helpers: Helpers;
  // One server per role for all its actions: the folder lives as long as the server.
  const dir = mkdtempSync(join(tmpdir(), 'waiver-roles-'));
  beforeAll(async () => {
    server = await startTestServer({ database: join(dir, 'w.db'), dir });
    actor = server.as(await server.token('actor', [role]));
    const actorRequests = server.as(await server.token('actor', ['requester']));
    const req = server.as(await server.token('req', ['requester']));
    const apr = server.as(await server.token('apr', ['approver']));
    const app = server.as(await server.token('app', ['applier']));
    const make = async (as: Call): Promise<string> => {
      const created = await as('POST', '/api/v1/exceptions', body(`MIG-${++tickets}`));
      return `/api/v1/exceptions/${created.body.exception.id as string}`;
    };
    const approved = async (as: Call = req) => {
      const path = await make(as);
      await apr('POST', `${path}/approve`);
      return path;
    };
    helpers = {
      requested: () => make(req),
      ownRequest: () => make(actorRequests),
      approved: () => approved(),
      active: async (own = false) => {
        const path = await approved(own ? actorRequests : req);
        await app('POST', `${path}/apply`);
        return path;
      },
    };
  });
  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it.each(actions)('$name', async ({ allowed, prepare, run }) => {
    const path = prepare ? await prepare(helpers) : '';
    const events = async () => (await server.as(server.adminToken)('GET', '/api/v1/audit')).body.items.length;
    const before = await events();
    const reply = await run(actor, path);
    if (allowed.includes(role)) {
      expect(reply.status, reply.text).toBeLessThan(300);
    } else {
      expect(reply.status, reply.text).toBe(403);
      expect(reply.body).toMatchObject({ code: 'forbidden', field: 'actor' });
      expect(await events()).toBe(before);
    }
  });
});
