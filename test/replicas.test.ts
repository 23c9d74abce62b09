import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { backends } from './support/databases.js';
import { startTestServer, type TestServer } from './support/server.js';
import { ManualClock, useTempDir } from './support/temp.js';
import { legacyRequest } from './support/requests.js';

const tempDir = useTempDir();
const running: TestServer[] = [];
afterEach(async () => {
  for (const server of running.splice(0)) await server.close();
});

const EXCEPTIONS = 5;
const ROUNDS = 10;

/** The sum of one counter over every replica's /metrics. */
async function counted(servers: TestServer[], pattern: RegExp): Promise<number> {
  let total = 0;
  for (const s of servers) {
    const text = (await s.as(s.adminToken)('GET', '/metrics')).text;
    total += Number(pattern.exec(text)?.[1] ?? 0);
  }
  return total;
}

describe.each(backends)('two replicas on one $name database', ({ enabled, databases }) => {
  if (!enabled) return it.skip('needs WAIVER_TEST_DATABASE_URL');
  const db = databases();

  it('never remind or remove twice, however often both sweep at once', async () => {
    const database = await db.fresh();
    const dir = tempDir();
    const clock = new ManualClock(Date.parse('2026-12-01T09:00:00Z'));
    const a = await startTestServer({ database, dir, clock });
    running.push(a);
    const b = await startTestServer({ database, dir, clock });
    running.push(b);

    const alice = a.as(await a.token('alice', ['requester']));
    const bob = b.as(await b.token('bob', ['approver']));
    const carol = a.as(await a.token('carol', ['applier']));
    const sweeper = await a.token('sweeper', ['applier']);
    for (let i = 1; i <= EXCEPTIONS; i++) {
      await alice('POST', '/api/v1/exceptions', { ...legacyRequest(`MIG-${i}`), names: [`svc-${i}-*`] });
      await bob('POST', `/api/v1/exceptions/EX-${i}/approve`);
      await carol('POST', `/api/v1/exceptions/EX-${i}/apply`);
    }

    const file = (i: number) => join(a.targetDir, 'policy-exceptions', `payments-svc-${i}-mig-${i}.yaml`);
    for (let i = 1; i <= EXCEPTIONS; i++) expect(existsSync(file(i))).toBe(true);

    const stampede = async () => {
      for (let round = 0; round < ROUNDS; round++)
        await Promise.all([
          a.as(sweeper)('POST', '/api/v1/sweep'),
          b.as(sweeper)('POST', '/api/v1/sweep'),
          a.as(sweeper)('POST', '/api/v1/sweep'),
          b.as(sweeper)('POST', '/api/v1/sweep'),
        ]);
    };
    const actions = async (action: string) =>
      (await a.as(a.adminToken)('GET', `/api/v1/audit?action=${action}`)).body.items.map(
        (e: { exceptionId: number }) => e.exceptionId,
      );
    const ids = Array.from({ length: EXCEPTIONS }, (_, i) => i + 1);

    clock.set('2026-12-14T09:00:00Z');
    await stampede();
    expect((await actions('reminded')).sort()).toEqual(ids);
    // One reminder notification an exception in the outbox, whichever replica swept; both report it.
    const outbox = async (event: string) =>
      (await a.as(a.adminToken)('GET', '/api/v1/notifications?limit=1000')).body.items.filter(
        (n: { event: string }) => n.event === event,
      );
    expect((await outbox('reminder')).map((n: { exceptionId: string }) => n.exceptionId).sort()).toEqual(
      ids.map((i) => `EX-${i}`).sort(),
    );
    expect(await counted([a, b], /^waiver_notifications_pending\{channel="log"\} (\d+)$/m)).toBe(
      2 * EXCEPTIONS,
    );

    clock.set('2026-12-21T09:01:00Z');
    await stampede();
    expect((await actions('expired')).sort()).toEqual(ids);
    expect(await actions('sync_failed')).toEqual([]);
    expect(await outbox('expired')).toHaveLength(EXCEPTIONS);
    for (let i = 1; i <= EXCEPTIONS; i++)
      expect(existsSync(join(a.targetDir, 'policy-exceptions', `payments-svc-${i}-mig-${i}.yaml`))).toBe(
        false,
      );
    expect((await a.as(a.adminToken)('GET', '/api/v1/audit/verify')).body.intact).toBe(true);
  });
});
