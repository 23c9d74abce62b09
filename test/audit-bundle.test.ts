import { generateKeyPairSync } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { MANIFEST, SIGNATURE, tar, untar, verifyBundle } from '../src/service/audit-bundle.js';
import { openStore } from '../src/wire/deps.js';
import { cli } from './support/cli.js';
import { seedHistory } from './support/history.js';
import { useTempDir } from './support/temp.js';

const tempDir = useTempDir();

const pem = (key: { export(o: object): string | Buffer }, type: 'pkcs8' | 'spki') =>
  key.export({ type, format: 'pem' }).toString();

/** The bundle with one byte of one file changed, packed again as it was. */
function changed(files: ReadonlyMap<string, Buffer>, path: string, i: number): Buffer {
  const data = Buffer.from(files.get(path) ?? Buffer.alloc(0));
  data[i] = (data[i] ?? 0) ^ 0x01;
  return gzipSync(
    tar(
      [...files].map(([p, d]) => ({ path: p, data: p === path ? data : d })),
      0,
    ),
    { level: 1 },
  );
}

describe('the evidence bundle', () => {
  it('verifies with the public key alone, and names every single-byte change of a member, the manifest or the signature', async () => {
    const dir = tempDir();
    const store = await openStore(join(dir, 'w.db'));
    try {
      await seedHistory(store);
    } finally {
      await store.close();
    }
    const keys = generateKeyPairSync('ed25519');
    const other = generateKeyPairSync('ed25519');
    writeFileSync(join(dir, 'key.pem'), pem(keys.privateKey, 'pkcs8'));
    writeFileSync(join(dir, 'key.pub.pem'), pem(keys.publicKey, 'spki'));
    writeFileSync(join(dir, 'other.pub.pem'), pem(other.publicKey, 'spki'));
    const made = await cli(dir, [
      'audit',
      'bundle',
      '--private-key',
      join(dir, 'key.pem'),
      '-o',
      join(dir, 'b.tar.gz'),
    ]);
    expect(made.stderr).not.toContain('Error');
    expect(made.code).toBe(0);
    const verified = await cli(dir, [
      'audit',
      'bundle',
      '--verify',
      join(dir, 'b.tar.gz'),
      '--public-key',
      join(dir, 'key.pub.pem'),
    ]);
    expect(verified.stderr).toBe('');
    expect(verified.stdout).toContain('verifies: signed by the given key; 8 files unchanged');
    const otherKey = await cli(dir, [
      'audit',
      'bundle',
      '--verify',
      join(dir, 'b.tar.gz'),
      '--public-key',
      join(dir, 'other.pub.pem'),
    ]);
    expect(otherKey.code).toBe(1);
    expect(otherKey.stderr).toContain(
      'manifest.sig changed: its signature does not verify with this public key',
    );

    const bundle = readFileSync(join(dir, 'b.tar.gz'));
    const publicKey = pem(keys.publicKey, 'spki');
    const members = [...untar(gunzipSync(bundle)).keys()];
    expect(members.sort()).toEqual(
      [
        'audit/checkpoint.json',
        'audit/trail.jsonl',
        'audit/verification.json',
        MANIFEST,
        SIGNATURE,
        'oscal/assessment-results.json',
        'oscal/poam.json',
        'report/report.html',
        'report/report.json',
        'report/report.md',
      ].sort(),
    );
    const poam = JSON.parse(untar(gunzipSync(bundle)).get('oscal/poam.json')?.toString() ?? '{}') as object;
    expect(poam).toHaveProperty('plan-of-action-and-milestones');
    const files = untar(gunzipSync(bundle));
    for (const path of members) {
      const length = files.get(path)?.length ?? 0;
      // Every byte of the manifest and its signature; of each other file, a spread of positions.
      const positions =
        path === MANIFEST || path === SIGNATURE
          ? [...Array(length).keys()]
          : Array.from({ length: 24 }, (_, k) => Math.floor((k * (length - 1)) / 23));
      for (const i of positions) {
        const check = verifyBundle(changed(files, path, i), publicKey);
        expect(check.ok, `${path} byte ${i}`).toBe(false);
        expect(check.problems, `${path} byte ${i}`).toEqual([
          expect.stringMatching(
            new RegExp(`^${path.replace('.', '\\.')} (changed|was added|is missing)`),
          ) as unknown,
        ]);
      }
    }
  }, 600_000);
});
