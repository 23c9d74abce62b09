// The baseline for bench/api.mjs: a bare Fastify route serving a fixed JSON page from memory.
import { readFileSync } from 'node:fs';
import Fastify from 'fastify';

const page = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const app = Fastify({ logger: false });
app.get('/api/v1/exceptions', async () => page);
const address = await app.listen({ host: '127.0.0.1', port: 0 });
console.log(`listening on ${address}`);
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
