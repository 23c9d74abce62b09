import { Buffer } from 'node:buffer';
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_PAGE_BYTES } from '../src/api/paging.js';
import { MAX_EXCEPTION_TEXT } from '../src/domain/exception-size.js';
import { startTestServer, type TestServer } from './support/server.js';
import { useTempDir } from './support/temp.js';

const tempDir = useTempDir();
const running: TestServer[] = [];
afterEach(async () => {
  for (const server of running.splice(0)) await server.close();
});

/** A request near the largest the guardrails allow: 100 namespaces, 30 long patterns, 2,000 characters of reason. */
const largest = (i: number) => ({
  name: `largest-${i}`,
  namespaces: Array.from({ length: 100 }, (_, n) => `team-${n}-`.padEnd(63, 'n')),
  names: Array.from({ length: 30 }, (_, n) => `app-${i}-${n}-`.padEnd(249, 'p').concat('*')),
  category: 'legacy-migration' as const,
  ticket: `MIG-${i}`,
  reason: `Legacy images of team ${i} move to the signed pipeline this month. `.padEnd(2000, 'x'),
  expires: '20d',
});

describe('a page of the inventory or the trail', () => {
  it('stops at the byte ceiling with a continue, and every row is reached in every order', async () => {
    const server = await startTestServer({ database: `${tempDir()}/waiver.db`, dir: tempDir() });
    running.push(server);
    const admin = server.as(server.adminToken);
    const count = 75;
    for (let i = 1; i <= count; i++) {
      const created = await admin('POST', '/api/v1/exceptions', largest(i));
      expect(created.status, created.text).toBe(201);
    }
    // The fixture is as large as the rule allows, and the ceiling is what holds the page, not the limit.
    expect(largest(1).reason.length + 100 * 63 + 30 * 250).toBeLessThan(MAX_EXCEPTION_TEXT);
    expect(count * MAX_EXCEPTION_TEXT).toBeGreaterThan(MAX_PAGE_BYTES);

    for (const sort of ['id', 'newest', 'expiry']) {
      const seen: string[] = [];
      let next: string | undefined;
      let pages = 0;
      do {
        const query = `limit=500&sort=${sort}${next === undefined ? '' : `&continue=${next}`}`;
        const page = await admin('GET', `/api/v1/exceptions?${query}`);
        expect(page.status).toBe(200);
        expect(Buffer.byteLength(page.text)).toBeLessThanOrEqual(MAX_PAGE_BYTES);
        const items = page.body.items as { id: string }[];
        expect(items.length).toBeGreaterThan(0);
        seen.push(...items.map((e) => e.id));
        next = page.body.continue as string | undefined;
        pages++;
      } while (next !== undefined);
      expect(pages, sort).toBeGreaterThan(1);
      expect(new Set(seen).size, sort).toBe(count);
      expect(seen.length, sort).toBe(count);
    }

    // The trail's JSON pages have the same ceiling; its events hold each request's scope.
    const events: number[] = [];
    let after: string | undefined;
    let auditPages = 0;
    do {
      const page = await admin(
        'GET',
        `/api/v1/audit?limit=1000${after === undefined ? '' : `&continue=${after}`}`,
      );
      expect(page.status).toBe(200);
      expect(Buffer.byteLength(page.text)).toBeLessThanOrEqual(MAX_PAGE_BYTES);
      events.push(...(page.body.items as { seq: number }[]).map((e) => e.seq));
      after = page.body.continue as string | undefined;
      auditPages++;
    } while (after !== undefined);
    const whole = await admin('GET', '/api/v1/audit?format=jsonl');
    const lines = whole.text.trim().split('\n');
    expect(events).toEqual(lines.map((l) => (JSON.parse(l) as { seq: number }).seq));
    expect(auditPages).toBeGreaterThan(1);
  }, 120_000);
});
