/** How a long-running process logs and ends: JSON lines, masked lines, and the one wait for a signal. */
import type { ControllerLog } from '../controller/controller.js';
import type { Redact } from '../domain/redact.js';

/** A log that writes each line as one JSON object: level, time, message and the fields given. */
export function jsonLog(out: (line: string) => void): ControllerLog {
  const json = (level: string) => (obj: object, msg: string) =>
    out(`${JSON.stringify({ level, time: new Date().toISOString(), msg, ...obj })}\n`);
  return { info: json('info'), error: json('error') };
}

/**
 * A controller's log with what clusters said (a lease's or a watch's failure) masked: the error texts its
 * lines carry come from outside, like a target's.
 */
export function maskedLog(log: ControllerLog, redact: Redact): ControllerLog {
  const clean = (obj: object): object => JSON.parse(redact(JSON.stringify(obj))) as object;
  return {
    info: (obj, msg) => log.info(clean(obj), redact(msg)),
    error: (obj, msg) => log.error(clean(obj), redact(msg)),
  };
}

/** Resolves on the first SIGTERM or SIGINT: a long-running command's shutdown starts here. */
export function untilSignal(): Promise<NodeJS.Signals> {
  const signals: NodeJS.Signals[] = ['SIGTERM', 'SIGINT'];
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals): void => {
      for (const s of signals) process.off(s, stop);
      resolve(signal);
    };
    for (const s of signals) process.on(s, stop);
  });
}
