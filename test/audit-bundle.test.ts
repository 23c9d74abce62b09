import { generateKeyPairSync } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import Database from 'better-sqlite3';
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
      'manifest.sig changed, or another key signed the bundle: its signature does not verify with this public key',
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

  it('names the flag and the trouble when a key is wrong, in words, and writes nothing', async () => {
    const dir = tempDir();
    const keys = generateKeyPairSync('ed25519');
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    writeFileSync(join(dir, 'key.pem'), pem(keys.privateKey, 'pkcs8'));
    writeFileSync(join(dir, 'key.pub.pem'), pem(keys.publicKey, 'spki'));
    writeFileSync(join(dir, 'rsa.pem'), pem(rsa.privateKey, 'pkcs8'));
    writeFileSync(join(dir, 'notes.txt'), 'not a key\n');
    const bundle = (...args: string[]) => cli(dir, ['audit', 'bundle', ...args]);
    const out = join(dir, 'b.tar.gz');
    const cases: [string[], RegExp][] = [
      [
        ['--private-key', 'nokey.pem', '-o', out],
        /^error: --private-key: cannot read nokey\.pem: no such file\n$/,
      ],
      [
        ['--private-key', join(dir, 'key.pub.pem'), '-o', out],
        /^error: --private-key: the private key cannot sign: it is a public key/,
      ],
      [
        ['--private-key', join(dir, 'rsa.pem'), '-o', out],
        /^error: --private-key: .*it is a rsa key, not Ed25519/,
      ],
      [
        ['--private-key', join(dir, 'notes.txt'), '-o', out],
        /^error: --private-key: .*not a private key in PEM \(make one with: openssl genpkey/,
      ],
    ];
    for (const [args, message] of cases) {
      const refused = await bundle(...args);
      expect([refused.code, refused.stderr], args.join(' ')).toEqual([
        2,
        expect.stringMatching(message) as unknown,
      ]);
      expect(refused.stderr).not.toMatch(/DECODER|error:[0-9A-F]{8}/);
    }
    const zip = await bundle('--private-key', join(dir, 'key.pem'), '-o', join(dir, 'b.zip'));
    expect([zip.code, zip.stderr]).toEqual([
      2,
      expect.stringContaining('the bundle is a gzip-compressed tar; name it FILE.tar.gz') as unknown,
    ]);
    expect(existsSync(join(dir, 'b.zip'))).toBe(false);
    expect(existsSync(out)).toBe(false);
    expect((await bundle('--private-key', join(dir, 'key.pem'), '-o', out)).code).toBe(0);
    // A trail edited behind Waiver's back is bundled as found, and its maker is told.
    const store = await openStore(join(dir, 'w.db'));
    try {
      await seedHistory(store);
    } finally {
      await store.close();
    }
    const sqlite = new Database(join(dir, 'w.db'));
    sqlite.prepare("update exceptions set reason = 'edited behind its back' where id = 1").run();
    sqlite.close();
    const broken = await bundle('--private-key', join(dir, 'key.pem'), '-o', join(dir, 'broken.tar.gz'));
    expect([broken.code, broken.stderr]).toEqual([
      0,
      expect.stringMatching(
        /^warning: the audit trail does not verify \(audit\/verification\.json says so\)/,
      ) as unknown,
    ]);
    // Whoever checks evidence should not hold what can forge it: a private key is not taken as the public one.
    const forger = await bundle('--verify', out, '--public-key', join(dir, 'key.pem'));
    expect([forger.code, forger.stderr]).toEqual([
      2,
      expect.stringMatching(
        /^error: --public-key: the public key cannot check: it is a private key; give its public half/,
      ) as unknown,
    ]);
    const notAKey = await bundle('--verify', out, '--public-key', join(dir, 'notes.txt'));
    expect(notAKey.stderr).toMatch(
      /^error: --public-key: the public key cannot check: it is not a public key in PEM\n$/,
    );
  }, 300_000);
});
