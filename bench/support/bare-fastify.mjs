// The anchor for bench/api.mjs and bench/metrics-scrape.mjs: a bare Fastify route serving fixed bytes from
// memory, a JSON page at /api/v1/exceptions or, given a .txt file, a Prometheus exposition at /metrics.
import { readFileSync } from 'node:fs';
import Fastify from 'fastify';

const file = process.argv[2];
const app = Fastify({ logger: false });
if (file.endsWith('.txt')) {
  const text = readFileSync(file, 'utf8');
  app.get('/metrics', async (_request, reply) =>
    reply.type('text/plain; version=0.0.4; charset=utf-8').send(text),
  );
} else {
  const page = JSON.parse(readFileSync(file, 'utf8'));
  app.get('/api/v1/exceptions', async () => page);
}
const address = await app.listen({ host: '127.0.0.1', port: 0 });
console.log(`listening on ${address}`);
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
