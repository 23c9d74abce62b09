import { describe, expect, it } from 'vitest';
import { activeRecord } from '../../test/support/records.js';
import { defaultSettings } from './settings.js';
import { planSweep } from './sweep-plan.js';

const now = Date.parse('2026-12-15T00:00:00Z');

describe('planSweep', () => {
  it('reminds within 7 days of expiry, once', () => {
    expect(planSweep([activeRecord({ expiresAt: '2026-12-22T00:00:00Z' })], now, defaultSettings)).toEqual([
      { kind: 'remind', id: 1 },
    ]);
    expect(planSweep([activeRecord({ expiresAt: '2026-12-22T00:00:01Z' })], now, defaultSettings)).toEqual(
      [],
    );
    expect(
      planSweep(
        [activeRecord({ expiresAt: '2026-12-20T00:00:00Z', remindedAt: '2026-12-13T00:00:00Z' })],
        now,
        defaultSettings,
      ),
    ).toEqual([]);
  });

  it('expires what is past its expiry, reminded or not', () => {
    expect(planSweep([activeRecord({ expiresAt: '2026-12-15T00:00:00Z' })], now, defaultSettings)).toEqual([
      { kind: 'expire', id: 1 },
    ]);
  });

  it('retries failed writes and deletes', () => {
    const records = [
      activeRecord({ id: 1, syncStatus: 'error', expiresAt: '2026-12-30T00:00:00Z' }),
      activeRecord({ id: 2, name: 'other', state: 'removed', endReason: 'revoked', syncStatus: 'error' }),
      activeRecord({ id: 3, name: 'done', state: 'removed', endReason: 'revoked', syncStatus: 'synced' }),
    ];
    expect(planSweep(records, now, defaultSettings)).toEqual([
      { kind: 'write', id: 1 },
      { kind: 'delete', id: 2 },
    ]);
  });

  it('never deletes a name that a current exception holds', () => {
    const records = [
      activeRecord({ id: 1, state: 'removed', endReason: 'superseded', syncStatus: 'pending' }),
      activeRecord({ id: 2, expiresAt: '2026-12-30T00:00:00Z' }),
    ];
    expect(planSweep(records, now, defaultSettings)).toEqual([{ kind: 'release', id: 1 }]);
  });
});
