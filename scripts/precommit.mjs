// The check to run before a commit: types, lint and formatting of what changed, and the fast tests of the
// changed files: changed test files and the test beside each changed source (`x.test.ts` for `x.ts`). With
// `--related`, every fast test that imports a changed file, directly or not (for a domain file, most of them). `npm run precommit` runs it; `npm run precommit --
// --install` makes it git's pre-commit hook in this checkout. The full suite (`npm test`) and CI still run
// everything; this is the quick answer to "did I break what I touched?".
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = git(['rev-parse', '--show-toplevel']).trim();

const known = ['--install', '--related'];
const unknown = process.argv.slice(2).filter((a) => !known.includes(a));
if (unknown.length > 0) {
  console.error(`precommit: unknown option ${unknown.join(' ')} (known: ${known.join(', ')})`);
  process.exit(2);
}
if (process.argv.includes('--install')) install();
else process.exit(check());

function check() {
  const changed = changedFiles().filter((f) => existsSync(join(root, f)));
  if (changed.length === 0) {
    console.log('precommit: nothing changed since HEAD');
    return 0;
  }
  const code = changed.filter((f) => /\.(ts|tsx|mjs|cjs|js)$/.test(f));
  const tests = process.argv.includes('--related') ? code : testsOf(code);
  const formatted = changed.filter((f) => /\.(ts|tsx|mjs|cjs|js|json|md|ya?ml|css)$/.test(f));
  const steps = [
    ['types', 'npx', ['tsc', '-p', 'tsconfig.test.json', '--noEmit']],
    [
      'types (web)',
      'npx',
      ['tsc', '-p', 'web/tsconfig.json', '--noEmit'],
      changed.some((f) => f.startsWith('web/')),
    ],
    ['lint', 'npx', ['eslint', '--no-warn-ignored', ...code], code.length > 0],
    ['format', 'npx', ['prettier', '--check', '--ignore-unknown', ...formatted], formatted.length > 0],
    [
      'tests',
      'npx',
      process.argv.includes('--related')
        ? ['vitest', 'related', '--run', '--project', 'fast', '--passWithNoTests', ...tests]
        : ['vitest', 'run', '--project', 'fast', '--passWithNoTests', ...tests],
      tests.length > 0,
    ],
  ];
  for (const [name, command, args, wanted = true] of steps) {
    if (!wanted) continue;
    console.log(`precommit: ${name}`);
    const run = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
    if (run.status !== 0) {
      console.error(`precommit: ${name} failed; fix it, or commit with --no-verify if you must`);
      return 1;
    }
  }
  console.log(`precommit: ${changed.length} changed file(s) checked`);
  return 0;
}

/** The changed test files, and the test file beside each changed source file when there is one. */
function testsOf(files) {
  const isTest = (f) => /\.test\.tsx?$/.test(f) && !f.startsWith('test/e2e/');
  const beside = files
    .map((f) => f.replace(/\.(tsx?)$/, '.test.$1'))
    .filter((f) => existsSync(join(root, f)));
  return [...new Set([...files.filter(isTest), ...beside.filter(isTest)])];
}

/** Files staged, changed in the work tree, or new and not ignored. */
function changedFiles() {
  const lists = [
    git(['diff', '--name-only', '--cached']),
    git(['diff', '--name-only']),
    git(['ls-files', '--others', '--exclude-standard']),
  ];
  return [...new Set(lists.join('\n').split('\n').filter(Boolean))].sort();
}

function install() {
  const hooks = git(['rev-parse', '--git-path', 'hooks']).trim();
  const hook = hooks.startsWith('/') ? join(hooks, 'pre-commit') : join(root, hooks, 'pre-commit');
  writeFileSync(hook, '#!/bin/sh\nexec npm run --silent precommit\n');
  chmodSync(hook, 0o755);
  console.log(`precommit: installed as ${hook}`);
}

function git(args) {
  const run = spawnSync('git', args, { cwd: process.cwd(), encoding: 'utf8' });
  if (run.status !== 0) {
    console.error(`precommit: git ${args.join(' ')} failed: ${run.stderr.trim()}`);
    process.exit(2);
  }
  return run.stdout;
}
