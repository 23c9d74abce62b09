// Preloaded into a measured process (node --require): at exit it prints the CPU time it used (user and
// system, in ms) to standard error. On a shared machine wall time waits for other work; CPU time does not.
process.on('exit', () => {
  const { user, system } = process.cpuUsage();
  process.stderr.write(`cpu-ms ${Math.round((user + system) / 1000)}\n`);
});
