import { describe, expect, it } from 'vitest';
import { parseTtlLabel, ttlLabelValue } from './manifest.js';
import { defaultExceptionName } from './naming.js';
import {
  DAY_MS,
  HOUR_MS,
  humanDuration,
  parseDuration,
  parseExpiry,
  parseInstant,
  toRfc3339,
} from './time.js';

const now = Date.parse('2026-11-29T12:00:00Z');

describe('durations and instants', () => {
  it('parses durations, alone and combined', () => {
    expect(parseDuration('14d', 'x')).toBe(14 * DAY_MS);
    expect(parseDuration('1d12h', 'x')).toBe(36 * HOUR_MS);
    expect(parseDuration('2w', 'x')).toBe(14 * DAY_MS);
    for (const bad of ['', '14', 'd', '14 d', '1y', '-1d', '1d x']) {
      expect(() => parseDuration(bad, 'expires'), bad).toThrow(
        expect.objectContaining({ code: 'usage', field: 'expires' }) as Error,
      );
    }
  });

  it('takes an expiry as a duration from now or an instant with a zone', () => {
    expect(toRfc3339(parseExpiry('5d', now))).toBe('2026-12-04T12:00:00Z');
    expect(toRfc3339(parseExpiry('2026-12-01T10:00:00+02:00', now))).toBe('2026-12-01T08:00:00Z');
    expect(() => parseExpiry('2026-12-01', now)).toThrow(/RFC3339/);
    expect(() => parseInstant('2026-12-01T10:00:00', 'now')).toThrow(/RFC3339/);
    expect(() => parseExpiry('friday', now)).toThrow(/not a duration \(14d\) or an RFC3339 instant/);
  });

  it('refuses a date the calendar does not have, rather than rolling it over', () => {
    for (const text of [
      '2026-02-30T00:00:00Z',
      '2026-04-31T00:00:00Z',
      '2026-13-01T00:00:00Z',
      '2025-02-29T00:00:00Z',
      '2026-12-01T24:00:00Z',
      '2026-12-01T10:00:00+25:00',
    ])
      expect(() => parseInstant(text, 'now'), text).toThrow(/is not an RFC3339 instant/);
    expect(toRfc3339(parseInstant('2028-02-29T23:59:59Z', 'now'))).toBe('2028-02-29T23:59:59Z');
    expect(toRfc3339(parseInstant('2026-12-31T23:00:00-01:00', 'now'))).toBe('2027-01-01T00:00:00Z');
  });

  it('prints durations the way kubectl does', () => {
    expect(humanDuration(4 * DAY_MS + 23 * HOUR_MS)).toBe('4d23h');
    expect(humanDuration(3 * DAY_MS)).toBe('3d');
    expect(humanDuration(-2 * HOUR_MS)).toBe('2h');
    expect(humanDuration(90_000)).toBe('1m');
  });
});

describe('TTL label and default names', () => {
  it('writes the TTL label without colons and reads both of its absolute forms back', () => {
    expect(ttlLabelValue('2026-12-20T08:30:00Z')).toBe('2026-12-20T083000Z');
    expect(parseTtlLabel('2026-12-20T083000Z')).toBe('2026-12-20T08:30:00Z');
    expect(parseTtlLabel('2026-12-20')).toBe('2026-12-20T00:00:00Z');
    expect(parseTtlLabel('720h')).toBeUndefined();
  });

  it('derives a DNS-1123 name from namespace, pattern prefix and ticket', () => {
    expect(defaultExceptionName(['payments'], ['payments-api-*'], 'INC-4521')).toBe('payments-api-inc-4521');
    expect(defaultExceptionName(['shop'], ['vendor-db-?'], 'SEC-9')).toBe('shop-vendor-db-sec-9');
    const long = defaultExceptionName(['n'.repeat(40)], ['p'.repeat(40)], 'SEC-1');
    expect(long.length).toBeLessThanOrEqual(63);
    expect(long).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
  });
});
