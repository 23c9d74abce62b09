import { describe, expect, it } from 'vitest';
import { recordDigest } from '../src/domain/audit.js';
import { formatId, type ExceptionRecord } from '../src/domain/exception.js';
import { messageSnapshot } from '../src/domain/notification.js';
import { defaultRouting } from '../src/domain/notification-routes.js';
import { defaultSettings } from '../src/domain/settings.js';
import { exceptionView } from '../src/domain/view.js';
import { controllerActor } from '../src/service/actor.js';
import { checkTrail } from '../src/service/audit-trail.js';
import type { ServiceDeps } from '../src/service/deps.js';
import { sha256 } from '../src/system/sha256.js';
import { sweep } from '../src/service/sweep.js';
import { storeBackends } from './support/databases.js';
import { RecordingTarget } from './support/recording-target.js';
import { activeRecord } from './support/records.js';
import { oneTarget } from './support/targets.js';
import { ManualClock } from './support/temp.js';

/** More than the sweep commits in one transaction (500), and not a multiple of it. */
const DUE = 1_150;
const LATER = 20;
const NOW = '2026-12-01T09:00:00Z';

describe.each(storeBackends)(
  'a sweep of more reminders than one chunk on the $name store',
  ({ enabled, databases }) => {
    if (!enabled) return it.skip('needs WAIVER_TEST_DATABASE_URL');
    const db = databases();

    it('writes each reminder, its event and its outbox row once, each with the record as saved', async () => {
      const store = await db.open(await db.fresh());
      const { id: _id, version: _version, ...base } = activeRecord();
      // Active exceptions, each with the event that vouches for its row; every other one is due.
      await store.transaction(async (tx) => {
        for (let i = 0; i < DUE + LATER; i++) {
          const due = i < DUE;
          const day = due ? 2 + (i % 5) : 20 + (i % 5);
          const record = await tx.insertException({
            ...base,
            name: `svc-${i}-sec-42`,
            names: [`svc-${i}-*`],
            expiresAt: `2026-12-${String(day).padStart(2, '0')}T09:00:00Z`,
          });
          await tx.appendAudit({
            at: '2026-11-20T02:00:00Z',
            actor: 'carol',
            action: 'applied',
            exceptionId: record.id,
            data: { from: 'approved', to: 'active' },
          });
        }
      });
      const clock = new ManualClock(Date.parse(NOW));
      const deps: ServiceDeps = {
        store,
        targets: oneTarget(new RecordingTarget()),
        notifications: defaultRouting,
        clock,
        instance: 'test',
        settings: defaultSettings,
      };
      const due = (await store.listExceptions({ expiresBy: '2026-12-08T09:00:00Z' })).map((r) => r.id);
      expect(due).toHaveLength(DUE);

      const report = await sweep(deps, controllerActor);
      expect(report.reminded).toEqual(due.map(formatId));
      expect(report.skipped).toEqual([]);

      const events = await store.listAudit({ action: 'reminded' });
      expect(events.map((e) => e.exceptionId)).toEqual(due);
      const outbox = (await store.listNotifications()).filter((n) => n.event === 'reminder');
      expect(outbox.map((n) => n.exceptionId)).toEqual(due);
      const records = new Map<number, ExceptionRecord>();
      for (const r of await store.listExceptions({ ids: due })) records.set(r.id, r);
      events.forEach((event, i) => {
        const record = records.get(due[i] ?? 0);
        // Saved once (inserted at version 1), reminded as of the sweep's instant.
        expect(record).toMatchObject({ version: 2, remindedAt: NOW });
        if (!record) return;
        expect(event.data).toEqual({
          from: 'active',
          to: 'active',
          expiresAt: record.expiresAt,
          record: recordDigest(record, sha256),
        });
        const notification = outbox[i];
        expect(notification?.key).toBe(`reminder:${formatId(record.id)}:${record.expiresAt}`);
        expect(notification?.payload).toEqual({
          at: NOW,
          actor: controllerActor.name,
          // The log's message shows these fields; a webhook would get the whole view.
          exception: messageSnapshot(exceptionView(record, Date.parse(NOW))),
          details: { from: 'active', to: 'active', expiresAt: record.expiresAt },
        });
      });
      // Not due yet: untouched.
      const later = await store.listExceptions({ ids: [DUE + 1, DUE + LATER] });
      expect(later.map((r) => [r.version, r.remindedAt])).toEqual([
        [1, null],
        [1, null],
      ]);
      expect((await checkTrail(store)).broken).toBeUndefined();

      const again = await sweep(deps, controllerActor);
      expect(again.reminded).toEqual([]);
      expect(await store.listAudit({ action: 'reminded' })).toHaveLength(DUE);
      await store.close();
    });
  },
);
