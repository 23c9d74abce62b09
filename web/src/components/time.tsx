import { relativeTime } from '../../../src/domain/time';
import { inViewersZone } from './local-time';

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
