import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { parse } from 'yaml';
import { ANNOTATIONS, ID_LABEL, type ExceptionManifest } from '../../domain/manifest.js';
import { manifestToYaml } from '../../domain/render.js';
import type {
  ObservableTarget,
  ObservedException,
  ProposalState,
  TargetReceipt,
} from '../../service/ports.js';
import { repositoryDescription, type GitRepository } from '../../domain/git-repository.js';
import { openForge, type Forge } from './forge.js';
import { git, GitError, type GitAccess } from './git-cli.js';
import { withWorkdirLock } from './workdir-lock.js';
import { safeSegment } from '../safe-segment.js';

/** Pushes refused because others pushed first: fetched, rebased and tried again this many times. */
const PUSH_ATTEMPTS = 8;

/** Between two tries, a random pause growing with each: two replicas in step fall out of step. */
const pauseBefore = (attempt: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, Math.random() * 50 * attempt));

/** One change to the folder: a manifest written, or one removed. */
type Change =
  { kind: 'write'; manifest: ExceptionManifest } | { kind: 'remove'; namespace: string; name: string };

/** What a change did to Waiver's clone: the file, and the commit message saying why. */
interface Staged {
  message: string;
  /** Names the change in a pull request's branch: the same change gets the same branch. */
  slug: string;
}

export function openGitTarget(name: string, config: GitRepository): GitTarget {
  return new GitTarget(name, config);
}

/**
 * A GitOps repository (decision 0015): Waiver keeps a clone of one branch and makes each write or removal
 * one commit under the folder, with trailers a machine reads (`Waiver-Exception: EX-42`). In push mode it
 * pushes the commit; a push refused because others pushed first is fetched, rebased onto the new head and
 * pushed again (never forced). In pull-request mode each change is a branch and a pull (merge) request,
 * applied when merged. Operations on one target run one at a time; every failure is one line naming the
 * target and the cause, and never a secret.
 */
