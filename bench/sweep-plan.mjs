// Planning a sweep over 10,000 active exceptions (DESIGN.md §7: under one second of CPU).
import { planSweep } from '../dist/src/domain/sweep-plan.js';
import { defaultSettings } from '../dist/src/domain/settings.js';
import { benchSize, scaled } from './support/size.mjs';

const now = Date.parse('2026-12-01T00:00:00Z');
const day = 86_400_000;
const records = Array.from({ length: benchSize(10_000, 500) }, (_, i) => ({
  id: i + 1,
  name: `app-${i}`,
  state: 'active',
  syncStatus: i % 100 === 0 ? 'error' : 'synced',
  expiresAt: new Date(now + ((i % 40) - 5) * day).toISOString(),
  remindedAt: null,
}));

const runs = scaled(20, 3);
const cpu = [];
let actions = 0;
for (let r = 0; r < runs; r++) {
  const start = process.cpuUsage();
  actions = planSweep(records, now, defaultSettings).length;
  const used = process.cpuUsage(start);
  cpu.push((used.user + used.system) / 1000);
}
cpu.sort((a, b) => a - b);
console.log(`planSweep over ${records.length} active exceptions: ${actions} actions`);
console.log(
  `cpu per plan: median ${cpu[runs >> 1].toFixed(2)} ms, max ${cpu[runs - 1].toFixed(2)} ms (budget 1000 ms)`,
);
