/**
 * A circuit breaker for a stage: after `failures` failures in a row it opens and the
 * stage is not called; after `cooldownMs` one call is let through as a probe, which
 * closes the circuit if it succeeds and opens it again if it fails.
 */
export type BreakerState = "closed" | "open" | "half-open";

export class Breaker {
  private consecutive = 0;
  private openedAt = 0;
  private probing = false;
  state: BreakerState = "closed";

  constructor(
    private readonly options: { failures: number; cooldownMs: number },
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether the stage may be called now (claims the probe when half-open). */
  allow(): boolean {
    if (this.state === "closed") return true;
    if (this.state === "open" && this.now() - this.openedAt >= this.options.cooldownMs) this.state = "half-open";
    if (this.state === "half-open" && !this.probing) {
      this.probing = true;
      return true;
    }
    return false;
  }

  /** A claimed probe that was not used (the call was skipped for another reason). */
  release(): void {
    this.probing = false;
  }

  success(): void {
    this.consecutive = 0;
    this.probing = false;
    this.state = "closed";
  }

  failure(): void {
    this.consecutive++;
    this.probing = false;
    if (this.state === "half-open" || this.consecutive >= this.options.failures) {
      this.state = "open";
      this.openedAt = this.now();
    }
  }
}
