import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { parse } from 'yaml';
import type { ObservedException } from '../../domain/observed.js';

/** Every PolicyException under the folder, as found (a file that does not parse is skipped). */
export async function readFolder(root: string, folder: string): Promise<ObservedException[]> {
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
