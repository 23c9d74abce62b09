import { randomUUID } from 'node:crypto';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { manifestToYaml } from '../domain/render.js';
import type { PolicyExceptionManifest } from '../domain/manifest.js';
import type { Target } from '../service/ports.js';

export interface DirectoryTargetOptions {
  /** Create the root folder when it is missing (the embedded default); otherwise a missing folder is an error. */
  createRoot: boolean;
}

/**
 * A GitOps folder: `<root>/<namespace>/<name>.yaml`, written atomically (temp file + rename) so a reader
 * never sees half a manifest. Writing the same manifest twice or removing a missing file is a no-op.
 */
export class DirectoryTarget implements Target {
  readonly description: string;

  constructor(
    private readonly root: string,
    private readonly options: DirectoryTargetOptions,
  ) {
    this.description = `directory ${root}`;
  }

  async write(manifest: PolicyExceptionManifest): Promise<void> {
    const namespace = manifest.metadata.namespace ?? 'default';
    await this.ensureRoot();
    const folder = join(this.root, safeSegment(namespace));
    await mkdir(folder, { recursive: true });
    const file = join(folder, `${safeSegment(manifest.metadata.name)}.yaml`);
    const temp = `${file}.${randomUUID()}.tmp`;
    try {
      await writeFile(temp, manifestToYaml(manifest), { encoding: 'utf8', mode: 0o644 });
      await rename(temp, file);
    } finally {
      await rm(temp, { force: true });
    }
  }

  async remove(namespace: string, name: string): Promise<void> {
    await this.ensureRoot();
    await rm(join(this.root, safeSegment(namespace), `${safeSegment(name)}.yaml`), { force: true });
  }

  private async ensureRoot(): Promise<void> {
    if (this.options.createRoot) await mkdir(this.root, { recursive: true });
    const info = await stat(this.root).catch(() => undefined);
    if (!info) throw new Error(`target directory ${this.root} does not exist`);
    if (!info.isDirectory()) throw new Error(`target ${this.root} is not a directory`);
  }
}

/** Names are validated DNS labels already; this keeps a path from ever leaving the root. */
function safeSegment(segment: string): string {
  if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(segment))
    throw new Error(`"${segment}" is not a safe file name`);
  return segment;
}
