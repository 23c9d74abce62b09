// Bundles the CLI from its TypeScript sources into dist/cli: a cold process then reads a few files instead of
// several hundred modules, and each command's code stays in its own chunk, loaded only when it runs.
// It builds into a staging folder and swaps the result in (swap-in.mjs): dist/cli is never missing.
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { stagingFor, swapIn } from './swap-in.mjs';

process.chdir(fileURLToPath(new URL('..', import.meta.url)));
const out = stagingFor('dist/cli');
// A failed build leaves dist/cli as it was, and no staging folder behind.
process.on('exit', () => rmSync(out, { recursive: true, force: true }));

/** Resolves client-node's modules as free of side effects (they have none Waiver relies on). */
const withoutSideEffects = (build) =>
  build.onResolve({ filter: /.*/ }, async (args) => {
    if (args.pluginData?.resolving) return undefined;
    const inClient = (path) => path.includes('/node_modules/@kubernetes/client-node/');
    if (!inClient(args.importer) && !args.path.startsWith('@kubernetes/client-node')) return undefined;
    const { resolveDir, kind, importer } = args;
    const resolved = await build.resolve(args.path, {
      resolveDir,
      kind,
      importer,
      pluginData: { resolving: true },
    });
    if (resolved.errors.length > 0 || !inClient(resolved.path)) return undefined;
    return { path: resolved.path, sideEffects: false };
  });

// The kubeconfig's part of client-node, alone (0.5 MB): a command that writes to a cluster loads it and
// not the generated clients and models (2 MB) that only the catalog, doctor, lease and watch need.
await build({
  stdin: {
    contents: "export { ApiException, KubeConfig } from '@kubernetes/client-node';",
    resolveDir: '.',
    loader: 'js',
  },
  outfile: `${out}/kubernetes-config.js`,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // The URL parser client-node brings calls the deprecated punycode built-in, which Node 22+ warns about
  // on every run: the userland package of the same name is bundled instead.
  alias: { punycode: 'punycode/' },
  minify: true,
  plugins: [{ name: 'without-side-effects', setup: withoutSideEffects }],
  banner: {
    js: "import { createRequire as __waiverRequire } from 'node:module'; const require = __waiverRequire(import.meta.url);",
  },
  logLevel: 'warning',
});

/** The kubeconfig's and the lean HTTP path's imports of client-node go to that file. */
const leanKubernetesConfig = {
  name: 'lean-kubernetes-config',
  setup(build) {
    build.onResolve({ filter: /^@kubernetes\/client-node$/ }, (args) =>
      /src\/targets\/kubernetes\/(kube-config|kube-http)\.ts$/.test(args.importer)
        ? { path: './kubernetes-config.js', external: true }
        : undefined,
    );
    withoutSideEffects(build);
  },
};

await build({
  // The lint worker is an entry of its own: the server starts it as a file (worker_threads).
  entryPoints: { bin: 'src/cli/bin.ts', 'lint-worker': 'src/server/lint-worker.ts' },
  outdir: out,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // The URL parser client-node brings calls the deprecated punycode built-in, which Node 22+ warns about
  // on every run: the userland package of the same name is bundled instead.
  alias: { punycode: 'punycode/' },
  minify: true,
  // The native driver stays a package; everything else is bundled.
  external: ['better-sqlite3'],
  plugins: [leanKubernetesConfig],
  // Some bundled CommonJS (yaml) calls require(); ESM output needs one.
  banner: {
    js: "import { createRequire as __waiverRequire } from 'node:module'; const require = __waiverRequire(import.meta.url);",
  },
  logLevel: 'warning',
});

swapIn(out, 'dist/cli');
