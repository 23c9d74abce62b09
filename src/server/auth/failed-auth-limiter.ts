import type { Clock } from '../../service/ports/runtime.js';

/**
 * Counts failed authentications per client address over a sliding minute; past the limit the address's
 * refused credentials answer 429 until its oldest failure leaves the window. The server records only
 * credentials presented and refused, and lets a valid one through whatever the count (src/server/app.ts).
 */
export class FailedAuthLimiter {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly perMinute: number,
    private readonly clock: Clock,
  ) {}

  /** Milliseconds until the address may try again; 0 when it may now. */
  retryAfterMs(address: string): number {
    const recent = this.recent(address);
    if (recent.length < this.perMinute) return 0;
    return Math.max(1, (recent[0] ?? 0) + 60_000 - this.clock.now());
  }

  recordFailure(address: string): void {
    const recent = this.recent(address);
    recent.push(this.clock.now());
    this.failures.set(address, recent);
    if (this.failures.size > 10_000) this.forgetIdle();
  }

  private recent(address: string): number[] {
    const since = this.clock.now() - 60_000;
    return (this.failures.get(address) ?? []).filter((t) => t > since);
  }

  /** Bounded memory under a spray of addresses: addresses with no failure in the window are dropped. */
  private forgetIdle(): void {
    for (const address of [...this.failures.keys()])
      if (this.recent(address).length === 0) this.failures.delete(address);
  }
}
