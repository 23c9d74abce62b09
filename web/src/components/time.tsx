import { relativeTime } from '../../../src/domain/time';

/**
 * One formatter for every instant shown: building one per call (as `toLocaleString` does) costs more than
 * the rest of a table row, and a page of the inventory shows fifty.
 */
let formatter: Intl.DateTimeFormat | undefined;
const inViewersZone = (ms: number): string =>
  (formatter ??= new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' })).format(ms);

/** An instant in the viewer's zone, with UTC on hover, and optionally how far it is from now. */
export function Time({
  iso,
  relative = false,
  now = Date.now(),
}: {
  iso: string | null;
  relative?: boolean;
  now?: number;
}) {
  if (!iso) return <span className="muted">—</span>;
  const ms = Date.parse(iso);
  const local = inViewersZone(ms);
  return (
    <time dateTime={iso} title={`${iso} (UTC)`}>
      {local}
      {relative && <span className="muted"> ({relativeTime(ms, now)})</span>}
    </time>
  );
}
