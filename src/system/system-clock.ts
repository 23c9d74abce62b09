import type { Clock } from '../service/ports/runtime.js';

/** The real clock; only the composition root and the CLI's context use it. */
export const systemClock: Clock = { now: () => Date.now() };
