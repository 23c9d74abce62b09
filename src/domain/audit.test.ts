import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalJson, GENESIS_HASH, hashedBody, verifyChain, type AuditEvent } from './audit.js';

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
