import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  canonicalJson,
  GENESIS_HASH,
  hashedBody,
  recordDigest,
  sealEvent,
  verifyChain,
  type AuditEvent,
} from './audit.js';

const sha256 = (t: string): string => createHash('sha256').update(t).digest('hex');

function chain(n: number): AuditEvent[] {
  const events: AuditEvent[] = [];
  let prevHash = GENESIS_HASH;
  for (let seq = 1; seq <= n; seq++) {
    const body = {
      seq,
      at: `2026-11-29T00:00:0${seq}Z`,
      actor: 'alice',
      action: 'requested' as const,
      exceptionId: seq,
      data: { n: seq },
    };
    const hash = sha256(prevHash + hashedBody(body));
    events.push({ ...body, prevHash, hash });
    prevHash = hash;
  }
  return events;
}

describe('audit chain', () => {
  it('sorts keys at every level', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { f: 1, e: 0 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[2,{"e":0,"f":1}]},"b":1}',
    );
  });

  it('verifies an intact chain', () => {
    expect(verifyChain(chain(4), sha256)).toBeUndefined();
  });

  it('names the first altered, removed or missing event', () => {
    const altered = chain(4);
    altered[2] = { ...altered[2]!, actor: 'mallory' };
    expect(verifyChain(altered, sha256)).toMatchObject({
      seq: 3,
      reason: expect.stringContaining('altered') as string,
    });
    const removed = chain(4).filter((e) => e.seq !== 2);
    expect(verifyChain(removed, sha256)).toMatchObject({ seq: 3 });
    expect(verifyChain(chain(4).slice(1), sha256)).toMatchObject({ seq: 2 });
  });
});

describe('sealing an event', () => {
  const event = {
    at: '2026-11-29T00:00:03Z',
    actor: 'bob',
    action: 'approved' as const,
    exceptionId: 7,
    data: { comment: 'ok' },
  };
  const last = chain(2)[1];

  it('binds the digest of the row it is about, then links it after the last event', () => {
    const row = { name: 'x', id: 7, version: 2 };
    const sealed = sealEvent(last, event, row, sha256);
    const data = { comment: 'ok', record: sha256('{"id":7,"name":"x","version":2}') };
    expect(sealed).toEqual({
      ...event,
      data,
      seq: 3,
      prevHash: last?.hash,
      hash: sha256(`${last?.hash}${hashedBody({ ...event, data, seq: 3 })}`),
    });
    expect(verifyChain([...chain(2), sealed], sha256)).toBeUndefined();
  });

  it('binds nothing without a row, and starts the chain at genesis', () => {
    const sealed = sealEvent(undefined, event, undefined, sha256);
    expect(sealed.data).toEqual({ comment: 'ok' });
    expect(sealed).toMatchObject({ seq: 1, prevHash: GENESIS_HASH });
    expect(sealed.hash).toBe(sha256(GENESIS_HASH + hashedBody({ ...event, seq: 1 })));
  });
});

/** Canonical JSON as first written: keys sorted afresh at every object, the reference for every digest. */
function referenceJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(referenceJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const object = value as Record<string, unknown>;
    const pairs = Object.keys(object)
      .sort()
      .filter((key) => object[key] !== undefined)
      .map((key) => `${JSON.stringify(key)}:${referenceJson(object[key])}`);
    return `{${pairs.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

describe('canonical JSON', () => {
  it('is the reference text for objects of repeated and colliding shapes', () => {
    const values: unknown[] = [
      { 'a\nb': 1, c: 2 },
      { a: 1, 'b\nc': 2 },
      { a: 1, 'b\nc': 2 },
      { z: 1, y: undefined, x: [undefined, 'é', { b: 2, a: 1 }], '10': 1, '9': 2, B: 0, a: '\u2028' },
      { x: [{ b: 2, a: 1 }], '10': 1, z: 1, '9': 2, B: 0, a: 'q"' },
      {},
      [],
    ];
    for (let i = 0; i < 600; i += 1)
      values.push({ [`k${i % 300}`]: i, [`j${i % 7}`]: { n: i, m: [i, `${i}`] }, same: true });
    for (const value of [...values, ...values]) expect(canonicalJson(value)).toBe(referenceJson(value));
  });
});

describe('row digests across migration 0011', () => {
  it('leave out the later fields while empty, so a row written before keeps its digest', () => {
    const hash = (text: string) => createHash('sha256').update(text).digest('hex');
    const before = { id: 1, name: 'x', endReason: 'revoked', version: 2 };
    const after = {
      ...before,
      riskRating: null,
      compensatingControls: null,
      closureReason: null,
      controls: [],
    };
    expect(recordDigest(after, hash)).toBe(recordDigest(before, hash));
    expect(recordDigest({ ...after, closureReason: 'revoked' }, hash)).not.toBe(recordDigest(before, hash));
    expect(
      recordDigest({ ...after, controls: [{ catalog: 'nist-800-53-rev5', id: 'si-7' }] }, hash),
    ).not.toBe(recordDigest(before, hash));
  });
});
