import { describe, expect, it } from 'vitest';
import { exceptionView } from '../domain/view.js';
import { activeRecord } from '../../test/support/records.js';
import { pageJson } from './page-json.js';

describe('pageJson', () => {
  it('equals JSON.stringify of the page, for shared (frozen) and fresh views alike', () => {
    const now = Date.parse('2026-12-01T00:00:00Z');
    const frozen = Object.freeze(exceptionView(activeRecord(), now));
    const fresh = exceptionView({ ...activeRecord(), id: 2, reason: 'quotes " and \\u2028 and {{' }, now);
    for (const page of [{ items: [] }, { items: [frozen, fresh] }, { items: [fresh], continue: '2' }]) {
      expect(pageJson(page)).toBe(JSON.stringify(page));
      expect(pageJson(page)).toBe(JSON.stringify(page)); // the second time from the memo
    }
  });

  it('sends a large page in pieces that make the same JSON', () => {
    const now = Date.parse('2026-12-01T00:00:00Z');
    const large = (id: number) =>
      Object.freeze(exceptionView({ ...activeRecord(), id, reason: `${id} `.padEnd(20_000, 'r') }, now));
    const page = { items: [large(1), large(2), large(3), large(4)], continue: '4' };
    const body = pageJson(page);
    expect(typeof body).not.toBe('string');
    expect([...(body as Iterable<string>)].join('')).toBe(JSON.stringify(page));
  });
});
