import { TREND_HISTORY_RULE } from '../../domain/trend-history.js';
import type { Metrics, Target } from '../../domain/metrics.js';
import { parseInstant } from '../../domain/time.js';
import type { CliContext } from '../context.js';
import { document, outputFormat, table, type InstantFlags } from '../output.js';

/** `waiver metrics [--now T]`: the process metrics, each with its target and whether it is met. */
export async function run(ctx: CliContext, flags: InstantFlags): Promise<void> {
  const format = outputFormat(flags.output, ['table', 'json', 'yaml']);
  const atMs = flags.now === undefined ? undefined : parseInstant(flags.now, 'now');
  const metrics = await (await ctx.waiver()).metrics(atMs);
  ctx.out(format === 'table' ? metricsText(metrics) : document(metrics, format));
}

const percent = (v: number | null): string => (v === null ? 'n/a' : `${(v * 100).toFixed(1)}%`);
const seconds = (v: number | null): string => (v === null ? 'n/a' : `${v}s`);
/** No data yet is no verdict: "n/a", not "ok". */
const verdict = (t: Target): string => (t.value === null ? 'n/a' : t.meets ? 'ok' : 'MISSED');

function metricsText(m: Metrics): string {
  const rows = [
    [
      'active exceptions',
      String(m.activeExceptions),
      'should fall',
      m.redFlag ? 'RED FLAG' : verdict(m.targets.trend),
    ],
    ['trend (per week)', m.trend.slope.toFixed(2), '<= 0', verdict(m.targets.trend)],
    [
      'average duration',
      m.averageDurationDays === null ? 'n/a' : `${m.averageDurationDays.toFixed(1)}d`,
      `< ${m.targets.averageDurationDays.target}d`,
      verdict(m.targets.averageDurationDays),
    ],
    [
      'expired removed',
      percent(m.expiredRemovedRate),
      `${percent(m.targets.expiredRemovedRate.target)}`,
      verdict(m.targets.expiredRemovedRate),
    ],
    [
      'renewal rate',
      percent(m.renewalRate),
      `< ${percent(m.targets.renewalRate.target)}`,
      verdict(m.targets.renewalRate),
    ],
  ];
  const latency = m.removalLatency;
  return (
    `metrics as of ${m.at} (window ${m.windowDays} days)\n` +
    table(['METRIC', 'VALUE', 'TARGET', 'STATUS'], rows) +
    `active at each week's end, oldest first: ${m.trend.weekly.join(' ')}\n` +
    (m.targets.trend.value === null ? `trend: not judged until ${TREND_HISTORY_RULE}\n` : '') +
    `removal latency: median ${seconds(latency.medianSeconds)}, max ${seconds(latency.maxSeconds)}, outstanding ${latency.outstanding}\n` +
    (latency.warning ? `warning: ${latency.warning}\n` : '') +
    (m.redFlag ? 'red flag: exceptions are increasing (policy too strict, or security debt growing)\n' : '')
  );
}
