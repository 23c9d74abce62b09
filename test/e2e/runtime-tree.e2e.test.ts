import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useTempDir } from '../support/temp.js';

const tempDir = useTempDir();
const root = new URL('../..', import.meta.url).pathname;
const TOKEN = 'runtime-tree-admin-token-0123456789abcdef';

/**
 * The image's contents where no image can be built: scripts/runtime-tree.sh (which the Dockerfile's build
 * stage runs too) assembles the application tree; run from it alone, Waiver answers --version, serves,
 * is ready, and files a request.
 */
describe('the container image tree', () => {
  it('holds only what runs, and runs: --version, serve, /readyz, a request', async () => {
    const dir = tempDir();
    const app = join(dir, 'app');
    execFileSync('bash', [join(root, 'scripts/runtime-tree.sh'), app], { stdio: 'pipe' });
    for (const dev of ['typescript', 'vitest', 'playwright-core', 'esbuild', 'eslint'])
      expect(existsSync(join(app, 'node_modules', dev)), dev).toBe(false);
    expect(existsSync(join(app, 'node_modules/better-sqlite3/build/Release/better_sqlite3.node'))).toBe(true);
    expect(existsSync(join(app, 'src'))).toBe(false);
    // The image's `waiver` command (deploy/image/waiver) starts the bundle where the Dockerfile puts the tree.
    const shim = readFileSync(join(root, 'deploy/image/waiver'), 'utf8');
    const target = /import\('\/app\/([^']+)'\)/.exec(shim)?.[1];
    expect(target && existsSync(join(app, target))).toBe(true);
    expect(readFileSync(join(root, 'Dockerfile'), 'utf8')).toContain(
      'COPY --from=build --chown=65532:65532 /app /app',
    );

    const data = join(dir, 'data');
    mkdirSync(data);
    const env = { PATH: process.env['PATH'] ?? '', HOME: data, WAIVER_ADMIN_TOKEN: TOKEN };
    const bin = join(app, 'dist/cli/bin.js');
    const version = execFileSync(process.execPath, [bin, '--version'], { cwd: data, env, encoding: 'utf8' });
    expect(version.trim()).toBe(
      (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version,
    );

    const server = spawn(process.execPath, [bin, 'serve', '--port', '0'], { cwd: data, env });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        server.stdout.setEncoding('utf8').on('data', (chunk: string) => {
          out += chunk;
          const found = /waiver serving on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
          if (found?.[1]) resolve(found[1]);
        });
        server.on('exit', (code) => reject(new Error(`serve exited ${String(code)}: ${out}`)));
      });
      expect((await fetch(`${url}/readyz`)).status).toBe(200);
      const auth = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
      const requested = await fetch(`${url}/api/v1/exceptions`, {
        method: 'POST',
        headers: auth,
        body: JSON.stringify({
          namespaces: ['payments'],
          names: ['payments-api-*'],
          category: 'legacy-migration',
          ticket: 'MIG-7',
          reason: 'Legacy payments images move to the signed pipeline this month',
          expires: '14d',
        }),
      });
      expect(requested.status).toBe(201);
      expect(existsSync(join(data, '.waiver/waiver.db'))).toBe(true);
    } finally {
      server.kill('SIGTERM');
      await new Promise((resolve) => server.on('close', resolve));
    }
  });
});
