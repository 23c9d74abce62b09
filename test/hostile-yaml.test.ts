import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from './support/cli.js';
import { startTestServer, type TestServer } from './support/server.js';
import { useTempDir } from './support/temp.js';

const tempDir = useTempDir();

const alias = (levels: number) =>
  ['a: &a ["x","x","x","x","x","x","x","x","x"]']
    .concat(
      Array.from(
        { length: levels },
        (_, i) =>
          `l${i}: &l${i} [${Array(9)
            .fill(i ? `*l${i - 1}` : '*a')
            .join(',')}]`,
      ),
    )
    .join('\n');

/** Inputs that cost a naive YAML parser seconds, gigabytes or its stack; each under the 1 MiB body limit. */
const corpus: [string, string][] = [
  ['nested flow sequences', '['.repeat(900_000)],
  ['nested flow mappings', '{a: '.repeat(200_000)],
  ['an alias bomb (185 bytes that expand to billions)', alias(9)],
  ['compact nested sequences', `${'- '.repeat(400_000)}x`],
  ['complex keys', `${'? '.repeat(400_000)}x`],
  [
    'a staircase of indentation',
    Array.from({ length: 1_300 }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n'),
  ],
  ['fifty thousand anchors', Array.from({ length: 50_000 }, (_, i) => `k${i}: &a${i} v`).join('\n')],
  ['three hundred thousand tags', `${'!t '.repeat(300_000)}x`],
  ['a hundred thousand documents', 'kind: PolicyException\n---\n'.repeat(30_000)],
];

/** Bounded work: each input gets its answer quickly and without a memory spike, or the test fails. */
async function bounded<T>(work: () => Promise<T>): Promise<T> {
  const rss = process.memoryUsage().rss;
  const started = performance.now();
  const result = await work();
  expect(performance.now() - started).toBeLessThan(2_000);
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

  it.each(corpus)('%s: a finding from the API, never a 500 or a stall', async (_name, text) => {
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
