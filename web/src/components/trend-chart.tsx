/** Active exceptions at the end of each week, as bars, with the least-squares trend line over them. */
export function TrendChart({ weeks, weekly, slope }: { weeks: string[]; weekly: number[]; slope: number }) {
  const width = 640;
  const height = 180;
  const pad = 28;
  const max = Math.max(1, ...weekly);
  const n = weekly.length;
  if (n === 0) return <p className="empty">No weeks to show yet.</p>;
  const step = (width - 2 * pad) / n;
  const y = (v: number) => height - pad - (v / max) * (height - 2 * pad);
  const mean = weekly.reduce((a, b) => a + b, 0) / n;
  const mid = (n - 1) / 2;
  const line = (i: number) => y(Math.max(0, mean + slope * (i - mid)));
  const day = (week: string | undefined) => (week ?? '').slice(0, 10);
  const direction =
    slope > 0
      ? `rising by ${slope.toFixed(2)} a week`
      : slope < 0
        ? `falling by ${(-slope).toFixed(2)} a week`
        : 'flat';
  const description = `Active exceptions per week, ${day(weeks[0])} to ${day(weeks.at(-1))}: ${weekly.join(', ')}. Trend ${direction}.`;
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-label={description}>
        {weekly.map((v, i) => (
          <rect
            key={weeks[i] ?? i}
            className="bar"
            x={pad + i * step + 4}
            width={Math.max(2, step - 8)}
            y={y(v)}
            height={height - pad - y(v)}
          >
            <title>{`${day(weeks[i])}: ${v}`}</title>
          </rect>
        ))}
        <line
          className={slope > 0 ? 'trend rising' : 'trend'}
          x1={pad + step / 2}
          x2={pad + (n - 0.5) * step}
          y1={line(0)}
          y2={line(n - 1)}
        />
        <line className="axis" x1={pad} x2={width - pad} y1={height - pad} y2={height - pad} />
        <text className="tick" x={pad} y={height - 8}>
          {day(weeks[0])}
        </text>
        <text className="tick" x={width - pad} y={height - 8} textAnchor="end">
          {day(weeks.at(-1))}
        </text>
        <text className="tick" x={4} y={y(max) + 4}>
          {max}
        </text>
      </svg>
      <figcaption className="muted">{description}</figcaption>
    </figure>
  );
}
