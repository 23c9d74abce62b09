import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { legacyRequest } from './support/requests.js';
import { startTestServer, type TestServer } from './support/server.js';

/** A small deterministic generator (mulberry32): the same seed, the same inputs, on every run. */
function random(seed: number) {
  let a = seed;
  const next = () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)] as T;
  return { next, pick };
}

type Json = Record<string, unknown>;
const nasty = [
  '',
  ' ',
  'x'.repeat(5_000),
  '__proto__',
  'constructor',
  "'; drop table exceptions; --",
  '{{ request.object }}',
  '../../etc/passwd',
  '\u0000',
  '😀',
  '2026-13-45T99:99:99Z',
  '-1',
  '1e309',
  'EX-0',
  'EX-999999999999999999',
  'null',
];
const odd: unknown[] = [null, true, false, 0, -1, 1.5, 2 ** 53, [], {}, [1, 'a'], { a: { b: {} } }, ...nasty];

/** A value for a JSON schema: mostly valid-looking, often wrong in type, size or content. */
function valueFor(schema: Json, r: ReturnType<typeof random>, depth = 0): unknown {
  if (r.next() < 0.25 || depth > 3) return r.pick(odd);
  if (Array.isArray(schema['enum'])) return r.pick(schema['enum'] as unknown[]);
  switch (schema['type']) {
    case 'string':
      return r.next() < 0.5 ? r.pick(nasty) : `v${Math.floor(r.next() * 1e6)}`;
    case 'integer':
    case 'number':
      return r.pick([0, 1, 100, 500, 501, -5, 3.7, 1e12]);
    case 'boolean':
      return r.next() < 0.5;
    case 'array':
      return Array.from({ length: r.pick([0, 1, 3]) }, () =>
        valueFor((schema['items'] as Json) ?? {}, r, depth + 1),
      );
    case 'object': {
      const out: Json = {};
      for (const [k, v] of Object.entries((schema['properties'] as Record<string, Json>) ?? {}))
        if (r.next() < 0.8) out[k] = valueFor(v, r, depth + 1);
      if (r.next() < 0.1) out[r.pick(nasty)] = r.pick(odd);
      return out;
    }
    default:
      return r.pick(odd);
  }
}

describe('every route, fuzzed from its OpenAPI schema', () => {
  let server: TestServer;
  const dir = mkdtempSync(join(tmpdir(), 'waiver-fuzz-'));
  beforeAll(async () => {
    server = await startTestServer({ database: join(dir, 'w.db'), dir });
    const admin = server.as(server.adminToken);
    await admin('POST', '/api/v1/exceptions', legacyRequest('MIG-1'));
  });
  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers 2,000 generated requests without a 5xx or a stack trace (seed 20261129)', async () => {
    const admin = server.as(server.adminToken);
    const doc = (await admin('GET', '/api/openapi.json')).body as {
      paths: Record<string, Record<string, Json>>;
    };
    const operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]) => ({ path, method: method.toUpperCase(), op })),
    );
    const r = random(20261129);
    const seen = new Map<number, number>();
    for (let i = 0; i < 2_000; i++) {
      const { path, method, op } = r.pick(operations);
      const query = ((op['parameters'] as Json[] | undefined) ?? [])
        .filter((p) => p['in'] === 'query' && r.next() < 0.6)
        .map(
          (p) =>
            `${String(p['name'])}=${encodeURIComponent(String(valueFor((p['schema'] as Json) ?? {}, r)))}`,
        );
      const id = r.next() < 0.5 ? 'EX-1' : String(r.pick(nasty));
      const url = path.replace('{id}', encodeURIComponent(id)) + (query.length ? `?${query.join('&')}` : '');
      const bodySchema = (
        (op['requestBody'] as Json | undefined)?.['content'] as Record<string, Json> | undefined
      )?.['application/json']?.['schema'] as Json | undefined;
      const body =
        method === 'GET' || method === 'DELETE' ? undefined : valueFor(bodySchema ?? { type: 'object' }, r);
      const reply = await admin(method, url, body);
      seen.set(reply.status, (seen.get(reply.status) ?? 0) + 1);
      expect(reply.status, `${method} ${url} ${JSON.stringify(body)?.slice(0, 300)}`).toBeLessThan(500);
      expect(reply.text).not.toMatch(/\n\s+at /);
    }
    // The fuzzing reached both answers and refusals.
    expect(seen.get(200) ?? 0).toBeGreaterThan(100);
    expect(seen.get(400) ?? 0).toBeGreaterThan(100);
    expect((await admin('GET', '/readyz')).status).toBe(200);
  });
});
