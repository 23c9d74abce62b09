import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultSettings } from '../src/domain/settings.js';
import { defaultIsolation, isolatedLinter } from '../src/server/isolated-linter.js';
import { lintManifests } from '../src/service/lint-manifests.js';
import { call, startTestServer, type TestServer } from './support/server.js';

/** The bundle's worker: npm test bundles before it runs the tests. */
const WORKER = new URL('../dist/cli/lint-worker.js', import.meta.url);
const NOW = Date.parse('2026-12-01T00:00:00Z');

/** A valid manifest; a thousand of them make the largest body the API takes busy for a second. */
const manifest = (i: number) => `apiVersion: kyverno.io/v2
kind: PolicyException
metadata:
  name: app-${i}
  namespace: policy-exceptions
  annotations: {requestor: alice, jira-ticket: MIG-${i}, reason: "Legacy images move to the signed pipeline", risk-acceptance: bob, expiry-reminder: 2026-12-10}
spec:
  exceptions: [{policyName: require-image-signature, ruleNames: [check-image-signature]}]
  match: {any: [{resources: {kinds: [Pod], namespaces: [payments], names: [app-${i}-*]}}]}
  conditions: {all: [{key: "{{ time_before('{{ time_now_utc() }}', '2026-12-20T00:00:00Z') }}", operator: Equals, value: true}]}
---
`;
const big = Array.from({ length: 999 }, (_, i) => manifest(i)).join('');
/** Minutes to lint: only the test of the deadline meets a short one. */
const patient = { ...defaultIsolation, timeoutMs: 120_000 };

describe('linting untrusted manifests in a worker', () => {
  it('answers what the in-process lint answers', async () => {
    expect(existsSync(WORKER)).toBe(true);
    const sources = [
      { file: 'a.yaml', text: manifest(1) },
      { file: 'b.yaml', text: 'kind: PolicyException\n  : [x' },
    ];
    const linter = isolatedLinter(WORKER, defaultSettings, patient);
    expect(await linter.lint(sources, NOW)).toEqual(
      lintManifests({ clock: { now: () => NOW }, settings: defaultSettings }, sources),
    );
  });

  it('refuses a lint that overruns its time, and a heap that overruns its memory', async () => {
    const slow = isolatedLinter(WORKER, defaultSettings, { timeoutMs: 20, memoryMb: 256, concurrency: 1 });
    await expect(slow.lint([{ file: 'big.yaml', text: big }], NOW)).rejects.toMatchObject({
      code: 'lint_failed',
      message: expect.stringMatching(/took longer than/),
    });
    const small = isolatedLinter(WORKER, defaultSettings, {
      timeoutMs: 120_000,
      memoryMb: 4,
      concurrency: 1,
    });
    await expect(small.lint([{ file: 'big.yaml', text: big }], NOW)).rejects.toMatchObject({
      code: 'lint_failed',
    });
  });

  it('leaves the event loop free while it works', async () => {
    const linter = isolatedLinter(WORKER, defaultSettings, patient);
    let finished = false;
    const linting = linter.lint([{ file: 'big.yaml', text: big }], NOW).then(() => (finished = true));
    // In-process, the lint would be over before this line could run; in a worker it has barely begun.
    await new Promise((resolve) => setImmediate(resolve));
    expect(finished).toBe(false);
    await linting;
    expect(finished).toBe(true);
  });

  it('is what the server lints with: its memory limit refuses a body too large for it with 422', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'waiver-lint-'));
    const server: TestServer = await startTestServer({ database: join(dir, 'w.db'), dir, lintMemoryMb: 8 });
    try {
      const reply = await call(server.url, server.adminToken, 'POST', '/api/v1/lint', {
        sources: [{ file: 'big.yaml', text: big }],
      });
      expect(reply.status).toBe(422);
      expect(reply.body).toMatchObject({ code: 'lint_failed', field: 'sources' });
      expect((await call(server.url, undefined, 'GET', '/healthz')).status).toBe(200);
    } finally {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
