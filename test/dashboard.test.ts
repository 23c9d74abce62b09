import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startTestServer } from './support/server.js';
import { useTempDir } from './support/temp.js';

const tempDir = useTempDir();
const dashboard = JSON.parse(
  readFileSync(new URL('../deploy/helm/waiver/files/dashboard.json', import.meta.url), 'utf8'),
) as { panels: { title: string; targets: { expr: string }[] }[] };

/** Metric families of a Prometheus text exposition, with a histogram's series names. */
function families(text: string): Set<string> {
  const names = new Set<string>();
  for (const [, name, type] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    names.add(name ?? '');
    if (type === 'histogram')
      for (const suffix of ['_bucket', '_sum', '_count']) names.add(`${name ?? ''}${suffix}`);
  }
  return names;
}

describe('the Grafana dashboard', () => {
  it('asks only for metrics that /metrics exports (checked against a live scrape)', async () => {
    const dir = tempDir();
    const server = await startTestServer({ database: join(dir, 'w.db'), dir });
    try {
      // One request first, so the HTTP histograms have a series.
      await server.as(server.adminToken)('GET', '/api/v1/exceptions');
      const scraped = families((await server.as(server.adminToken)('GET', '/metrics')).text);
      const asked = dashboard.panels.flatMap((p) =>
        p.targets.flatMap((t) => t.expr.match(/\bwaiver_[a-z_]+/g) ?? []),
      );
      expect(asked.length).toBeGreaterThan(10);
      expect([...new Set(asked)].filter((m) => !scraped.has(m))).toEqual([]);
    } finally {
      await server.close();
    }
  });

  it('shows what the process document measures', () => {
    const titles = dashboard.panels.map((p) => p.title).join('\n');
    for (const topic of [
      'Active exceptions',
      'Red flag',
      'Average duration vs 14 days',
      'Expired exceptions removed',
      'Renewal rate',
      'Removal latency',
      'sync failures',
      'Notifications',
      'HTTP latency',
    ])
      expect(titles).toContain(topic);
  });
});
