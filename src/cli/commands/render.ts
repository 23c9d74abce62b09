import { WaiverError } from '../../domain/errors.js';
import { apiVersions, type ApiVersion } from '../../domain/exception.js';
import type { CliContext } from '../context.js';

export interface RenderFlags {
  apiVersion?: string;
}

/** `waiver render <id> [--api-version]`: the PolicyException manifest, as the target receives it. */
export async function run(ctx: CliContext, ref: string, flags: RenderFlags): Promise<void> {
  const version = flags.apiVersion;
  if (version !== undefined && !(apiVersions as readonly string[]).includes(version)) {
    throw new WaiverError(
      'usage',
      `--api-version must be one of ${apiVersions.join(', ')} (v2alpha1 is no longer served)`,
      'api-version',
    );
  }
  ctx.out(await (await ctx.waiver()).render(ref, version as ApiVersion | undefined));
}
