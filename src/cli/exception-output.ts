import type { ExceptionView } from '../domain/view.js';
import type { CliContext } from './context.js';
import { document, joined, relative, table, type OutputFormat } from './output.js';

const columns = ['ID', 'NAME', 'STATE', 'NAMESPACES', 'CATEGORY', 'EXPIRES', 'SYNC', 'TARGET'];
const wideColumns = [
  ...columns,
  'POLICY',
  'RULES',
  'KINDS',
  'NAMES',
  'TICKET',
  'REQUESTOR',
  'APPROVER',
  'APPLIER',
  'RENEWAL-OF',
];

function row(v: ExceptionView, nowMs: number, wide: boolean): string[] {
  const expires = v.state === 'active' || v.state === 'expired' ? relative(v.expiresAt, nowMs) : v.expiresAt;
  const base = [
    v.id,
    v.name,
    v.escalated ? `${v.state}(escalated)` : v.state,
    joined(v.namespaces),
    v.category,
    expires,
    v.syncStatus,
    v.target,
  ];
  if (!wide) return base;
  return [
    ...base,
    v.policy,
    joined(v.rules),
    joined(v.kinds),
    joined(v.names),
    v.ticket,
    v.requestor,
    v.approver ?? '<none>',
    v.applier ?? '<none>',
    v.renewalOf ?? '<none>',
  ];
}

/** Prints exceptions in the chosen format; `json` is `{"items": [...]}` like kubectl lists. */
export function printExceptions(
  ctx: CliContext,
  items: readonly ExceptionView[],
  format: OutputFormat,
): void {
  const nowMs = ctx.clock.now();
  switch (format) {
    case 'json':
    case 'yaml':
      return ctx.out(document({ items }, format));
    case 'name':
      return ctx.out(items.map((i) => `${i.id}\n`).join(''));
    default:
      if (items.length === 0) return ctx.err('No exceptions found.\n');
      return ctx.out(
        table(
          format === 'wide' ? wideColumns : columns,
          items.map((v) => row(v, nowMs, format === 'wide')),
        ),
      );
  }
}

/** Prints one exception: the item itself in json/yaml, else a one-line confirmation. */
export function printOne(ctx: CliContext, item: ExceptionView, format: OutputFormat, verb: string): void {
  if (format === 'json' || format === 'yaml') return ctx.out(document(item, format));
  if (format === 'name') return ctx.out(`${item.id}\n`);
  ctx.out(
    `${item.id} (${item.name}) ${verb}: ${item.state}${item.syncStatus === 'error' ? `, sync error: ${item.syncError ?? ''}` : ''}\n`,
  );
}
