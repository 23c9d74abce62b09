import { defaultRouting } from '../../src/domain/notification-routes.js';
import { defaultSettings, type ProcessSettings } from '../../src/domain/settings.js';
import { localActor } from '../../src/service/actor.js';
import type { ServiceDeps } from '../../src/service/deps.js';
import type { ExceptionStore } from '../../src/service/ports/store.js';
import { createWaiver, type Waiver } from '../../src/service/waiver.js';
import { MemoryStore } from './memory-store.js';
import { RecordingTarget } from './recording-target.js';
import { oneTarget } from './targets.js';
import { ManualClock } from './temp.js';

/** The configuration an auditor's history is seeded with: the default policy maps to three controls. */
export const auditedSettings: ProcessSettings = {
  ...defaultSettings,
  controls: {
    'require-image-signature': [
      { catalog: 'nist-800-53-rev5', id: 'si-7' },
      { catalog: 'nist-800-53-rev5', id: 'cm-14' },
      { catalog: 'iso-27001-2022', id: 'A.8.7' },
    ],
  },
};

const reason = (what: string) => `${what}: the images move to the signed pipeline within the month`;

const request = (ns: string, ticket: string, extra: Record<string, unknown> = {}) => ({
  namespaces: [ns],
  names: [`${ns}-api-*`],
  category: 'legacy-migration' as const,
  ticket,
  reason: reason(`Legacy ${ns} images`),
  expires: '20d',
  ...extra,
});

export interface SeededHistory {
  deps: ServiceDeps;
  clock: ManualClock;
  as: (name: string) => Waiver;
}

/**
 * A history with every ending an auditor asks about, on a fixed clock:
 * EX-1 (risk rated, compensating control) superseded by its renewal EX-6 (active); EX-2 expired and
 * removed; EX-3 revoked; EX-4 escalated, then revoked (escalated); EX-5 revoked as no longer needed;
 * EX-7 pending; EX-8 rejected. EX-2, EX-7 and EX-8 state a false positive; EX-5 is rated lower after
 * its review but names no compensating control.
 */
export async function seedHistory(store: ExceptionStore = new MemoryStore()): Promise<SeededHistory> {
  const target = new RecordingTarget();
  const clock = new ManualClock(Date.parse('2026-11-02T09:00:00Z'));
  const deps: ServiceDeps = {
    store,
    targets: oneTarget(target),
    notifications: defaultRouting,
    clock,
    instance: 'test',
    settings: auditedSettings,
  };
  const as = (name: string): Waiver => createWaiver(deps, localActor(name));
  const step = (ms = 3_600_000) => clock.advance(ms);
  const grant = async (id: string) => {
    step();
    await as('bob').approve(id, 'risk accepted');
    step();
    await as('carol').apply(id);
    step();
  };

  await as('alice').request(
    request('payments', 'MIG-1', {
      riskRating: { before: { likelihood: 4, impact: 4 }, after: { likelihood: 2, impact: 3 } },
      compensatingControls: 'Admission logs reviewed daily; egress restricted to the vendor registry',
    }),
  );
  await grant('EX-1');
  await as('alice').request(
    request('billing', 'MIG-2', {
      falsePositive: 'The billing images are signed by the vendor key the policy does not list yet',
    }),
  );
  await grant('EX-2');
  await as('alice').request(request('orders', 'MIG-3'));
  await grant('EX-3');
  await as('alice').request(request('search', 'MIG-4'));
  await grant('EX-4');
  await as('alice').request(
    request('ledger', 'MIG-5', {
      riskRating: { before: { likelihood: 3, impact: 3 }, after: { likelihood: 2, impact: 3 } },
    }),
  );
  await grant('EX-5');

  clock.set('2026-11-15T09:00:00Z');
  await as('alice').renew('EX-1', {
    reason: reason('The payments migration slipped a sprint'),
    expires: '10d',
  });
  await grant('EX-6');
  await as('dave').revoke('EX-3', 'the team signed its images');
  step();
  await as('dave').escalate('EX-4', 'needed for good: the policy should exempt search');
  step();
  await as('dave').revoke('EX-4', 'the policy now excludes the search namespace');
  step();
  await as('dave').revoke('EX-5', 'the ledger images were retired', 'no-longer-needed');
  step();
  await as('alice').request(
    request('ui', 'MIG-7', { falsePositive: 'The ui pods run images built and signed in the cluster' }),
  );
  step();
  await as('alice').request(
    request('maps', 'MIG-8', { falsePositive: 'The maps images only look unsigned to the policy' }),
  );
  step();
  await as('bob').reject('EX-8', 'use the signed base image instead');

  clock.set('2026-11-23T12:00:00Z');
  await as('carol').sweep();
  return { deps, clock, as };
}
