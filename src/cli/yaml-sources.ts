import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { messageOf, WaiverError } from '../domain/errors.js';
import { YAML_LIMITS } from '../domain/manifest-schema.js';
import type { LintSource } from '../domain/lint-report.js';
import type { CliContext } from './context.js';

/** The YAML files a path names: a file, every .yaml/.yml under a folder (sorted), or - for stdin. */
export function readSources(ctx: CliContext, path: string, what: string): LintSource[] {
  try {
    if (path === '-') return [{ file: '<stdin>', text: nonEmptyStdin(ctx, what) }];
    if (!statSync(path).isDirectory()) return [{ file: path, text: readBounded(path) }];
    return readdirSync(path, { recursive: true, encoding: 'utf8' })
      .filter((f) => /\.ya?ml$/.test(f))
      .sort()
      .map((f) => ({ file: join(path, f), text: readBounded(join(path, f)) }));
  } catch (e) {
    if (e instanceof WaiverError) throw e;
    throw new WaiverError('usage', `cannot read ${path}: ${messageOf(e)}`, 'path');
  }
}

function nonEmptyStdin(ctx: CliContext, what: string): string {
  const text = ctx.readStdin();
  if (text.trim() === '')
    throw new WaiverError('usage', `standard input is empty: nothing to ${what}`, 'path');
  return text;
}

/** A file past the YAML limit is refused unread: no manifest is that large. */
function readBounded(path: string): string {
  if (statSync(path).size > YAML_LIMITS.bytes)
    throw new WaiverError(
      'usage',
      `${path} is larger than ${YAML_LIMITS.bytes / 1024} KiB: not a manifest`,
      'path',
    );
  return readFileSync(path, 'utf8');
}
