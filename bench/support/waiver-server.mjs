// A `waiver serve` of the built CLI in a child process, for benchmarks that go through HTTP.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../../dist/cli/bin.js', import.meta.url));

/**
 * Starts `waiver serve` in `cwd` with `env` and resolves with `{ child, url, stop }` once it prints its
 * URL. Its output is drained unread afterwards, so reading it takes no CPU from the server under test.
 */
export function startWaiver(cwd, args, env) {
  const child = spawn(process.execPath, [bin, 'serve', '--port', '0', ...args], {
    cwd,
    env: { ...process.env, WAIVER_LOG_LEVEL: 'warn', ...env },
  });
  child.stderr.resume();
  let tail = '';
  return new Promise((resolve, reject) => {
    const onData = (d) => {
      tail = (tail + d).slice(-4096);
      const url = /(?:serving|listening) on (http:\/\/[\d.:]+)/.exec(tail)?.[1];
      if (!url) return;
      child.stdout.off('data', onData);
      child.stdout.resume();
      child.off('exit', onExit);
      const stop = () =>
        new Promise((done) => {
          child.once('exit', done);
          child.kill('SIGTERM');
        });
      resolve({ child, url, stop });
    };
    const onExit = (code) => reject(new Error(`waiver serve exited ${code}: ${tail}`));
    child.stdout.on('data', onData);
    child.on('exit', onExit);
  });
}
