import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runProcess } from '../support/cli.js';
import { useTempDir } from '../support/temp.js';

const tempDir = useTempDir();
const root = fileURLToPath(new URL('../../', import.meta.url));

/** The README's Quick start walk-through: the shell block that defines the alias. */
const quickStart = (): string => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const block = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)]
    .map((m) => m[1] ?? '')
    .find((b) => b.includes('alias waiver='));
  if (!block) throw new Error('the README has no Quick start block with the alias');
  return block;
};

describe("the README's Quick start", () => {
  it('runs word for word from the clone root, then works in another folder, and writes nothing into the clone', async () => {
    const home = tempDir();
    const before = readdirSync(root).sort();
    // As a person pastes it into an interactive shell, where aliases expand.
    const result = await runProcess('bash', ['-e', '-c', `shopt -s expand_aliases\n${quickStart()}`], {
      cwd: root,
      env: { PATH: process.env['PATH'] ?? '', HOME: home, TMPDIR: home, USER: 'quickstart' },
    });
    expect(result.stderr).not.toMatch(/\n\s+at |Cannot find module|command not found/);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('EX-1 (payments-api-inc-4521) applied: active');
    expect(result.stdout).toMatch(/^expired {3}EX-1 \(payments-api-inc-4521 removed from folder\)$/m);
    // Its database and manifests are in the scratch folder it moved to, none in the clone.
    const [scratch] = readdirSync(home).filter((d) => d.startsWith('tmp.'));
    expect(existsSync(join(home, scratch ?? '', '.waiver', 'waiver.db'))).toBe(true);
    expect(existsSync(join(home, scratch ?? '', 'policy-exceptions'))).toBe(true);
    expect(readdirSync(root).sort()).toEqual(before);
  }, 120_000);
});
