import { describe, expect, it } from 'vitest';
import { activeRecord } from '../../test/support/records.js';
import { exceptionTextSize } from '../domain/exception-size.js';
import { RecordCache } from './record-cache.js';

describe('the record cache', () => {
  it('keeps records by id and version, and starts over past its bound on text', () => {
    const record = (id: number, version = 1) => activeRecord({ id, version, reason: 'r'.repeat(1000) });
    const size = exceptionTextSize(record(1));
    const cache = new RecordCache(100, size * 3);
    for (const id of [1, 2, 3]) cache.put(record(id));
    expect([1, 2, 3].map((id) => cache.get(id, 1)?.id)).toEqual([1, 2, 3]);
    expect(cache.get(1, 2)).toBeUndefined();
    // A new version of a cached record takes its place, not more room.
    cache.put(record(3, 2));
    expect(cache.get(1, 1)?.id).toBe(1);
    expect(cache.get(3, 2)?.id).toBe(3);
    cache.put(record(4));
    expect([1, 2, 3].map((id) => cache.get(id, id === 3 ? 2 : 1))).toEqual([undefined, undefined, undefined]);
    expect(cache.get(4, 1)?.id).toBe(4);
    expect(Object.isFrozen(cache.get(4, 1)?.names)).toBe(true);
  });
});
