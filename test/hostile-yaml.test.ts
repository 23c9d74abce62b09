import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from './support/cli.js';
import { hostileYaml } from './support/hostile-yaml.js';
import { startTestServer, type TestServer } from './support/server.js';
import { useTempDir } from './support/temp.js';

const tempDir = useTempDir();

const corpus = hostileYaml;

/**
 * Bounded work: each input gets its answer without a memory spike, or the test fails. How long each takes
 * is a figure `node bench/hostile-yaml.mjs` prints (its budget: 2 s), not an assertion here: a loaded
 * machine is slower, not wrong.
 */
async function bounded<T>(work: () => Promise<T>): Promise<T> {
  const rss = process.memoryUsage().rss;
  const result = await work();
  expect(process.memoryUsage().rss - rss).toBeLessThan(300 * 1024 * 1024);
  return result;
}

describe('hostile YAML', () => {
  // One server for the API cases (the temp folders of useTempDir last one test only).
  let server: TestServer;
  let auditorToken: string;
  const serverDir = mkdtempSync(join(tmpdir(), 'waiver-test-'));
  beforeAll(async () => {
    server = await startTestServer({ database: join(serverDir, 'w.db'), dir: serverDir });
    auditorToken = await server.token('dave', ['auditor']);
  });
  afterAll(async () => {
    await server.close();
    rmSync(serverDir, { recursive: true, force: true });
  });

  it.each(corpus)('%s: a finding from the API, never a 500', async (_name, text) => {
    const auditor = server.as(auditorToken);
    const reply = await bounded(() =>
      auditor('POST', '/api/v1/lint', { sources: [{ file: 'x.yaml', text }] }),
    );
    expect(reply.status).toBe(200);
    expect(reply.body.errors).toBeGreaterThan(0);
    expect(reply.body.findings[0]).toMatchObject({ rule: 'invalid-manifest', severity: 'error' });
    expect((await auditor('GET', '/readyz')).status).toBe(200);
  });

  it.each(corpus)('%s: a finding from lint, a usage error from request -f', async (_name, text) => {
    const cwd = tempDir();
    const file = join(cwd, 'hostile.yaml');
    writeFileSync(file, text);
    const linted = await bounded(() => cli(cwd, ['lint', file, '-o', 'json']));
    expect(linted.code).toBe(1);
    expect(JSON.parse(linted.stdout).findings[0].rule).toBe('invalid-manifest');
    const requested = await bounded(() => cli(cwd, ['request', '-f', file, '--category', 'vendor-image']));
    expect(requested.code).toBe(2);
    expect(requested.stderr).toMatch(/^error: [^\n]+\n$/);
  });

  it('refuses a file past the size limit unread', async () => {
    const cwd = tempDir();
    const file = join(cwd, 'huge.yaml');
    writeFileSync(file, 'x'.repeat(2 * 1024 * 1024));
    for (const args of [
      ['lint', file],
      ['request', '-f', file, '--category', 'vendor-image'],
    ])
      expect(await cli(cwd, args)).toMatchObject({
        code: 2,
        stderr: expect.stringMatching(/larger than 1024 KiB/),
      });
  });
});
