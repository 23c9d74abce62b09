// Preloaded into a measured process (node --require): at exit it prints its peak resident memory
// (VmHWM, what the kernel saw at the highest point, not a sample) to standard error.
const { readFileSync } = require('node:fs');

process.on('exit', () => {
  const line = readFileSync('/proc/self/status', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmHWM:'));
  process.stderr.write(`peak-rss-kb ${line ? line.split(/\s+/)[1] : 'unknown'}\n`);
});
