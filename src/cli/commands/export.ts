import { WaiverError } from '../../domain/errors.js';
import { oscalModels, type OscalModel } from '../../domain/oscal.js';
import type { CliContext } from '../context.js';

export interface OscalFlags {
  model?: string;
  from?: string;
  to?: string;
}

/** `waiver export oscal --model poam|assessment-results [--from T] [--to T]`: the document on stdout, as it is written. */
export async function oscal(ctx: CliContext, flags: OscalFlags): Promise<void> {
  if (flags.model === undefined)
    throw new WaiverError('usage', `--model is required: ${oscalModels.join(' or ')}`, 'model');
  if (!(oscalModels as readonly string[]).includes(flags.model))
    throw new WaiverError(
      'usage',
      `--model must be ${oscalModels.join(' or ')}, not "${flags.model}"`,
      'model',
    );
  const waiver = await ctx.waiver();
  const chunks = await waiver.exportOscal({
    model: flags.model as OscalModel,
    ...(flags.from !== undefined ? { from: flags.from } : {}),
    ...(flags.to !== undefined ? { to: flags.to } : {}),
  });
  for await (const chunk of chunks) ctx.out(chunk);
}
