import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, cli, cliProcess, json, requestArgs, runProcess } from '../support/cli.js';
import { useTempDir } from '../support/temp.js';

const tempDir = useTempDir();

/**
 * The built bundle as users run it: its own process, its exit codes, its streams. What each command
 * does is tested in-process (test/cli.test.ts); this proves the shipped program does it too.
 */
describe('the waiver bundle, as a process', () => {
  it('takes an exception from request to removal, reads stdin, and exits with the right codes', async () => {
    const cwd = tempDir();
    mkdirSync(join(cwd, 'gitops'));
    const created = json(
      await cliProcess(cwd, [
        ...requestArgs('INC-4521', {
          category: 'emergency-hotfix',
          reason: 'Payment outage hotfix; the signing service is down during the incident',
          expires: '5d',
        }),
        '-o',
        'json',
      ]),
    );
    expect(created).toMatchObject({ id: 'EX-1', state: 'pending', requestor: 'alice' });
    expect((await cliProcess(cwd, ['approve', 'EX-1'], { as: 'alice' })).code).toBe(3);
    expect((await cliProcess(cwd, ['approve', 'EX-1'], { as: 'bob' })).code).toBe(0);
    expect((await cliProcess(cwd, ['apply', 'EX-1'], { as: 'carol' })).code).toBe(0);
    const file = join(cwd, 'gitops', 'policy-exceptions', 'payments-api-inc-4521.yaml');
    expect(existsSync(file)).toBe(true);

    const render = await cliProcess(cwd, ['render', 'EX-1']);
    const lint = await cliProcess(cwd, ['lint', '-'], { input: render.stdout });
    expect(lint).toMatchObject({
      code: 0,
      stdout: '1 file(s), 1 PolicyException(s), 0 error(s), 0 warning(s)\n',
    });

    const after = new Date(Date.now() + 6 * 86_400_000).toISOString();
    const swept = await cliProcess(cwd, ['sweep', '--now', after, '-o', 'json'], { as: 'carol' });
    expect(json(swept)).toMatchObject({ expired: ['EX-1'] });
    expect(existsSync(file)).toBe(false);

    const usage = await cliProcess(cwd, ['get', '--bogus']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/unknown option '--bogus'/);
    expect((await cliProcess(cwd, ['--version'])).stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
  });

  it('makes its embedded default database, ./.waiver/waiver.db, on first use, readable by its owner only', async () => {
    const cwd = tempDir();
    const env = { PATH: process.env['PATH'] ?? '', HOME: cwd, WAIVER_USER: 'alice' };
    const first = await runProcess(process.execPath, [BIN, 'get'], { cwd, env });
    expect(first).toMatchObject({ code: 0, stderr: 'No exceptions found.\n' });
    expect(statSync(join(cwd, '.waiver', 'waiver.db')).mode & 0o777).toBe(0o600);
  });
});

describe('the waiver bundle in a pipeline', () => {
  it('ends quietly when its reader goes away (waiver get -A | head)', async () => {
    const cwd = tempDir();
    mkdirSync(join(cwd, 'gitops'));
    for (const ticket of ['MIG-1', 'MIG-2', 'MIG-3'])
      expect((await cli(cwd, [...requestArgs(ticket), '--name', `app-${ticket.toLowerCase()}-*`])).code).toBe(
        0,
      );
    const child = spawn(process.execPath, [BIN, 'get', '-A', '-o', 'yaml'], {
      cwd,
      env: { PATH: process.env['PATH'] ?? '', HOME: cwd, WAIVER_DB: join(cwd, 'w.db'), WAIVER_USER: 'alice' },
    });
    // The reader closes before the first line is written, as `head` does after its lines.
    child.stdout.destroy();
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });

  it('reads stdin from a pipe a Node writer made non-blocking (waiver render … | waiver lint -)', async () => {
    const dir = tempDir();
    const file = join(dir, 'x.yaml');
    writeFileSync(
      file,
      'apiVersion: kyverno.io/v2\nkind: PolicyException\nmetadata: {name: x}\nspec: {exceptions: [], match: {}}\n',
    );
    // The writer is late on purpose: the reader meets an empty non-blocking pipe (EAGAIN) first.
    const writer = `setTimeout(() => process.stdout.write(require('fs').readFileSync(${JSON.stringify(file)})), 300)`;
    const piped = await runProcess(
      'sh',
      [
        '-c',
        `"${process.execPath}" -e "${writer.replace(/"/g, '\\"')}" | "${process.execPath}" "${BIN}" lint -`,
      ],
      {
        cwd: dir,
        env: { PATH: process.env['PATH'] ?? '', HOME: dir },
      },
    );
    expect(piped.stderr).not.toContain('EAGAIN');
    expect(piped.stdout).toContain('<stdin>');
    expect(piped.stdout).toContain('match-empty');
  });
});
