import type { Notification, Notifier } from '../service/ports.js';

/** Until a channel is configured, notifications go to the log (stderr), one line each. */
export class LogNotifier implements Notifier {
  constructor(private readonly write: (line: string) => void) {}

  notify(n: Notification): Promise<void> {
    this.write(`${n.kind}: ${n.text} [to: ${n.recipients.join(', ')}]`);
    return Promise.resolve();
  }
}
