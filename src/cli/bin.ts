#!/usr/bin/env node
import { main } from './main.js';

const streams = {
  out: (text: string) => void process.stdout.write(text),
  err: (text: string) => void process.stderr.write(text),
};

process.exitCode = await main(process.argv.slice(2), streams);
