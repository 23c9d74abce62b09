import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { repositoryDescription, type GitRepository } from '../../domain/git-repository.js';
import type { ExceptionManifest } from '../../domain/manifest.js';
import { manifestToYaml } from '../../domain/render.js';
import type { ObservedException } from '../../domain/observed.js';
import type { ProposalStatus } from '../../domain/proposal.js';
import type { TargetReceipt } from '../../domain/target-receipt.js';
import type { Target, TargetCapabilities } from '../../service/ports/target.js';
import { safeSegment } from '../safe-segment.js';
import { gitCapabilities } from './capabilities.js';
import {
  changeMessage,
  commitMessage,
  factsOf,
  parseMetadata,
  slugOf,
  type ChangeMessage,
} from './commit-message.js';
import { CloneState } from './clone-state.js';
import { openForge, type Forge } from './forge.js';
import { git, GitError, type GitAccess } from './git-cli.js';
import { readFolder } from './read-folder.js';
import { withWorkdirLock } from './workdir-lock.js';
import type { Scheduler } from '../../service/ports/runtime.js';
import { pause } from '../../service/scheduled-loop.js';

/** Pushes refused because others pushed first: fetched, rebased and tried again this many times. */
const PUSH_ATTEMPTS = 8;

/** Between two tries, a random pause growing with each: two replicas in step fall out of step. */
const pauseBefore = (scheduler: Scheduler, attempt: number): Promise<void> =>
  pause(scheduler, Math.random() * 50 * attempt);

/** One change to the folder: a manifest written, or one removed. */
type Change =
  { kind: 'write'; manifest: ExceptionManifest } | { kind: 'remove'; namespace: string; name: string };

/** What a change did to Waiver's clone: what the commit says of it. */
interface Staged {
  message: ChangeMessage;
  /** Names the change in a pull request's branch: the same change gets the same branch. */
  slug: string;
}

/** The files one commit changes: each file's content before the first change and after the last. */
interface Edits {
  staged: Staged[];
  files: Map<string, { before: string | undefined; after: string | undefined }>;
  /** The files git does not know yet: added before the commit. */
  added: string[];
  /** Every file whose content changed: what the commit takes. */
  paths: string[];
}

const newEdits = (): Edits => ({ staged: [], files: new Map(), added: [], paths: [] });

/** Which files the commit takes: a file written and removed again in one batch is no change. */
function settle(edits: Edits): Edits {
  const changed = [...edits.files].filter(([, f]) => f.before !== f.after);
  edits.paths = changed.map(([file]) => file);
  edits.added = changed.filter(([, f]) => f.before === undefined).map(([file]) => file);
  return edits;
}

/** A change waiting for push mode's next commit, and whom to tell how it went. */
interface Waiting {
  change: Change;
  done: (receipt: TargetReceipt) => void;
  failed: (error: Error) => void;
}

export function openGitTarget(name: string, config: GitRepository, scheduler: Scheduler): GitTarget {
  return new GitTarget(name, config, scheduler);
}

/**
 * A GitOps repository (decision 0015): Waiver keeps a clone of one branch and makes writes and removals
 * commits under the folder, with trailers a machine reads (`Waiver-Exception: EX-42`). In push mode the
 * changes that wait while a push is under way go together in the next commit (a batch of applies is a few
 * commits, not hundreds); a push refused because others pushed first is fetched, rebased onto the new head
 * and pushed again (never forced). In pull-request mode each change is a branch and a pull (merge) request,
 * applied when merged. Operations on one target run one at a time; every failure is one line naming the
 * target and the cause, and never a secret.
 */
export class GitTarget implements Target {
  readonly description: string;
  readonly capabilities: TargetCapabilities;
  private readonly access: GitAccess;
  private readonly forge: Forge | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private waiting: Waiting[] = [];
  private commitScheduled = false;
  private readonly state: CloneState;
  private folder: Promise<unknown> | undefined;

  constructor(
    private readonly name: string,
    private readonly config: GitRepository,
    /** Every wait (the pause before a retried push, the turn at the clone's lock) is on it. */
    private readonly scheduler: Scheduler,
  ) {
    this.description = repositoryDescription(config);
    this.capabilities = gitCapabilities(config);
    this.access = { sshKeyFile: config.sshKeyFile, token: config.token, timeoutMs: config.timeoutMs };
    this.forge = config.pullRequests && openForge(config.pullRequests);
    this.state = new CloneState(config.workdir, config.branch, config.repository);
  }

  write(manifest: ExceptionManifest): Promise<TargetReceipt> {
    return this.submit({ kind: 'write', manifest });
  }

  remove(namespace: string, name: string): Promise<TargetReceipt> {
    return this.submit({ kind: 'remove', namespace, name });
  }

  /** The folder as the branch holds it now: what drift and rogue detection compare with. */
  list(): Promise<ObservedException[]> {
    return this.serial(async () => {
      await this.sync();
      return readFolder(join(this.config.workdir, this.config.path), this.config.path);
    });
  }

