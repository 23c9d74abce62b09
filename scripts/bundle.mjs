// Bundles the CLI from its TypeScript sources into dist/cli: a cold process then reads a few files instead of
// several hundred modules, and each command's code stays in its own chunk, loaded only when it runs.
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

rmSync('dist/cli', { recursive: true, force: true });
await build({
  // The lint worker is an entry of its own: the server starts it as a file (worker_threads).
  entryPoints: { bin: 'src/cli/bin.ts', 'lint-worker': 'src/server/lint-worker.ts' },
  outdir: 'dist/cli',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  minify: true,
  // The native driver stays a package; everything else is bundled.
  external: ['better-sqlite3'],
  // Some bundled CommonJS (yaml) calls require(); ESM output needs one.
  banner: {
    js: "import { createRequire as __waiverRequire } from 'node:module'; const require = __waiverRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
