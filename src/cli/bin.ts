#!/usr/bin/env node
import module from 'node:module';
import { basename } from 'node:path';
import { VERSION } from '../version.js';

const args = process.argv.slice(2);
// Run by kubectl as a plugin, Waiver works on kubectl's cluster, as every kubectl command does.
// kubectl (1.26 and later) completes a plugin's command line by running kubectl_complete-<plugin>.
const invokedAs = basename(process.argv[1] ?? '');
const completing = invokedAs === 'kubectl_complete-waiver';
const kubectlPlugin = invokedAs === 'kubectl-waiver' || completing;

// Node 22.1+ keeps the compiled bundle on disk between runs (in the OS temp folder), which saves a cold
// command most of its compile time; Node 20 has no such cache, and a cache that cannot be written is skipped.
(module as { enableCompileCache?: () => unknown }).enableCompileCache?.();

/** Runs the command line; the commands load only here. */
async function run(): Promise<void> {
  const [{ COMPLETE, main }, { readStdinSync }] = await Promise.all([
    import('./main.js'),
    import('./read-stdin.js'),
  ]);
  const streams = {
    out: (text: string) => void process.stdout.write(text),
    err: (text: string) => void process.stderr.write(text),
    readStdin: readStdinSync,
    stdinIsTerminal: process.stdin.isTTY === true,
    stdoutIsTerminal: process.stdout.isTTY === true,
  };

  // A reader that went away (`waiver get -A | head`) ends the command quietly, as it ends kubectl.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
  });

  process.exitCode = await main(completing ? [COMPLETE, ...args] : args, streams, process.env, {
    kubectlPlugin,
  });
}

// `--version` alone answers before the commands load: scripts and probes ask it often.
const versionOnly = !completing && args.length === 1 && (args[0] === '--version' || args[0] === '-V');
if (versionOnly) process.stdout.write(`${VERSION}\n`);
else await run();
