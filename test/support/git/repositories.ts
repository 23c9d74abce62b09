import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { GitRepository } from '../../../src/domain/git-repository.js';

const run = (cwd: string, args: string[]): string =>
  execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 'test',
      GIT_AUTHOR_EMAIL: 't@x',
      GIT_COMMITTER_NAME: 'test',
      GIT_COMMITTER_EMAIL: 't@x',
    },
  });

/** A bare repository on disk with one commit on `main`: what a GitOps remote is to Waiver. */
export function bareRepository(dir: string): {
  url: string;
  git: (args: string[]) => string;
  checkout: () => string;
} {
  const url = join(dir, 'remote.git');
  run(dir, ['init', '--quiet', '--bare', '--initial-branch=main', url]);
  const seed = join(dir, 'seed');
  run(dir, ['clone', '--quiet', url, seed]);
  mkdirSync(join(seed, 'apps'), { recursive: true });
  writeFileSync(join(seed, 'apps', 'README.md'), 'synced by Argo CD\n');
  run(seed, ['add', '.']);
  run(seed, ['commit', '--quiet', '-m', 'initial']);
  run(seed, ['push', '--quiet', 'origin', 'HEAD:main']);
  let checkouts = 0;
  return {
    url,
    /** git in the bare repository itself (log, show, ls-tree). */
    git: (args) => run(url, args),
    /** A fresh clone of main, as a person editing the repository by hand has. */
    checkout: () => {
      const path = join(dir, `person-${++checkouts}`);
      run(dir, ['clone', '--quiet', url, path]);
      return path;
    },
  };
}

/** The folder Argo CD syncs in the test repositories, where Waiver writes. */
export const SYNCED_FOLDER = 'clusters/prod/policy-exceptions';

/** Waiver's settings for the repository at `url` in push mode: branch main, cloned into `workdir`. */
export const pushSettings = (url: string, workdir: string): GitRepository => ({
  repository: url,
  branch: 'main',
  path: SYNCED_FOLDER,
  workdir,
  sshKeyFile: undefined,
  token: undefined,
  author: { name: 'Waiver', email: 'waiver@example.com' },
  timeoutMs: 120_000,
  pullRequests: undefined,
});

/** git in a person's checkout, with an identity. */
export const gitIn = (cwd: string, args: string[]): string => run(cwd, args);
