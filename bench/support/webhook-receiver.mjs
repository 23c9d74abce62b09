// A webhook receiver in its own process, as a real one would be: counts what arrives, keeps each
// webhook-id, and answers 204. It sends its port to the parent, and its counts when asked.
import { createServer } from 'node:http';

const ids = new Set();
let received = 0;
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    received++;
    ids.add(req.headers['webhook-id']);
    res.writeHead(204).end();
  });
});
server.keepAliveTimeout = 30_000;
server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
process.on('message', (message) => {
  if (message === 'count') process.send({ received, unique: ids.size });
  if (message === 'stop') server.close(() => process.exit(0));
});
