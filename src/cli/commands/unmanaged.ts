import type { UnmanagedException } from '../../service/reconcile.js';
import type { CliContext } from '../context.js';
import { document, outputFormat, table, type OutputFlags } from '../output.js';

/** `waiver get --unmanaged`: PolicyExceptions in the cluster that did not come through the process. */
export async function run(ctx: CliContext, flags: OutputFlags & { target?: string }): Promise<void> {
  const format = outputFormat(flags.output, ['table', 'json', 'yaml']);
  const items = await (await ctx.waiver()).unmanaged(flags.target);
  if (format !== 'table') return ctx.out(document({ items }, format));
  ctx.out(items.length ? unmanagedTable(items) : 'No unmanaged PolicyExceptions found.\n');
}

const unmanagedTable = (items: readonly UnmanagedException[]): string =>
  table(
    ['TARGET', 'NAMESPACE', 'NAME', 'POLICIES', 'READ BY KYVERNO'],
    items.map((u) => [
      u.target,
      u.namespace,
      u.name,
      u.policies.join(','),
      u.inExceptionNamespace ? 'yes' : 'no (wrong namespace)',
    ]),
  );
