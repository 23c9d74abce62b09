import type { Violation } from '../../domain/violations.js';
import type { CliContext } from '../context.js';
import { document, outputFormat, table } from '../output.js';

export interface ViolationsFlags {
  namespace?: string;
  policy?: string;
  target?: string;
  output?: string;
}

const where = (v: Violation) =>
  `${v.resource.kind}/${v.resource.namespace ? `${v.resource.namespace}/` : ''}${v.resource.name}`;

const covered = (v: Violation) =>
  v.covered === true
    ? `yes (${[...new Set(v.rules.flatMap((r) => r.exceptions))].join(',')})`
    : v.covered === 'unknown'
      ? 'maybe'
      : v.rules.some((r) => r.covered !== false)
        ? 'partly'
        : 'no';

/** One row per resource and policy; the message of the first failing rule, cut to stay on one line. */
export function violationsTable(items: readonly Violation[]): string {
  if (!items.length) return 'No policy report shows a failing result.\n';
  return table(
    ['RESOURCE', 'OWNER', 'POLICY', 'RULES', 'LAST SEEN', 'COVERED', 'MESSAGE'],
    items.map((v) => {
      const message = v.rules.find((r) => r.message)?.message ?? '';
      return [
        where(v),
        v.owner ? `${v.owner.kind}/${v.owner.name}` : '-',
        v.policy,
        v.rules.map((r) => (r.result === 'error' ? `${r.rule} (error)` : r.rule)).join(','),
        v.lastSeen ?? '-',
        covered(v),
        message.length > 80 ? `${message.slice(0, 77)}...` : message.replace(/\s+/g, ' '),
      ];
    }),
  );
}

/**
 * `waiver violations [-n NS] [--policy P] [--target T]`: the failing results of the clusters' policy
 * reports, by resource and policy, with the pods' owners and whether an exception already covers each.
 */
export async function run(ctx: CliContext, flags: ViolationsFlags): Promise<void> {
  const format = outputFormat(flags.output, ['table', 'json', 'yaml']);
  const found = await (
    await ctx.waiver()
  ).violations({ namespace: flags.namespace, policy: flags.policy, target: flags.target });
  if (format !== 'table') return ctx.out(document(found, format));
  ctx.out(violationsTable(found.items));
  for (const note of found.notes) ctx.err(`note: ${note}\n`);
}
