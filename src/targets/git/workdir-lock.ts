import { open, readFile, rm } from 'node:fs/promises';
import type { Scheduler } from '../../service/ports/runtime.js';
import { pause } from '../../service/scheduled-loop.js';

/** How long a process waits for another one's operation on the same clone before it gives up. */
const WAIT_MS = 60_000;
const POLL_MS = 25;

/**
 * Holds `<workdir>.lock` while `work` runs: two processes with the same clone (a server's loop and a
 * command in the same folder) take turns instead of colliding on git's index lock. A lock whose process
 * is gone (a crash) is taken over. It looks again every POLL_MS on the scheduler, and gives up after
 * WAIT_MS of looking.
 */
export async function withWorkdirLock<T>(
  workdir: string,
  work: () => Promise<T>,
  scheduler: Scheduler,
): Promise<T> {
  const path = `${workdir}.lock`;
  for (let waited = 0; ; waited += POLL_MS) {
    try {
      const handle = await open(path, 'wx', 0o600);
      await handle.writeFile(String(process.pid));
      await handle.close();
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      if (await heldByTheDead(path)) await rm(path, { force: true });
      else if (waited > WAIT_MS)
        throw new Error(
          `${path} is held by another process (pid ${await holder(path)}) for over ${WAIT_MS / 1000} s`,
        );
      else await pause(scheduler, POLL_MS);
    }
  }
  try {
    return await work();
  } finally {
    await rm(path, { force: true });
  }
}

const holder = async (path: string): Promise<number> =>
  Number((await readFile(path, 'utf8').catch(() => '')).trim());

/** The lock names a process that no longer runs (one being written names none yet: it is alive). */
async function heldByTheDead(path: string): Promise<boolean> {
  const pid = await holder(path);
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
