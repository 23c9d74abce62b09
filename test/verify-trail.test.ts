import { describe, expect, it } from 'vitest';
import { defaultSettings } from '../src/domain/settings.js';
import { localActor } from '../src/service/actor.js';
import { checkTrail } from '../src/service/audit-trail.js';
import type { ServiceDeps } from '../src/service/deps.js';
import { createWaiver } from '../src/service/waiver.js';
import { memoryServer, MemoryStore } from './support/memory-store.js';
import { RecordingTarget } from './support/recording-target.js';
import { legacyRequest } from './support/requests.js';
import { ManualClock } from './support/temp.js';
import { defaultRouting } from '../src/domain/notification-routes.js';
import { oneTarget } from './support/targets.js';

function setup() {
  const server = memoryServer();
  const store = new MemoryStore(server);
  const deps: ServiceDeps = {
    store,
    targets: oneTarget(new RecordingTarget()),
    notifications: defaultRouting,
    clock: new ManualClock(Date.parse('2026-12-01T09:00:00Z')),
    instance: 'test',
    settings: defaultSettings,
  };
  return { server, store, deps, as: (name: string) => createWaiver(deps, localActor(name)) };
}

describe('verifying the audit trail in pages', () => {
  it('walks a trail longer than a page, and finds an event missing from a later page', async () => {
    const { server, store, as } = setup();
    const ids: string[] = [];
    for (let i = 1; i <= 150; i++)
      ids.push((await as('alice').request(legacyRequest(`MIG-${i}`))).exception.id);
    await as('bob').batch('approve', ids);
    // 300 events: more than one page of 250.
    await expect(as('carol').verifyAudit()).resolves.toEqual({ events: 300 });
    server.db.audit.splice(279, 1);
    expect((await checkTrail(store)).broken).toEqual({
      seq: 281,
      reason: 'expected event #280 next, found #281 (an event is missing)',
    });
  });

  it('takes a row changed while it was being checked for what it is, not for tampering', async () => {
    const { store, as } = setup();
    await as('alice').request(legacyRequest('MIG-1'));
    await as('alice').request(legacyRequest('MIG-2'));
    const listExceptions = store.listExceptions.bind(store);
    let approvedMeanwhile = false;
    // The rows are read after the trail: someone approves in between.
    store.listExceptions = async (query) => {
      if (!approvedMeanwhile) {
        approvedMeanwhile = true;
        await as('bob').approve('EX-2');
      }
      return listExceptions(query);
    };
    await expect(as('carol').verifyAudit()).resolves.toEqual({ events: 3 });
    expect(approvedMeanwhile).toBe(true);
  });

  it('takes a token made, or an exception requested, while the rows were read for what it is', async () => {
    const { store, as } = setup();
    await as('alice').request(legacyRequest('MIG-1'));
    const listExceptions = store.listExceptions.bind(store);
    let changedMeanwhile = false;
    // The rows are read after the trail: a token is made and a request filed in between.
    store.listExceptions = async (query) => {
      if (!changedMeanwhile) {
        changedMeanwhile = true;
        await as('admin').createToken({ owner: 'dave', roles: ['approver'] });
        await as('bob').request(legacyRequest('MIG-2'));
      }
      return listExceptions(query);
    };
    await expect(as('carol').verifyAudit()).resolves.toEqual({ events: 3 });
    expect(changedMeanwhile).toBe(true);
  });

  it('names an exception whose row is gone and a token whose row was edited, both at once', async () => {
    const { server, store, as } = setup();
    await as('alice').request(legacyRequest('MIG-1'));
    await as('alice').request(legacyRequest('MIG-2'));
    await as('admin').createToken({ owner: 'dave', roles: ['requester'] });
    server.db.exceptions.delete(1);
    server.db.tokens[0]!.roles = ['admin'];
    const { mismatches } = await checkTrail(store);
    expect(mismatches?.map((m) => `${m.record} ${m.kind}`)).toEqual([
      `token ${server.db.tokens[0]!.id} record_edited`,
      'EX-1 record_deleted',
    ]);
    await expect(as('carol').verifyAudit()).rejects.toMatchObject({
      code: 'audit_broken',
      message: expect.stringMatching(/^2 rows do not match their audit trail: token tok-\w+ does not match/),
    });
  });
});
