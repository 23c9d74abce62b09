import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';
import { main } from '../../src/cli/main.js';
import { LEGACY_REASON } from './requests.js';

export const BIN = fileURLToPath(new URL('../../dist/cli/bin.js', import.meta.url));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  as?: string;
  input?: string;
  env?: Record<string, string>;
}

const cliEnv = (cwd: string, options: CliOptions): NodeJS.ProcessEnv => ({
  PATH: process.env['PATH'] ?? '',
  HOME: cwd,
  WAIVER_DB: join(cwd, 'w.db'),
  WAIVER_TARGET_DIR: join(cwd, 'gitops'),
  WAIVER_USER: options.as ?? 'alice',
  ...options.env,
});

/**
 * Runs the CLI in this process through `main()`, with its own database and target folder in `cwd` and
 * the environment it would have as a process; stdin optional.
 */
export async function cli(
  cwd: string,
  args: readonly string[],
  options: CliOptions & { kubectlPlugin?: boolean; terminal?: boolean } = {},
): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const streams = {
    out: (text: string) => void (stdout += text),
    err: (text: string) => void (stderr += text),
    readStdin: () => options.input ?? '',
    stdinIsTerminal: options.terminal === true,
    stdoutIsTerminal: false,
  };
  const code = await main(args, streams, cliEnv(cwd, options), {
    kubectlPlugin: options.kubectlPlugin === true,
  });
  return { code, stdout, stderr };
}

/** Runs a program to its end without blocking this process; stdin optional. */
export function runProcess(
  command: string,
  args: readonly string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; input?: string },
): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}

/** The built CLI as its own process (end-to-end tests): the bundle, its exit code, its streams. */
export const cliProcess = (
  cwd: string,
  args: readonly string[],
  options: CliOptions = {},
): Promise<CliResult> =>
  runProcess(process.execPath, [BIN, ...args], {
    cwd,
    env: cliEnv(cwd, options),
    ...(options.input === undefined ? {} : { input: options.input }),
  });

/** `waiver request` for payments-api-* in payments: a legacy migration for 20 days unless told otherwise. */
export const requestArgs = (
  ticket: string,
  { category = 'legacy-migration', reason = LEGACY_REASON, expires = '20d' } = {},
): string[] => [
  'request',
  '-n',
  'payments',
  '--name',
  'payments-api-*',
  '--category',
  category,
  '--ticket',
  ticket,
  '--reason',
  reason,
  '--expires',
  expires,
];

export const json = <T = Record<string, unknown>>(r: CliResult): T => {
  if (r.code !== 0) throw new Error(`exit ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
};

/** What the store holds; leases are bookkeeping of who sweeps, not state, and are left out. */
const storedTables = ['exceptions', 'audit_events', 'api_tokens'];

/**
 * A fingerprint of the database's contents and the target folder, to show that a refused command (or
 * a second sweep) changed nothing.
 */
export function snapshot(cwd: string): string {
  const hash = createHash('sha256');
  const path = join(cwd, 'w.db');
  if (existsSync(path)) {
    const db = new BetterSqlite3(path, { readonly: true });
    for (const table of storedTables)
      hash.update(JSON.stringify(db.prepare(`select * from ${table} order by rowid`).all()));
    db.close();
  }
  const walk = (dir: string): void => {
    if (!existsSync(dir)) return;
    for (const entry of readdirSync(dir).sort()) {
      const path = join(dir, entry);
      hash.update(path);
      if (statSync(path).isDirectory()) walk(path);
      else hash.update(readFileSync(path));
    }
  };
  walk(join(cwd, 'gitops'));
  return hash.digest('hex');
}
