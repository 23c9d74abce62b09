import { readFileSync, writeFileSync } from 'node:fs';
import { auditJsonLine } from '../../domain/audit-export.js';
import { reportHtml, reportMarkdown } from '../../domain/audit-report.js';
import { messageOf, WaiverError } from '../../domain/errors.js';
import { pages } from '../../api/paging.js';
import type { CliContext } from '../context.js';
import { document } from '../output.js';

export interface BundleFlags {
  privateKey?: string | undefined;
  output?: string | undefined;
  verify?: string | undefined;
  publicKey?: string | undefined;
}

/**
 * `waiver audit bundle --private-key KEY -o FILE.tar.gz`: the evidence an auditor takes away, signed;
 * `waiver audit bundle --verify FILE --public-key PUB`: every file checked, anything changed named.
 */
export async function run(ctx: CliContext, flags: BundleFlags): Promise<void> {
  const { packBundle, verifyBundle } = await import('../../service/audit-bundle.js');
  if (flags.verify !== undefined) {
    if (flags.verify === '')
      throw new WaiverError('usage', '--verify needs the bundle: --verify FILE', 'verify');
    if (flags.publicKey === undefined)
      throw new WaiverError(
        'usage',
        '--verify needs --public-key, the key the bundle must be signed by',
        'public-key',
      );
    const check = verifyBundle(readBytes(flags.verify, 'verify'), readText(flags.publicKey, 'public-key'));
    if (!check.ok)
      throw new WaiverError(
        'audit_broken',
        `${flags.verify} does not verify: ${check.problems.join('; ')}`,
        'verify',
      );
    return ctx.out(
      `${flags.verify} verifies: signed by the given key; ${check.verified.length} files unchanged\n`,
    );
  }
  if (flags.privateKey === undefined)
    throw new WaiverError(
      'usage',
      '--private-key is required: an Ed25519 key in PEM the database never holds',
      'private-key',
    );
  if (flags.output === undefined) throw new WaiverError('usage', '-o FILE.tar.gz is required', 'output');
  const privateKey = readText(flags.privateKey, 'private-key');
  const waiver = await ctx.waiver();
  const at = new Date(ctx.clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const text = async (chunks: AsyncIterable<string>) => {
    let out = '';
    for await (const chunk of chunks) out += chunk;
    return Buffer.from(out, 'utf8');
  };
  let trail = '';
  for await (const page of pages((after) => waiver.auditPage(undefined, {}, { limit: 1000, after })))
    trail += page.items.map(auditJsonLine).join('');
  let verification: unknown;
  try {
    verification = { intact: true, ...(await waiver.verifyAudit()) };
  } catch (e) {
    verification = { intact: false, message: messageOf(e) };
  }
  const report = await waiver.report({ to: at });
  const { signCheckpoint } = await import('../../service/audit-checkpoint.js');
  const checkpoint = signCheckpoint(await waiver.auditHead(), privateKey, at);
  const files = [
    { path: 'oscal/poam.json', data: await text(await waiver.exportOscal({ model: 'poam', to: at })) },
    {
      path: 'oscal/assessment-results.json',
      data: await text(await waiver.exportOscal({ model: 'assessment-results', to: at })),
    },
    { path: 'audit/trail.jsonl', data: Buffer.from(trail, 'utf8') },
    { path: 'audit/verification.json', data: Buffer.from(document(verification, 'json'), 'utf8') },
    { path: 'audit/checkpoint.json', data: Buffer.from(document(checkpoint, 'json'), 'utf8') },
    { path: 'report/report.md', data: Buffer.from(reportMarkdown(report), 'utf8') },
    { path: 'report/report.html', data: Buffer.from(reportHtml(report), 'utf8') },
    { path: 'report/report.json', data: Buffer.from(document(report, 'json'), 'utf8') },
  ];
  const bundle = packBundle(files, privateKey, at);
  try {
    writeFileSync(flags.output, bundle);
  } catch (e) {
    throw new WaiverError('usage', `cannot write ${flags.output}: ${messageOf(e)}`, 'output');
  }
  ctx.out(
    `${flags.output}: ${files.length} files, a manifest of their SHA-256 digests, signed (${bundle.length} bytes)\n`,
  );
}

function readBytes(path: string, field: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new WaiverError('usage', `cannot read ${path}: ${messageOf(e)}`, field);
  }
}

const readText = (path: string, field: string): string => readBytes(path, field).toString('utf8');
