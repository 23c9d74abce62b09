#!/usr/bin/env node
import { basename } from 'node:path';
import { main } from './main.js';
import { readStdinSync } from './read-stdin.js';

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

// Run by kubectl as a plugin, Waiver works on kubectl's cluster, as every kubectl command does.
const kubectlPlugin = basename(process.argv[1] ?? '') === 'kubectl-waiver';
process.exitCode = await main(process.argv.slice(2), streams, process.env, { kubectlPlugin });
