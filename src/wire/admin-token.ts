import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** Where a generated first admin token may go: a person's terminal, or else an owner-only file. */
export interface HandOverTo {
  /** Where the URL (and on a terminal a generated admin token, once) is printed. */
  print: (line: string) => void;
  /** `print` reaches a person: a generated admin token may be shown there; otherwise it goes to a file. */
  terminal?: boolean;
}

/**
 * A generated first admin token reaches its operator and nothing else: shown once on a terminal;
 * otherwise (a supervisor, a log collector reading stdout) written to a file only its owner reads.
 */
export function handOver(token: string, file: string, options: HandOverTo): void {
  if (options.terminal) return options.print(`admin token (shown once, store it now): ${token}`);
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  options.print(`admin token written to ${file} (readable by its owner only)`);
}
