import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BIN, cli } from '../support/cli.js';
import { legacyRequest } from '../support/requests.js';
import { call } from '../support/server.js';
import { useTempDir } from '../support/temp.js';
import { eventually } from '../support/eventually.js';

const tempDir = useTempDir();

interface Served {
  child: ChildProcessWithoutNullStreams;
  url: string;
  stdout: () => string;
  exited: Promise<number | null>;
}

/** Starts `waiver serve` as a user would, and waits for the line with its URL, which it prints last. */
function serve(cwd: string, env: Record<string, string> = {}): Promise<Served> {
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--no-sweep'], {
    cwd,
    env: { PATH: process.env['PATH'] ?? '', HOME: cwd, WAIVER_USER: 'ops', ...env },
  });
  let out = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const url = /waiver serving on (http:\/\/[\d.:]+)/.exec(out)?.[1];
      if (url) resolve({ child, url, stdout: () => out, exited });
    });
    void exited.then((code) => reject(new Error(`serve exited with ${code}: ${out}`)));
  });
}

describe('waiver serve', () => {
  it('writes a generated admin token to an owner-only file, never to stdout, and stops cleanly on SIGTERM', async () => {
    const cwd = tempDir();
    const first = await serve(cwd);
    // Not a terminal (a supervisor, a log collector): the token goes to a file only its owner reads.
    const file = join(cwd, '.waiver', 'admin-token');
    expect(first.stdout()).toContain(`admin token written to ${file} (readable by its owner only)`);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const token = readFileSync(file, 'utf8').trim();
    expect(token).toMatch(/^wvr_[\w-]+$/);
    expect(first.stdout()).not.toContain(token);
    expect((await call(first.url, token, 'GET', '/api/v1/exceptions')).status).toBe(200);
    expect((await call(first.url, undefined, 'GET', '/readyz')).body).toEqual({ status: 'ready' });
    expect(
      first
        .stdout()
        .split('\n')
        .filter((l) => l.startsWith('{')).length,
    ).toBeGreaterThan(0);
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);

    const second = await serve(cwd);
    expect(second.stdout()).not.toContain('admin token');
    expect((await call(second.url, token, 'GET', '/api/v1/exceptions')).status).toBe(200);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  });

  it('takes the first admin token from WAIVER_ADMIN_TOKEN and never prints it', async () => {
    const cwd = tempDir();
    const chosen = 'operator-chosen-secret-0123456789abcdef';
    mkdirSync(join(cwd, 'data'));
    const served = await serve(cwd, { WAIVER_ADMIN_TOKEN: chosen, WAIVER_DB: join(cwd, 'data', 'w.db') });
    expect((await call(served.url, chosen, 'GET', '/api/v1/tokens')).status).toBe(200);
    expect(served.stdout()).not.toContain(chosen);
    served.child.kill('SIGTERM');
    expect(await served.exited).toBe(0);
  });

  it('refuses a short WAIVER_ADMIN_TOKEN with one line and exit 2', async () => {
    const cwd = tempDir();
    const child = spawn(process.execPath, [BIN, 'serve', '--port', '0'], {
      cwd,
      env: { PATH: process.env['PATH'] ?? '', HOME: cwd, WAIVER_ADMIN_TOKEN: 'short' },
    });
    let err = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    const code = await new Promise((resolve) => child.on('exit', resolve));
    expect(code).toBe(2);
    expect(err).toBe('error: WAIVER_ADMIN_TOKEN must be at least 32 characters\n');
  });

  it('finishes a request in flight when SIGTERM arrives, then exits 0', async () => {
    const cwd = tempDir();
    const admin = 'operator-chosen-secret-0123456789abcdef';
    const served = await serve(cwd, { WAIVER_ADMIN_TOKEN: admin });
    // A large lint request keeps the server busy for a while once it has arrived.
    const manifest = readFileSync(
      new URL('../fixtures/kyverno/chainsaw-applies-to-delete/exception.yaml', import.meta.url),
      'utf8',
    );
    const sources = Array.from({ length: 400 }, (_, i) => ({ file: `f${i}.yaml`, text: manifest }));
    const pending = call(served.url, admin, 'POST', '/api/v1/lint', { sources });
    await eventually(() => expect(served.stdout()).toContain('"url":"/api/v1/lint"'), 5);
    served.child.kill('SIGTERM');
    const reply = await pending;
    expect(reply.status).toBe(200);
    expect(reply.body.files).toBe(400);
    expect(await served.exited).toBe(0);
  });
});

describe('durability', () => {
  it('keeps every acknowledged write when the server is killed with SIGKILL', async () => {
    const cwd = tempDir();
    const admin = 'a-long-enough-admin-token-0123456789abcdef';
    const served = await serve(cwd, {
      WAIVER_ADMIN_TOKEN: admin,
      WAIVER_LOG_LEVEL: 'warn',
      WAIVER_DB: join(cwd, 'w.db'),
    });
    const acknowledged: string[] = [];
    for (let i = 1; i <= 20; i++) {
      const reply = await call(served.url, admin, 'POST', '/api/v1/exceptions', legacyRequest(`MIG-${i}`));
      expect(reply.status).toBe(201);
      acknowledged.push(reply.body.exception.id as string);
    }
    served.child.kill('SIGKILL');
    await served.exited;
    // The next process recovers the write-ahead log: every acknowledged request is there, chain intact.
    const listed = await cli(cwd, ['get', '-A', '-o', 'json']);
    expect(JSON.parse(listed.stdout).items.map((e: { id: string }) => e.id)).toEqual(acknowledged);
    expect((await cli(cwd, ['audit', '--verify'])).code).toBe(0);
  });
});

describe('npm start', () => {
  it('stops the server it started when npm gets SIGTERM, freeing the port', async () => {
    const cwd = tempDir();
    const root = fileURLToPath(new URL('../..', import.meta.url));
    const child = spawn('npm', ['start', '--silent', '--prefix', root], {
      cwd,
      env: {
        PATH: process.env['PATH'] ?? '',
        HOME: cwd,
        WAIVER_PORT: '0',
        WAIVER_DB: join(cwd, 'w.db'),
        WAIVER_ADMIN_TOKEN: 'a-long-enough-admin-token-0123456789abcdef',
      },
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    await eventually(() => expect(out).toMatch(/waiver serving on (http:\/\/[\d.:]+)/));
    const url = /waiver serving on (http:\/\/[\d.:]+)/.exec(out)?.[1] ?? '';
    expect((await call(url, undefined, 'GET', '/healthz')).status).toBe(200);
    child.kill('SIGTERM');
    await exited;
    // The server itself is gone, not only npm: nothing answers on its port.
    await eventually(async () =>
      expect(
        // The answer's body is read: undici (before nodejs/undici#5360) crashes the test process when
        // a server closes a socket whose unread body paused the parser.
        await fetch(`${url}/healthz`).then(
          async (answer) => (await answer.arrayBuffer(), 'answered'),
          () => 'refused',
        ),
      ).toBe('refused'),
    );
  });
});
