import { describe, expect, it } from 'vitest';
import { queuesFor, reviewQueue } from '../src/domain/review-queue.js';
import { defaultSettings } from '../src/domain/settings.js';
import { DAY_MS } from '../src/domain/time.js';
import { localActor } from '../src/service/actor.js';
import type { ServiceDeps } from '../src/service/deps.js';
import { createWaiver } from '../src/service/waiver.js';
import { cli, requestArgs } from './support/cli.js';
import { MemoryStore } from './support/memory-store.js';
import { activeRecord } from './support/records.js';
import { RecordingTarget } from './support/recording-target.js';
import { legacyRequest } from './support/requests.js';
import { ManualClock, useTempDir } from './support/temp.js';
import { defaultRouting } from '../src/domain/notification-routes.js';
import { oneTarget } from './support/targets.js';

const NOW = Date.parse('2026-12-15T00:00:00Z');

describe('the review queue', () => {
  it('puts each exception that waits for a person in its queue, oldest first, and nothing else', () => {
    const records = [
      activeRecord({
        id: 1,
        state: 'pending',
        approver: null,
        approvedAt: null,
        requestedAt: '2026-12-14T00:00:00Z',
      }),
      activeRecord({
        id: 2,
        state: 'pending',
        approver: null,
        approvedAt: null,
        requestedAt: '2026-12-10T00:00:00Z',
      }),
      activeRecord({
        id: 3,
        state: 'approved',
        applier: null,
        appliedAt: null,
        approvedAt: '2026-12-13T00:00:00Z',
      }),
      activeRecord({ id: 4, expiresAt: '2026-12-18T00:00:00Z', renewalCount: 1 }),
      activeRecord({ id: 5, expiresAt: '2027-01-10T00:00:00Z' }),
      activeRecord({ id: 6, expiresAt: '2027-01-10T00:00:00Z', escalatedAt: '2026-12-01T00:00:00Z' }),
      activeRecord({ id: 7, expiresAt: '2026-12-14T12:00:00Z' }),
      activeRecord({
        id: 8,
        state: 'removed',
        syncStatus: 'error',
        syncError: 'forbidden',
        removedAt: '2026-12-12T00:00:00Z',
      }),
      activeRecord({ id: 9, state: 'removed', syncStatus: 'synced', removedAt: '2026-12-12T00:00:00Z' }),
      activeRecord({ id: 10, state: 'rejected' }),
    ];
    const items = reviewQueue(records, NOW, 7);
    expect(items.map((i) => [i.queue, i.id, i.ageSeconds / 3600])).toEqual([
      ['approve', 'EX-2', 120],
      ['approve', 'EX-1', 24],
      ['apply', 'EX-3', 48],
      ['decide', 'EX-4', 96], // in the 7-day window since 2026-12-11
      ['escalated', 'EX-6', 336],
      ['remove', 'EX-8', 72],
      ['remove', 'EX-7', 12],
    ]);
    const decide = items.find((i) => i.id === 'EX-4');
    expect(decide).toMatchObject({ renewalCount: 1, reason: expect.stringMatching(/^Vendor image/) });
    // The words for every reader; the CLI commands apart, for the CLI alone to print.
    expect(decide?.why).toBe('expires in 3d: let it expire, renew it with a new justification, or escalate');
    expect(decide?.commands).toEqual(['waiver renew EX-4', 'waiver escalate EX-4']);
    expect(items.find((i) => i.id === 'EX-1')).toMatchObject({
      why: expect.not.stringContaining('waiver '),
      commands: ['waiver approve EX-1'],
    });
    expect(items.find((i) => i.id === 'EX-8')?.why).toMatch(/not confirmed: forbidden$/);
  });

  it('shows each role its queues, and a requester only the decisions about their own exceptions', async () => {
    expect(queuesFor(['approver'])).toEqual(['approve', 'decide', 'escalated', 'revoke']);
    expect(queuesFor(['applier'])).toEqual(['apply', 'revoke', 'remove']);
    expect(queuesFor(['requester'])).toEqual(['decide']);
    expect(queuesFor(['auditor'])).toEqual(['approve', 'apply', 'decide', 'escalated', 'revoke', 'remove']);
    const clock = new ManualClock(Date.parse('2026-12-01T09:00:00Z'));
    const deps: ServiceDeps = {
      store: new MemoryStore(),
      targets: oneTarget(new RecordingTarget()),
      notifications: defaultRouting,
      clock,
      instance: 'test',
      settings: defaultSettings,
    };
    const as = (name: string, roles: ('requester' | 'approver' | 'applier')[] = []) =>
      roles.length ? createWaiver(deps, { name, roles }) : createWaiver(deps, localActor(name));
    for (const [who, ticket] of [
      ['alice', 'MIG-1'],
      ['dave', 'MIG-2'],
      ['alice', 'MIG-3'],
    ] as const)
      await as(who).request({ ...legacyRequest(ticket), names: [`${ticket.toLowerCase()}-*`] });
    await as('bob').batch('approve', ['EX-1', 'EX-2']);
    await as('carol').batch('apply', ['EX-1', 'EX-2']);
    clock.advance(15 * DAY_MS);
    const queueOf = async (name: string, roles: ('requester' | 'approver' | 'applier')[], all = false) =>
      (await as(name, roles).review({ all })).items.map((i) => `${i.queue} ${i.id}`);
    expect(await queueOf('alice', ['requester'])).toEqual(['decide EX-1']);
    expect(await queueOf('alice', ['requester'], true)).toEqual([
      'approve EX-3',
      'decide EX-1',
      'decide EX-2',
    ]);
    expect(await queueOf('bob', ['approver'])).toEqual(['approve EX-3', 'decide EX-1', 'decide EX-2']);
    expect(await queueOf('carol', ['applier'])).toEqual([]);
  });

  const tempDir = useTempDir();
  it('prints the queue on the CLI, and says when nothing waits', async () => {
    const cwd = tempDir();
    const empty = await cli(cwd, ['review']);
    expect(empty).toMatchObject({ code: 0, stdout: '', stderr: 'Nothing waits for you.\n' });
    expect((await cli(cwd, requestArgs('MIG-1', { expires: '5d' }), { as: 'alice' })).code).toBe(0);
    const queue = await cli(cwd, ['review'], { as: 'bob' });
    expect(queue.code).toBe(0);
    expect(queue.stdout.split('\n')[0]).toMatch(
      /^QUEUE\s+ID\s+NAME\s+NAMESPACES\s+WAITING\s+RENEWALS\s+WHY$/,
    );
    expect(queue.stdout).toMatch(
      /approve\s+EX-1\s+payments-api-mig-1\s+payments\s+\S+\s+0\s+requested by alice: approve or reject \(waiver approve EX-1\)/,
    );
    const json = JSON.parse((await cli(cwd, ['review', '-o', 'json'], { as: 'bob' })).stdout) as {
      items: { queue: string; id: string }[];
    };
    expect(json.items.map((i) => [i.queue, i.id])).toEqual([['approve', 'EX-1']]);
  });
});
