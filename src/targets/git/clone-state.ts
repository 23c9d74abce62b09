import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface Seen {
  /** The commit the configured branch names, and the one its remote-tracking branch names. */
  branch: string | undefined;
  remote: string | undefined;
  /** HEAD is the branch, and the work tree and index are clean at its commit. */
  clean: boolean;
  /** The clone was last used for this repository and branch (its origin needs no new URL). */
  sameRepository: boolean;
}

/**
 * What Waiver knows of its clone without starting git: the commits its refs name, read from the files git
 * keeps them in, and a mark Waiver leaves when an operation ends with the work tree clean. A clone whose
 * mark, branch and remote-tracking branch name one commit is exactly the remote's branch as last seen, so
 * the next change is committed on it at once and pushed; only a push refused (or a clone in any other
 * state) pays for fetch, checkout and clean.
 */
export class CloneState {
  private readonly gitDir: string;

  constructor(
    workdir: string,
    private readonly branch: string,
    /** The repository the mark was left for: a clone of another (the configuration changed) is not clean. */
    private readonly repository: string,
  ) {
    this.gitDir = join(workdir, '.git');
  }

  private get markPath(): string {
    return join(this.gitDir, 'waiver-clean');
  }

  /** The clone as its files say: the branch's and the remote-tracking branch's commits, and the mark. */
  async seen(): Promise<Seen> {
    const [mark, head, branch, remote] = await Promise.all([
      readFile(this.markPath, 'utf8').catch(() => ''),
      readFile(join(this.gitDir, 'HEAD'), 'utf8').catch(() => ''),
      this.ref(`refs/heads/${this.branch}`),
      this.ref(`refs/remotes/origin/${this.branch}`),
    ]);
    const onBranch = head.trim() === `ref: refs/heads/${this.branch}`;
    return {
      branch,
      remote,
      clean: onBranch && branch !== undefined && mark === this.markFor(branch),
      sameRepository: mark.endsWith(this.markFor('')),
    };
  }

  /** The commit the branch and its remote-tracking branch both are, when the work tree is clean there. */
  async cleanHead(): Promise<string | undefined> {
    const seen = await this.seen();
    return seen.clean && seen.branch === seen.remote ? seen.branch : undefined;
  }

  /** The commit a ref names: its loose file, else its line in packed-refs (after git gc packed it). */
  async ref(name: string): Promise<string | undefined> {
    const loose = await readFile(join(this.gitDir, name), 'utf8').catch(() => undefined);
    if (loose !== undefined) return objectId(loose.trim());
    const packed = await readFile(join(this.gitDir, 'packed-refs'), 'utf8').catch(() => '');
    for (const line of packed.split('\n')) {
      const [id, ref] = line.split(' ');
      if (ref === name) return objectId(id ?? '');
    }
    return undefined;
  }

  /** The work tree is clean at this commit, which is the remote's branch too. */
  async markClean(commit: string): Promise<void> {
    await writeFile(this.markPath, this.markFor(commit), 'utf8');
  }

  /** About to change the work tree: until marked clean again, the next operation starts by resetting it. */
  async markDirty(): Promise<void> {
    await writeFile(this.markPath, this.markFor('-'), 'utf8');
  }

  private markFor(commit: string): string {
    return `${commit} ${this.branch} ${this.repository}\n`;
  }
}

/** A full object id (SHA-1 or SHA-256), or undefined. */
const objectId = (text: string): string | undefined =>
  /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/.test(text) ? text : undefined;
