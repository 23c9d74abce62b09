import { readSync } from 'node:fs';

const CHUNK = 64 * 1024;

/**
 * All of standard input, synchronously. A pipe another process has made non-blocking (`waiver render … |
 * waiver lint -`) answers EAGAIN while the writer has not written yet: wait a little and read again, where
 * readFileSync(0) would fail.
 */
export function readStdinSync(): string {
  const chunks: Buffer[] = [];
  const buffer = Buffer.alloc(CHUNK);
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (;;) {
    let read: number;
    try {
      read = readSync(0, buffer, 0, CHUNK, null);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') {
        Atomics.wait(pause, 0, 0, 5);
        continue;
      }
      if (code === 'EOF') break;
      throw e;
    }
    if (read === 0) break;
    chunks.push(Buffer.from(buffer.subarray(0, read)));
  }
  return Buffer.concat(chunks).toString('utf8');
}
