import { existsSync, mkdirSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderPolicyException } from '../src/domain/render.js';
import { defaultSettings } from '../src/domain/settings.js';
import { DirectoryTarget } from '../src/targets/directory-target.js';
import { activeRecord } from './support/records.js';
import { useTempDir } from './support/temp.js';

const tempDir = useTempDir();
const manifest = renderPolicyException(activeRecord(), defaultSettings);

describe('directory target', () => {
  it('writes <dir>/<namespace>/<name>.yaml atomically and idempotently, and removes it', async () => {
    const root = tempDir();
    const target = new DirectoryTarget(root, { createRoot: false });
    await target.write(manifest);
    await target.write(manifest);
    const folder = join(root, 'policy-exceptions');
    expect(readdirSync(folder)).toEqual(['payments-api-inc-1.yaml']);
    expect(readFileSync(join(folder, 'payments-api-inc-1.yaml'), 'utf8')).toContain('kind: PolicyException');
    await target.remove('policy-exceptions', 'payments-api-inc-1');
    await target.remove('policy-exceptions', 'payments-api-inc-1');
    expect(readdirSync(folder)).toEqual([]);
  });

  it('shares a folder fsync among the writes that rename meanwhile, each settled only after its own rename', async () => {
    const root = tempDir();
    const folder = join(root, 'policy-exceptions');
    // What each fsync of the folder covered: the manifests in it when it began.
    const covered: string[][] = [];
    const target = new DirectoryTarget(root, {
      createRoot: false,
      syncFolder: async (path) => {
        covered.push(readdirSync(path).filter((f) => f.endsWith('.yaml')));
        const handle = await open(path, 'r');
        await handle.sync();
        await handle.close();
      },
    });
    const names = Array.from({ length: 40 }, (_, i) => `app-${i}`);
    await Promise.all(
      names.map(async (name) => {
        await target.write(renderPolicyException(activeRecord({ name }), defaultSettings));
        expect(
          covered.some((files) => files.includes(`${name}.yaml`)),
          name,
        ).toBe(true);
      }),
    );
    expect(readdirSync(folder)).toHaveLength(names.length);
    expect(covered.length).toBeLessThan(names.length / 2);
  });

  it('removes the temp files a crash left behind, and no write in progress', async () => {
    const root = tempDir();
    const folder = join(root, 'policy-exceptions');
    mkdirSync(folder);
    const stale = join(folder, 'old.yaml.0b7c5e0e-8a4f-4b7e-9a47-3f1f3d2b8c11.tmp');
    const inProgress = join(folder, 'new.yaml.5d2a1c4e-2f5b-4c8d-8e9f-1a2b3c4d5e6f.tmp');
    writeFileSync(stale, 'half a manifest');
    writeFileSync(inProgress, 'being written');
    const twoHoursAgo = new Date(Date.now() - 2 * 3_600_000);
    utimesSync(stale, twoHoursAgo, twoHoursAgo);
    await new DirectoryTarget(root, { createRoot: false }).write(manifest);
    expect(readdirSync(folder).sort()).toEqual([basename(inProgress), 'payments-api-inc-1.yaml']);
  });

  it('fails clearly on a missing folder unless it is the embedded default', async () => {
    const root = join(tempDir(), 'missing');
    await expect(new DirectoryTarget(root, { createRoot: false }).write(manifest)).rejects.toThrow(
      `target directory ${root} does not exist`,
    );
    expect(existsSync(root)).toBe(false);
    await new DirectoryTarget(root, { createRoot: true }).write(manifest);
    expect(existsSync(join(root, 'policy-exceptions', 'payments-api-inc-1.yaml'))).toBe(true);
  });

  it('fails clearly when the folder cannot be written', async () => {
    const root = tempDir();
    writeFileSync(join(root, 'policy-exceptions'), 'a file where the namespace folder should be');
    await expect(new DirectoryTarget(root, { createRoot: false }).write(manifest)).rejects.toThrow(
      /EEXIST|ENOTDIR/,
    );
    const notDir = join(root, 'plain-file');
    writeFileSync(notDir, '');
    await expect(
      new DirectoryTarget(notDir, { createRoot: false }).remove('policy-exceptions', 'x'),
    ).rejects.toThrow('is not a directory');
  });
});
