/**
 * Reconnection delays: exponential from `initialMs` to `maxMs`, each drawn uniformly from its
 * upper half ("equal jitter"), so nodes that lost the same service do not come back in step.
 */
export class Backoff {
  private attempt = 0;

  constructor(private readonly initialMs = 250, private readonly maxMs = 10_000, private readonly random: () => number = Math.random) {}

  /** The delay before the next attempt. */
  next(): number {
    const ceiling = Math.min(this.maxMs, this.initialMs * 2 ** this.attempt);
    this.attempt++;
    return ceiling / 2 + this.random() * (ceiling / 2);
  }

  /** A session was established: the next loss starts from the initial delay again. */
  reset(): void {
    this.attempt = 0;
  }
}
