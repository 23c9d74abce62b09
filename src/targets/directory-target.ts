import { randomUUID } from 'node:crypto';
import { mkdir, open, readdir, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { manifestToYaml } from '../domain/render.js';
import type { ExceptionManifest } from '../domain/manifest.js';
import type { ObservedException } from '../domain/observed.js';
import type { ProposalStatus } from '../domain/proposal.js';
import { notCapable } from '../service/decorate-target.js';
import type { Target } from '../service/ports/target.js';
import { safeSegment } from './safe-segment.js';

export interface DirectoryTargetOptions {
  /** Create the root folder when it is missing (the embedded default); otherwise a missing folder is an error. */
  createRoot: boolean;
  /** Makes a folder's entries durable (fsync of the folder); tests count the calls. */
  syncFolder?: (folder: string) => Promise<void>;
}

/** A folder's fsyncs: the one running, and the one that will begin after it (shared by every rename meanwhile). */
interface FolderSyncs {
  running?: Promise<void> | undefined;
  next?: Promise<void> | undefined;
}

/** A temp file this old is left over from a crash, not a write in progress. */
const STALE_TEMP_MS = 60 * 60_000;
const TEMP_FILE = /\.ya?ml\.[0-9a-f-]{36}\.tmp$/;

/**
 * A GitOps folder: `<root>/<namespace>/<name>.yaml`, written atomically (temp file, fsync, rename,
 * fsync of the folder) so a reader never sees half a manifest and a power cut loses no acknowledged
 * write. The folder's fsync is shared: the writes of a batch that rename while one runs all wait for the
 * next, which begins after their renames, so a batch syncs its folder once or twice, not once a file.
 * Writing the same manifest twice or removing a missing file is a no-op. Temp files a crash left
 * behind are removed by the next process's first write to their folder.
 */
export class DirectoryTarget implements Target {
  readonly description: string;
  /** Git and Argo CD read the folder, not Waiver; what is written takes effect at once. */
  readonly capabilities = { observable: false, proposals: false, batches: false } as const;
  private readonly scannedAt = new Map<string, number>();
  private readonly folderSyncs = new Map<string, FolderSyncs>();

  constructor(
    private readonly root: string,
    private readonly options: DirectoryTargetOptions,
  ) {
    this.description = `directory ${root}`;
  }

  async write(manifest: ExceptionManifest): Promise<void> {
    const namespace = manifest.metadata.namespace ?? 'default';
    const folder = join(this.root, safeSegment(namespace));
    const file = join(folder, `${safeSegment(manifest.metadata.name)}.yaml`);
    const temp = `${file}.${randomUUID()}.tmp`;
    // Once renamed, the temp file is gone: only a write that failed before has one to remove.
    let renamed = false;
    try {
      const handle = await openInFolder(folder, temp, () => this.ensureRoot());
      try {
        await handle.writeFile(manifestToYaml(manifest), 'utf8');
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, file);
      renamed = true;
      await this.folderSynced(folder);
    } finally {
      if (!renamed) await rm(temp, { force: true });
    }
    await this.removeStaleTempsOnce(folder);
  }

  async remove(namespace: string, name: string): Promise<void> {
    await this.ensureRoot();
    await rm(join(this.root, safeSegment(namespace), `${safeSegment(name)}.yaml`), { force: true });
  }

  list(): Promise<ObservedException[]> {
    return notCapable(this.description, 'observable');
  }

  proposalState(): Promise<ProposalStatus> {
    return notCapable(this.description, 'proposals');
  }

  /**
   * A crash leaves temp files only in a folder it was writing to; scanning the folder on every write
   * would make writing n manifests cost n², so each folder is scanned by its first write and hourly.
   */
  private async removeStaleTempsOnce(folder: string): Promise<void> {
    const now = Date.now();
    if (now - (this.scannedAt.get(folder) ?? -Infinity) < STALE_TEMP_MS) return;
    this.scannedAt.set(folder, now);
    await removeStaleTemps(folder, now);
  }

  /**
   * Resolves once an fsync of the folder that began after this call has ended: the fsync not yet begun
   * is shared by every caller until it begins.
   */
  private folderSynced(folder: string): Promise<void> {
    const syncs = this.folderSyncs.get(folder) ?? {};
    this.folderSyncs.set(folder, syncs);
    if (syncs.next) return syncs.next;
    const sync = this.options.syncFolder ?? syncFolder;
    const next: Promise<void> = (syncs.running ?? Promise.resolve())
      .catch(() => undefined)
      .then(() => {
        syncs.running = next;
        syncs.next = undefined;
        return sync(folder);
      })
      .finally(() => {
        if (syncs.running === next) syncs.running = undefined;
        if (!syncs.running && !syncs.next) this.folderSyncs.delete(folder);
      });
    syncs.next = next;
    return next;
  }

  private async ensureRoot(): Promise<void> {
    if (this.options.createRoot) await mkdir(this.root, { recursive: true });
    const info = await stat(this.root).catch(() => undefined);
    if (!info) throw new Error(`target directory ${this.root} does not exist`);
    if (!info.isDirectory()) throw new Error(`target ${this.root} is not a directory`);
  }
}

/**
 * A new file in the folder, the folder made first where it is missing (a namespace's first write). The
 * root is checked (and made, where it may be) only when the file cannot be opened: a write that succeeds
 * had its root there, as a folder.
 */
async function openInFolder(
  folder: string,
  path: string,
  ensureRoot: () => Promise<void>,
): Promise<FileHandle> {
  try {
    return await open(path, 'w', 0o644);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ENOTDIR') throw error;
    await ensureRoot();
    await mkdir(folder, { recursive: true });
    return open(path, 'w', 0o644);
  }
}

/** The rename itself is durable only once the folder's entry is on disk. */
async function syncFolder(folder: string): Promise<void> {
  const handle = await open(folder, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function removeStaleTemps(folder: string, nowMs: number): Promise<void> {
  for (const entry of await readdir(folder)) {
    if (!TEMP_FILE.test(entry)) continue;
    const path = join(folder, entry);
    const info = await stat(path).catch(() => undefined);
    if (info && nowMs - info.mtimeMs > STALE_TEMP_MS) await rm(path, { force: true });
  }
}
