import { readFileFor, readTextFor } from '../read-file.js';
import { writeFileSync } from 'node:fs';
import { messageOf, WaiverError } from '../../domain/errors.js';
import type { CliContext } from '../context.js';

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
  const { assembleBundle, verifyBundle } = await import('../../service/audit-bundle.js');
  if (flags.verify !== undefined) {
    if (flags.verify === '')
      throw new WaiverError('usage', '--verify needs the bundle: --verify FILE', 'verify');
    if (flags.publicKey === undefined)
      throw new WaiverError(
        'usage',
        '--verify needs --public-key, the key the bundle must be signed by',
        'public-key',
      );
    const check = verifyBundle(
      readFileFor(flags.verify, 'verify'),
      readTextFor(flags.publicKey, 'public-key'),
    );
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
  // The name says what the file is: a gzip tar called x.zip would mislead whoever opens it.
  if (!/\.(tar\.gz|tgz)$/.test(flags.output))
    throw new WaiverError(
      'usage',
      `-o ${flags.output}: the bundle is a gzip-compressed tar; name it FILE.tar.gz (or .tgz)`,
      'output',
    );
  const privateKey = readTextFor(flags.privateKey, 'private-key');
  const at = new Date(ctx.clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const { bundle, files, trailBroken } = await assembleBundle(await ctx.waiver(), privateKey, at);
  try {
    writeFileSync(flags.output, bundle);
  } catch (e) {
    throw new WaiverError('usage', `cannot write ${flags.output}: ${messageOf(e)}`, 'output');
  }
  ctx.out(
    `${flags.output}: ${files} files, a manifest of their SHA-256 digests, signed (${bundle.length} bytes)\n`,
  );
  // Signed as found: the bundle is the evidence of the break too, but its maker must not miss it.
  if (trailBroken)
    ctx.err(`warning: the audit trail does not verify (audit/verification.json says so): ${trailBroken}\n`);
}
