import { createHash, sign, verify } from 'node:crypto';
import { ed25519PrivateKey, ed25519PublicKey } from './ed25519-keys.js';
import { gunzipSync, gzipSync } from 'node:zlib';
import { auditJsonLine } from '../domain/audit-export.js';
import { reportHtml, reportMarkdown } from '../domain/audit-report.js';
import { messageOf, WaiverError } from '../domain/errors.js';
import { authorize, type Actor } from './actor.js';
import { signCheckpoint } from './audit-checkpoint.js';
import type { Waiver } from './waiver.js';

/**
 * An evidence bundle: a gzipped tar of named files, a manifest of their SHA-256 digests, and an Ed25519
 * signature of the manifest's digest, by a key the database never holds (as for checkpoints). A reviewer
 * verifies it with the public key alone, and every file changed since is named.
 */

export const BUNDLE_FORMAT = 'waiver-evidence-bundle/v1';
export const MANIFEST = 'manifest.json';
export const SIGNATURE = 'manifest.sig';

export interface BundleFile {
  path: string;
  data: Buffer;
}

interface Manifest {
  format: typeof BUNDLE_FORMAT;
  createdAt: string;
  files: { path: string; sha256: string; bytes: number }[];
}

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

/** The bundle: the files, the manifest, its signature; dated `createdAt` throughout, so it repeats. */
export function packBundle(files: readonly BundleFile[], privateKeyPem: string, createdAt: string): Buffer {
  const privateKey = ed25519PrivateKey(privateKeyPem);
  const manifest: Manifest = {
    format: BUNDLE_FORMAT,
    createdAt,
    files: files.map((f) => ({ path: f.path, sha256: sha256(f.data), bytes: f.data.length })),
  };
  const manifestData = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`, 'utf8');
  const digest = sha256(manifestData);
  const signature = {
    format: BUNDLE_FORMAT,
    manifestSha256: digest,
    // Over the manifest's digest, which the verifier recomputes: a changed manifest no longer matches it.
    signature: sign(null, Buffer.from(`${BUNDLE_FORMAT}\n${digest}`, 'utf8'), privateKey).toString('base64'),
  };
  const mtime = Math.floor(Date.parse(createdAt) / 1000);
  return gzipSync(
    tar(
      [
        ...files,
        { path: MANIFEST, data: manifestData },
        { path: SIGNATURE, data: Buffer.from(`${JSON.stringify(signature, null, 2)}\n`, 'utf8') },
      ],
      mtime,
    ),
    { level: 9 },
  );
}

/** What a bundle is read from, as the caller: the local service, the remote client, or the server's. */
export type BundleSource = Pick<Waiver, 'auditPage' | 'verifyAudit' | 'report' | 'auditHead' | 'exportOscal'>;

const json = (value: unknown): Buffer => Buffer.from(`${JSON.stringify(value, null, 2)}\n`, 'utf8');

async function joined(chunks: AsyncIterable<string>): Promise<Buffer> {
  let out = '';
  for await (const chunk of chunks) out += chunk;
  return Buffer.from(out, 'utf8');
}

/**
 * The evidence of the history as of `at`, read through `source` and signed: the OSCAL POA&M and
 * assessment results, the trail (JSON Lines), its verification, a checkpoint, the report (md, html,
 * json). Whoever holds the key calls it: the CLI with its own key file, the server with the one it was
 * started with.
 */
export async function assembleBundle(
  source: BundleSource,
  privateKeyPem: string,
  at: string,
): Promise<{ bundle: Buffer; files: number; trailBroken: string | null }> {
  const lines: string[] = [];
  for (let after: number | undefined; ;) {
    const page = await source.auditPage(undefined, {}, { limit: 1000, after });
    for (const event of page.items) lines.push(auditJsonLine(event));
    if (page.continue === undefined) break;
    after = Number(page.continue);
  }
  let verification: unknown;
  let trailBroken: string | null = null;
  try {
    verification = { intact: true, ...(await source.verifyAudit()) };
  } catch (e) {
    trailBroken = messageOf(e);
    verification = { intact: false, message: trailBroken };
  }
  const report = await source.report({ to: at });
  const checkpoint = signCheckpoint(await source.auditHead(), privateKeyPem, at);
  const files: BundleFile[] = [
    { path: 'oscal/poam.json', data: await joined(await source.exportOscal({ model: 'poam', to: at })) },
    {
      path: 'oscal/assessment-results.json',
      data: await joined(await source.exportOscal({ model: 'assessment-results', to: at })),
    },
    { path: 'audit/trail.jsonl', data: Buffer.from(lines.join(''), 'utf8') },
    { path: 'audit/verification.json', data: json(verification) },
    { path: 'audit/checkpoint.json', data: json(checkpoint) },
    { path: 'report/report.md', data: Buffer.from(reportMarkdown(report), 'utf8') },
    { path: 'report/report.html', data: Buffer.from(reportHtml(report), 'utf8') },
    { path: 'report/report.json', data: json(report) },
  ];
  return { bundle: packBundle(files, privateKeyPem, at), files: files.length, trailBroken };
}

/**
 * The bundle the server signs for an auditor, with the key it was started with (read from a file at
 * start, held in memory, never in the database). A server started without one refuses, and says where a
 * bundle can be signed instead.
 */
export async function serverBundle(
  source: BundleSource,
  actor: Actor,
  privateKeyPem: string | undefined,
  nowMs: number,
): Promise<{ bundle: Buffer; files: number; at: string }> {
  authorize(actor, 'sign_evidence');
  if (privateKeyPem === undefined)
    throw new WaiverError(
      'conflict',
      'this server was started without a key to sign evidence bundles: start it with --evidence-key FILE ' +
        '(or server.evidenceKeyFile), or sign one where the key is kept: waiver audit bundle --private-key KEY -o FILE.tar.gz',
      'evidenceKeyFile',
    );
  const at = new Date(nowMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
  return { ...(await assembleBundle(source, privateKeyPem, at)), at };
}

export interface BundleCheck {
  ok: boolean;
  /** One line per thing amiss, each naming the file. */
  problems: string[];
  /** The files the manifest lists and the bundle holds unchanged. */
  verified: string[];
}

/** Checks the signature with the public key, then every file against the manifest; names what changed. */
export function verifyBundle(bundle: Buffer, publicKeyPem: string): BundleCheck {
  const publicKey = ed25519PublicKey(publicKeyPem);
  let files: Map<string, Buffer>;
  try {
    files = untar(gunzipSync(bundle));
  } catch (e) {
    return { ok: false, problems: [`the bundle is not a readable .tar.gz: ${messageOf(e)}`], verified: [] };
  }
  const problems: string[] = [];
  const manifestData = files.get(MANIFEST);
  const signatureData = files.get(SIGNATURE);
  if (!manifestData) problems.push(`${MANIFEST} is missing`);
  if (!signatureData) problems.push(`${SIGNATURE} is missing`);
  if (!manifestData || !signatureData) return { ok: false, problems, verified: [] };
  const signature = parse(signatureData) as
    { format?: unknown; manifestSha256?: unknown; signature?: unknown } | undefined;
  // Only the bytes as written verify: a change JSON or base64 would read past (a space, padding bits) counts.
  const canonical =
    signature !== undefined &&
    Object.keys(signature).join(',') === 'format,manifestSha256,signature' &&
    signature.format === BUNDLE_FORMAT &&
    Buffer.from(`${JSON.stringify(signature, null, 2)}\n`, 'utf8').equals(signatureData) &&
    typeof signature.signature === 'string' &&
    Buffer.from(signature.signature, 'base64').toString('base64') === signature.signature;
  const signed =
    canonical &&
    typeof signature.manifestSha256 === 'string' &&
    typeof signature.signature === 'string' &&
    verify(
      null,
      Buffer.from(`${BUNDLE_FORMAT}\n${signature.manifestSha256}`, 'utf8'),
      publicKey,
      Buffer.from(signature.signature, 'base64'),
    );
  if (!signed) {
    problems.push(
      `${SIGNATURE} changed, or another key signed the bundle: its signature does not verify with this public key`,
    );
    return { ok: false, problems, verified: [] };
  }
  if (sha256(manifestData) !== signature.manifestSha256) {
    problems.push(`${MANIFEST} changed: it is not the manifest that was signed`);
    return { ok: false, problems, verified: [] };
  }
  const manifest = parse(manifestData) as Manifest | undefined;
  if (manifest?.format !== BUNDLE_FORMAT || !Array.isArray(manifest.files))
    return { ok: false, problems: [`${MANIFEST} is not a ${BUNDLE_FORMAT} manifest`], verified: [] };
  const verified: string[] = [];
  const listed = new Set<string>([MANIFEST, SIGNATURE]);
  for (const entry of manifest.files) {
    listed.add(entry.path);
    const data = files.get(entry.path);
    if (!data) problems.push(`${entry.path} is missing`);
    else if (sha256(data) !== entry.sha256)
      problems.push(`${entry.path} changed: its SHA-256 is not the manifest's`);
    else verified.push(entry.path);
  }
  for (const path of files.keys())
    if (!listed.has(path)) problems.push(`${path} was added: the manifest does not list it`);
  return { ok: problems.length === 0, problems, verified };
}