  async proposalState(url: string): Promise<ProposalStatus> {
    if (!this.forge) return { state: 'merged' };
    return this.labelled(() => (this.forge as Forge).state(url));
  }

  /**
   * One operation at a time on the clone, in this process and across processes that share it; a failure
   * is said with the target's name.
   */
  private serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(() => this.labelled(() => this.locked(work)));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async locked<T>(work: () => Promise<T>): Promise<T> {
    // The clone's folder is made once a process (a server's every operation need not ask again).
    await (this.folder ??= mkdir(dirname(this.config.workdir), { recursive: true }).catch((e: unknown) => {
      this.folder = undefined;
      throw e;
    }));
    return withWorkdirLock(this.config.workdir, work, this.scheduler);
  }

  private async labelled<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (e) {
      throw this.label(e);
    }
  }

  private label(e: unknown): Error {
    const message = e instanceof Error ? e.message : String(e);
    return new Error(`target ${this.name}: ${message}`, { cause: e });
  }

  /**
   * A pull request for each change; in push mode, the change joins those waiting for the next commit,
   * which is made as soon as the clone is free.
   */
  private submit(change: Change): Promise<TargetReceipt> {
    const { forge } = this;
    if (forge) return this.serial(() => this.propose(change, forge));
    return new Promise((done, failed) => {
      this.waiting.push({ change, done, failed });
      if (this.commitScheduled) return;
      this.commitScheduled = true;
      this.serial(() => {
        this.commitScheduled = false;
        return this.push(this.waiting.splice(0));
      }).catch(() => undefined); // each waiting change has been told
    });
  }

  /**
   * Push mode: the waiting changes in one commit on the branch, pushed. The commit goes on the remote's
   * branch as last seen, without asking the remote first: the push itself tells whether others pushed
   * since, and only then is the branch fetched, the changes made again on its new head and pushed (never
   * forced). A change that cannot be staged fails alone.
   */
  private async push(batch: Waiting[]): Promise<void> {
    try {
      let refused = 0;
      let fetch = false;
      for (;;) {
        const seen = fetch ? undefined : await this.state.cleanHead();
        const base = seen ?? (await this.sync());
        const edits = await this.stageAll(batch);
        if (edits.paths.length === 0) {
          // Nothing to change on a branch perhaps out of date: the remote's own branch says.
          if (seen !== undefined) {
            fetch = true;
            continue;
          }
          return this.tell(batch, { revision: base });
        }
        const revision = await this.commit(commitMessage(edits.staged.map((s) => s.message)), edits);
        try {
          // The lease makes the push conditional on the remote branch being the commit's parent: one moved
          // on, or rolled back by hand since it was last seen, refuses it (never forced over either).
          await this.git([
            'push',
            '--quiet',
            `--force-with-lease=refs/heads/${this.config.branch}:${base}`,
            'origin',
            `HEAD:refs/heads/${this.config.branch}`,
          ]);
          await this.state.markClean(revision);
          return this.tell(batch, { revision });
        } catch (e) {
          if (!isBehind(e)) throw e;
        }
        if (++refused >= PUSH_ATTEMPTS)
          throw new Error(
            `push to ${this.config.branch} refused ${PUSH_ATTEMPTS} times because others pushed first`,
          );
        // Refused right after a fetch: another writer is pushing now, and the two should fall out of step.
        if (seen === undefined) await pauseBefore(this.scheduler, refused + 1);
        fetch = true;
      }
    } catch (e) {
      const error = this.label(e);
      for (const w of batch) w.failed(error);
      throw error;
    }
  }

  /** Stages each change; one that fails (an unsafe name) is told so and leaves the batch. */
  private async stageAll(batch: Waiting[]): Promise<Edits> {
    const edits = newEdits();
    for (const w of [...batch]) {
      try {
        const s = await this.stage(w.change, edits);
        if (s) edits.staged.push(s);
      } catch (e) {
        w.failed(this.label(e));
        batch.splice(batch.indexOf(w), 1);
      }
    }
    return settle(edits);
  }

  private tell(batch: readonly Waiting[], receipt: TargetReceipt): void {
    for (const w of batch) w.done(receipt);
  }

  /**
   * Pull-request mode: the change on a branch of its own, named by its content (the same change is the
   * same request, so a retry never opens a second one), and a pull request to the configured branch.
   */
  private async propose(change: Change, forge: Forge): Promise<TargetReceipt> {
    await this.sync();
    const edits = newEdits();
    const staged = await this.stage(change, edits);
    if (!staged || settle(edits).paths.length === 0) return { revision: await this.head() };
    const branch = `waiver/${staged.slug}`;
    const existing = await forge.findByBranch(branch);
    if (existing?.state === 'open') return { proposal: existing.url };
    if (existing?.state === 'closed')
      throw new Error(`pull request ${existing.url} was closed without merging; request the change again`);
    await this.commit(commitMessage([staged.message]), edits);
    try {
      await this.git(['push', '--quiet', 'origin', `HEAD:refs/heads/${branch}`]);
    } catch (e) {
      // A branch left by an earlier try holds the same change: its request is what is missing.
      if (!isBehind(e)) throw e;
    }
    const { subject, body, trailers } = staged.message;
    const opened = await forge.open({
      branch,
      base: this.config.branch,
      title: subject,
      body: [...body, '', ...trailers].join('\n').trim(),
    });
    return { proposal: opened.url };
  }

  /**
   * The clone at the remote branch as it is now, and that commit: cloned the first time, then fetched;
   * checked out and cleaned only when the work tree is not clean at the fetched commit already.
   */
  private async sync(): Promise<string> {
    const { workdir, repository, branch } = this.config;
    if (!existsSync(join(workdir, '.git'))) {
      await rm(workdir, { recursive: true, force: true });
      await mkdir(dirname(workdir), { recursive: true });
      await git(
        dirname(workdir),
        ['clone', '--quiet', '--branch', branch, '--single-branch', '--', repository, workdir],
        this.access,
      );
    } else {
      // A clone last used for another repository or branch (the configuration changed) fetches from this one.
      if (!(await this.state.seen()).sameRepository)
        await this.git(['config', 'remote.origin.url', repository]);
      await this.git([
        'fetch',
        '--quiet',
        '--prune',
        'origin',
        `+refs/heads/${branch}:refs/remotes/origin/${branch}`,
      ]);
      const seen = await this.state.seen();
      if (!seen.clean || seen.branch !== seen.remote) {
        await this.git(['checkout', '--quiet', '--force', '-B', branch, `refs/remotes/origin/${branch}`]);
        if (!seen.clean) await this.git(['clean', '--quiet', '-ffd']);
      }
    }
    const head = await this.head();
    await this.state.markClean(head);
    return head;
  }

  /**
   * Makes the change in the work tree (nothing in git yet: the commit takes every edit at once); undefined
   * when the branch holds it already.
   */
  private async stage(change: Change, edits: Edits): Promise<Staged | undefined> {
    const namespace =
      change.kind === 'write' ? (change.manifest.metadata.namespace ?? 'default') : change.namespace;
    const name = change.kind === 'write' ? change.manifest.metadata.name : change.name;
    const file = join(this.config.path, safeSegment(namespace), `${safeSegment(name)}.yaml`);
    const path = join(this.config.workdir, file);
    const before = await readFile(path, 'utf8').catch(() => undefined);
    const edit = async (after: string | undefined): Promise<void> => {
      if (edits.files.size === 0) await this.state.markDirty();
      const known = edits.files.get(file);
      edits.files.set(file, { before: known ? known.before : before, after });
    };
    if (change.kind === 'write') {
      const text = manifestToYaml(change.manifest);
      if (before === text) return undefined;
      await edit(text);
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, text, 'utf8');
      const facts = factsOf(change.manifest.metadata);
      const verb = before === undefined ? 'apply' : 'update';
      return {
        message: changeMessage(verb, name, namespace, facts),
        slug: slugOf(facts.id ?? name, verb, text),
      };
    }
    if (before === undefined) return undefined;
    await edit(undefined);
    await rm(path, { force: true });
    const facts = factsOf(parseMetadata(before));
    return {
      message: changeMessage('remove', name, namespace, facts),
      slug: slugOf(facts.id ?? name, 'remove', before),
    };
  }

  /**
   * Commits exactly the edited files (whatever else the index holds) and answers the commit's id, as the
   * commit itself prints it: new files are added first, files git knows are committed from the work tree.
   */
  private async commit(message: string, edits: Edits): Promise<string> {
    const { name, email } = this.config.author;
    if (edits.added.length > 0) await this.git(['add', '--', ...edits.added]);
    const said = await this.git([
      '-c',
      `user.name=${name}`,
      '-c',
      `user.email=${email}`,
      '-c',
      'commit.gpgsign=false',
      '-c',
      'core.abbrev=no',
      'commit',
      '-m',
      message,
      '--',
      ...edits.paths,
    ]);
    return /^\[.*? ([0-9a-f]{40}|[0-9a-f]{64})\]/.exec(said)?.[1] ?? this.head();
  }

  /** The branch's commit, read from the clone's files (git asked only when they do not say). */
  private async head(): Promise<string> {
    return (
      (await this.state.ref(`refs/heads/${this.config.branch}`)) ??
      (await this.git(['rev-parse', 'HEAD'])).trim()
    );
  }

  private git(args: readonly string[]): Promise<string> {
    return git(this.config.workdir, args, this.access);
  }
}

/** A push refused because the remote moved on (someone else pushed first). */
const isBehind = (e: unknown): boolean =>
  e instanceof GitError &&
  /\[rejected\]|non-fast-forward|fetch first|\(stale info\)|cannot lock ref|failed to update ref/.test(
    e.stderr,
  );
