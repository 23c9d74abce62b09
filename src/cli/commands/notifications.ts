import { WaiverError } from '../../domain/errors.js';
import { notificationStates, type NotificationState } from '../../domain/notification-delivery.js';
import type { CliContext } from '../context.js';
import { document, outputFormat, table } from '../output.js';

export interface NotificationsFlags {
  state?: string;
  limit?: string;
  output?: string;
}

/** `waiver notifications [--state pending|sent|dead]`: the outbox, newest first. */
export async function list(ctx: CliContext, flags: NotificationsFlags): Promise<void> {
  const format = outputFormat(flags.output, ['table', 'json', 'yaml']);
  const state = flags.state;
  if (state !== undefined && !(notificationStates as readonly string[]).includes(state))
    throw new WaiverError(
      'usage',
      `--state must be one of ${notificationStates.join(', ')}, not "${state}"`,
      'state',
    );
  const limit = flags.limit === undefined ? undefined : Number(flags.limit);
  if (limit !== undefined && !(Number.isInteger(limit) && limit >= 1 && limit <= 1000))
    throw new WaiverError(
      'usage',
      `--limit must be a whole number from 1 to 1000, not "${flags.limit}"`,
      'limit',
    );
  const { items } = await (
    await ctx.waiver()
  ).notifications({
    state: state as NotificationState | undefined,
    limit,
  });
  if (format !== 'table') return ctx.out(document({ items }, format));
  if (items.length === 0) return ctx.err(`No ${state ?? ''}${state ? ' ' : ''}notifications.\n`);
  ctx.out(
    table(
      ['ID', 'STATE', 'CHANNEL', 'EVENT', 'EXCEPTION', 'TRIES', 'SENT / NEXT TRY', 'LAST ERROR'],
      items.map((n) => [
        String(n.id),
        n.state,
        n.channel,
        n.event,
        n.exceptionId ?? '-',
        String(n.attempts),
        n.state === 'sent' ? (n.sentAt ?? '') : n.state === 'pending' ? n.nextAttemptAt : '-',
        n.lastError ?? '',
      ]),
    ),
  );
}

/** `waiver notifications retry ID…`: dead notifications tried again; one line an id. */
export async function retry(ctx: CliContext, ids: readonly string[]): Promise<void> {
  const numbers = ids.map((id) => {
    if (!/^\d{1,9}$/.test(id) || Number(id) < 1)
      throw new WaiverError(
        'usage',
        `"${id}" is not a notification id (see waiver notifications --state dead)`,
        'ids',
      );
    return Number(id);
  });
  const { retried, refused } = await (await ctx.waiver()).retryNotifications(numbers);
  for (const id of retried) ctx.out(`notification ${id} retried\n`);
  for (const { reason } of refused) ctx.err(`error: ${reason}\n`);
  if (refused.length > 0)
    throw new WaiverError('illegal_transition', `${refused.length} of ${ids.length} not retried`, 'ids');
}