export class GitTarget implements ObservableTarget {
  readonly description: string;
  private readonly access: GitAccess;
  private readonly forge: Forge | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly name: string,
    private readonly config: GitRepository,
  ) {
    this.description = repositoryDescription(config);
    this.access = { sshKeyFile: config.sshKeyFile, token: config.token, timeoutMs: config.timeoutMs };
    this.forge = config.pullRequests && openForge(config.pullRequests);
  }

  write(manifest: ExceptionManifest): Promise<TargetReceipt> {
    return this.serial(() => this.change({ kind: 'write', manifest }));
  }

  remove(namespace: string, name: string): Promise<TargetReceipt> {
    return this.serial(() => this.change({ kind: 'remove', namespace, name }));
  }

  /** The folder as the branch holds it now: what drift and rogue detection compare with. */
  list(): Promise<ObservedException[]> {
    return this.serial(async () => {
      await this.fetchAndReset();
      return readFolder(join(this.config.workdir, this.config.path), this.config.path);
    });
  }

  async proposalState(url: string): Promise<ProposalState> {
    if (!this.forge) return 'merged';
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
    await mkdir(dirname(this.config.workdir), { recursive: true });
    return withWorkdirLock(this.config.workdir, work);
  }

  private async labelled<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      throw new Error(`target ${this.name}: ${message}`, { cause: e });
    }
  }

  private change(change: Change): Promise<TargetReceipt> {
    return this.forge ? this.propose(change, this.forge) : this.push(change);
  }

  /** Push mode: commit on the branch and push; refused because others pushed first, rebase and retry. */
  private async push(change: Change): Promise<TargetReceipt> {
    for (let attempt = 1; attempt <= PUSH_ATTEMPTS; attempt++) {
      if (attempt > 1) await pauseBefore(attempt);
      await this.fetchAndReset();
      const staged = await this.stage(change);
      if (!staged) return { revision: await this.head() };
      await this.commit(staged.message);
      try {
        await this.git(['push', 'origin', `HEAD:refs/heads/${this.config.branch}`]);
        return { revision: await this.head() };
      } catch (e) {
        if (!isBehind(e)) throw e;
      }
    }
    throw new Error(
      `push to ${this.config.branch} refused ${PUSH_ATTEMPTS} times because others pushed first`,
    );
  }

  /**
   * Pull-request mode: the change on a branch of its own, named by its content (the same change is the
   * same request, so a retry never opens a second one), and a pull request to the configured branch.
   */
  private async propose(change: Change, forge: Forge): Promise<TargetReceipt> {
    await this.fetchAndReset();
    const staged = await this.stage(change);
    if (!staged) return { revision: await this.head() };
    const branch = `waiver/${staged.slug}`;
    const existing = await forge.findByBranch(branch);
    if (existing?.state === 'open') return { proposal: existing.url };
    if (existing?.state === 'closed')
      throw new Error(`pull request ${existing.url} was closed without merging; request the change again`);
    await this.commit(staged.message);
    try {
      await this.git(['push', 'origin', `HEAD:refs/heads/${branch}`]);
    } catch (e) {
      // A branch left by an earlier try holds the same change: its request is what is missing.
      if (!isBehind(e)) throw e;
    }
    const [title = staged.message, ...rest] = staged.message.split('\n');
    const opened = await forge.open({
      branch,
      base: this.config.branch,
      title,
      body: rest.join('\n').trim(),
    });
    return { proposal: opened.url };
  }

  /** Clones once; then each operation starts from the remote branch as it is now. */
  private async fetchAndReset(): Promise<void> {
    const { workdir, repository, branch } = this.config;
    if (!existsSync(join(workdir, '.git'))) {
      await rm(workdir, { recursive: true, force: true });
      await mkdir(dirname(workdir), { recursive: true });
      await git(
        dirname(workdir),
        ['clone', '--quiet', '--branch', branch, '--single-branch', '--', repository, workdir],
        this.access,
      );
      return;
    }
    await this.git([
      'fetch',
      '--quiet',
      '--prune',
      'origin',
      `+refs/heads/${branch}:refs/remotes/origin/${branch}`,
    ]);
    await this.git(['checkout', '--quiet', '-B', branch, `refs/remotes/origin/${branch}`]);
    await this.git(['reset', '--quiet', '--hard', `refs/remotes/origin/${branch}`]);
    await this.git(['clean', '--quiet', '-ffd']);
  }

  /** Makes the change in the clone and stages it; undefined when the branch holds it already. */
  private async stage(change: Change): Promise<Staged | undefined> {
    const namespace =
      change.kind === 'write' ? (change.manifest.metadata.namespace ?? 'default') : change.namespace;
    const name = change.kind === 'write' ? change.manifest.metadata.name : change.name;
    const file = join(this.config.path, safeSegment(namespace), `${safeSegment(name)}.yaml`);
    const path = join(this.config.workdir, file);
    const before = await readFile(path, 'utf8').catch(() => undefined);
    if (change.kind === 'write') {
      const text = manifestToYaml(change.manifest);
      if (before === text) return undefined;
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, text, 'utf8');
      await this.git(['add', '--', file]);
      const facts = factsOf(change.manifest.metadata);
      const verb = before === undefined ? 'apply' : 'update';
      return {
        message: commitMessage(verb, name, namespace, facts),
        slug: slugOf(facts.id ?? name, verb, text),
      };
    }
    if (before === undefined) return undefined;
    await this.git(['rm', '--quiet', '--', file]);
    const facts = factsOf(parseMetadata(before));
    return {
      message: commitMessage('remove', name, namespace, facts),
      slug: slugOf(facts.id ?? name, 'remove', before),
    };
  }

  private async commit(message: string): Promise<void> {
    const { name, email } = this.config.author;
    await this.git([
      '-c',
      `user.name=${name}`,
      '-c',
      `user.email=${email}`,
      '-c',
      'commit.gpgsign=false',
      'commit',
      '--quiet',
      '-m',
      message,
    ]);
  }

  private async head(): Promise<string> {
    return (await this.git(['rev-parse', 'HEAD'])).trim();
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

interface Facts {
  id: string | undefined;
  ticket: string | undefined;
  approver: string | undefined;
  expires: string | undefined;
}

type Metadata = {
  labels?: Record<string, string> | undefined;
  annotations?: Record<string, string> | undefined;
};

function factsOf(metadata: Metadata): Facts {
  const id = metadata.labels?.[ID_LABEL];
  const a = metadata.annotations ?? {};
  return {
    id: id ? (/^EX-/i.test(id) ? id : `EX-${id}`) : undefined,
    ticket: a[ANNOTATIONS.ticket],
    approver: a[ANNOTATIONS.riskAcceptance],
    expires: a[ANNOTATIONS.expiresAt],
  };
}

function parseMetadata(text: string): Metadata {
  try {
    const doc = parse(text, { maxAliasCount: 10 }) as { metadata?: Metadata } | null;
    return doc?.metadata ?? {};
  } catch {
    return {};
  }
}

/** One line of text from a manifest's fields: a commit message's lines are never split by them. */
const line = (text: string): string => text.replace(/[\r\n]+/g, ' ').slice(0, 200);

/** The subject says what and which; the body says why (ticket, approver, expiry); trailers say it to machines. */
export function commitMessage(verb: string, name: string, namespace: string, facts: Facts): string {
  const id = facts.id ?? name;
  const body = [
    facts.ticket && `Ticket: ${line(facts.ticket)}`,
    facts.approver && `Approved by: ${line(facts.approver)}`,
    facts.expires && `Expires: ${line(facts.expires)}`,
  ].filter(Boolean);
  const trailers = [
    facts.id && `Waiver-Exception: ${facts.id}`,
    `Waiver-Operation: ${verb}`,
    facts.ticket && `Waiver-Ticket: ${line(facts.ticket)}`,
    facts.approver && `Waiver-Approver: ${line(facts.approver)}`,
    facts.expires && `Waiver-Expires: ${line(facts.expires)}`,
  ].filter(Boolean);
  return [
    `waiver: ${verb} ${id} (${namespace}/${name})`,
    '',
    ...body,
    ...(body.length ? [''] : []),
    ...trailers,
  ].join('\n');
}

const slugOf = (id: string, verb: string, content: string): string =>
  `${id.toLowerCase()}-${verb}-${createHash('sha256').update(content).digest('hex').slice(0, 10)}`;

/** Every PolicyException under the folder, as found (a file that does not parse is skipped). */
async function readFolder(root: string, folder: string): Promise<ObservedException[]> {
  const found: ObservedException[] = [];
  for (const path of await yamlFiles(root)) {
    let doc: unknown;
    try {
      doc = parse(await readFile(path, 'utf8'), { maxAliasCount: 100 });
    } catch {
      continue;
    }
    const object = doc as {
      apiVersion?: unknown;
      kind?: unknown;
      metadata?: { name?: unknown; namespace?: unknown; labels?: unknown; annotations?: unknown };
      spec?: unknown;
    } | null;
    if (!object || object.kind !== 'PolicyException') continue;
    const file = relative(root, path);
    const folderName = file.includes('/') ? file.split('/')[0] : undefined;
    found.push({
      apiVersion: typeof object.apiVersion === 'string' ? object.apiVersion : '',
      namespace:
        typeof object.metadata?.namespace === 'string'
          ? object.metadata.namespace
          : (folderName ?? 'default'),
      name: typeof object.metadata?.name === 'string' ? object.metadata.name : file.replace(/\.ya?ml$/, ''),
      // The path identifies a file in a repository, as a uid does an object in a cluster.
      uid: `${folder}/${file}`,
      labels: stringMap(object.metadata?.labels),
      annotations: stringMap(object.metadata?.annotations),
      spec: object.spec,
    });
  }
  return found;
}

async function yamlFiles(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { withFileTypes: true }).catch(() => []);
  const files: string[] = [];
  for (const entry of entries) {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) files.push(...(await yamlFiles(path)));
    else if (/\.ya?ml$/.test(entry.name)) files.push(path);
  }
  return files.sort();
}

const stringMap = (value: unknown): Record<string, string> =>
  value && typeof value === 'object'
    ? Object.fromEntries(Object.entries(value).filter((e): e is [string, string] => typeof e[1] === 'string'))
    : {};
