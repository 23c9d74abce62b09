import { WaiverError } from '../../domain/errors.js';
import type { CliContext } from '../context.js';

/** `waiver controller`: the reconcile loop alone, until SIGTERM or SIGINT. */
export async function run(ctx: CliContext): Promise<void> {
  const config = await ctx.config();
  if (config.remote)
    throw new WaiverError('usage', 'the controller runs against the store; drop --server', 'server');
  if (!Object.values(config.targets).some((t) => t.kind !== 'directory'))
    throw new WaiverError(
      'usage',
      'the controller keeps clusters and Git repositories, and only folders are configured: give --kubeconfig or --context, or targets: in the config',
      'context',
    );
  const [{ startController }, { untilSignal }] = await Promise.all([
    import('../../wire/controller.js'),
    import('../../wire/process-log.js'),
  ]);
  const running = await startController(config, (line) => ctx.out(line));
  await untilSignal();
  await running.close();
}