function parse(data: Buffer): unknown {
  try {
    return JSON.parse(data.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------- ustar, as much as a bundle needs

const BLOCK = 512;

function octal(value: number, width: number): string {
  return `${value.toString(8).padStart(width - 1, '0')}\0`;
}

/** A POSIX ustar archive of regular files (names under 100 bytes), every one dated `mtime`. */
export function tar(files: readonly BundleFile[], mtime: number): Buffer {
  const parts: Buffer[] = [];
  for (const { path, data } of files) {
    if (Buffer.byteLength(path) >= 100) throw new Error(`tar: the name ${path} is too long`);
    const header = Buffer.alloc(BLOCK);
    header.write(path, 0, 'utf8');
    header.write(octal(0o644, 8), 100, 'ascii');
    header.write(octal(0, 8), 108, 'ascii');
    header.write(octal(0, 8), 116, 'ascii');
    header.write(octal(data.length, 12), 124, 'ascii');
    header.write(octal(mtime, 12), 136, 'ascii');
    header.write('        ', 148, 'ascii');
    header.write('0', 156, 'ascii');
    header.write('ustar\u000000', 257, 'ascii');
    header.write('waiver', 265, 'ascii');
    header.write('waiver', 297, 'ascii');
    let sum = 0;
    for (const byte of header) sum += byte;
    header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
    parts.push(header, data, Buffer.alloc((BLOCK - (data.length % BLOCK)) % BLOCK));
  }
  parts.push(Buffer.alloc(BLOCK * 2));
  return Buffer.concat(parts);
}

/** The regular files of a ustar archive, by name; a header whose checksum fails is refused. */
export function untar(archive: Buffer): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  for (let at = 0; at + BLOCK <= archive.length;) {
    const header = archive.subarray(at, at + BLOCK);
    if (header.every((b) => b === 0)) break;
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : (header[i] ?? 0);
    const stated = parseInt(header.subarray(148, 156).toString('ascii').replace(/\0.*$/, '').trim(), 8);
    if (sum !== stated) throw new Error(`a tar header at byte ${at} is damaged`);
    const name = header.subarray(0, 100).toString('utf8').replace(/\0.*$/s, '');
    const size = parseInt(header.subarray(124, 136).toString('ascii').replace(/\0.*$/, '').trim(), 8);
    if (Number.isNaN(size) || at + BLOCK + size > archive.length) throw new Error(`${name} is cut short`);
    if (header[156] === 0x30 || header[156] === 0)
      files.set(name, archive.subarray(at + BLOCK, at + BLOCK + size));
    at += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
  }
  return files;
}
