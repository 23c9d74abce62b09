// Child processes that serve HTTP (`waiver serve` of the built CLI, a bare Fastify), for benchmarks that go
// through HTTP: started, their URL read from what they print, their output drained afterwards.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../../dist/cli/bin.js', import.meta.url));

/**
 * Starts `node ...args` and resolves with `{ child, url, stop, exited }` once it prints the URL it serves on.
 * Its standard output is scanned only until then and drained unread afterwards (reading a request log would
 * take CPU from the server under test). `stderr`: 'drain' (default), 'keep' (the last 8 KiB, which `exited`
 * resolves with: a peak RSS line) or 'show' (copied to this process's standard error).
 */
export function startChild(args, { cwd, env = {}, stderr = 'drain' } = {}) {
  const child = spawn(process.execPath, args, { cwd, env: { ...process.env, ...env } });
  let kept = '';
  if (stderr === 'keep') child.stderr.on('data', (d) => (kept = (kept + d).slice(-8192)));
  else if (stderr === 'show') child.stderr.on('data', (d) => process.stderr.write(d));
  else child.stderr.resume();
  const exited = new Promise((resolve) => child.on('exit', () => resolve(kept)));
  let tail = '';
  return new Promise((resolve, reject) => {
    const onData = (d) => {
      tail = (tail + d).slice(-4096);
      const url = /(?:serving|listening) on (http:\/\/[\d.:]+)/.exec(tail)?.[1];
      if (!url) return;
      child.stdout.off('data', onData);
      if (process.env.SHOW_LOG) child.stdout.on('data', (out) => process.stderr.write(out));
      else child.stdout.resume();
      child.off('exit', onExit);
      const stop = () =>
        new Promise((done) => {
          if (child.exitCode !== null || child.signalCode !== null) return done();
          child.once('exit', done);
          child.kill('SIGTERM');
        });
      resolve({ child, url, stop, exited });
    };
    const onExit = (code) => reject(new Error(`${args.join(' ')} exited ${code}: ${tail}${kept}`));
    child.stdout.on('data', onData);
    child.on('exit', onExit);
  });
}

/** `waiver serve` of the built CLI on a free port in `cwd`, with `args` and `env` added. */
export const startWaiver = (cwd, args, env, options = {}) =>
  startChild([bin, 'serve', '--port', '0', ...args], {
    cwd,
    env: { WAIVER_LOG_LEVEL: 'warn', ...env },
    ...options,
  });
