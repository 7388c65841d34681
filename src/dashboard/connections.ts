import type { Socket } from 'node:net';

/**
 * Keeps the server at `max` open connections, so no number of clients can use up the file
 * handles the training in the same process needs. Past the limit the oldest connection that
 * is not being answered goes (a half-open one still sending headers, or an idle keep-alive),
 * not the newcomer: a flood of slow connections pushes itself out and a real request gets in.
 * A newcomer is refused only when every other connection is in the middle of a response.
 */
export class ConnectionLimiter {
  /** Connections with no response in progress, oldest first (a Set keeps insertion order). */
  private readonly idle = new Set<Socket>();
  /** Connections answering a request, with how many (pipelined requests overlap). */
  private readonly busy = new Map<Socket, number>();
  private evictedCount = 0;

  constructor(private readonly max: number) {
    if (!(max >= 1)) throw new Error(`ConnectionLimiter: max must be at least 1, got ${max}`);
  }

  get open(): number { return this.idle.size + this.busy.size; }
  /** Connections closed to make room, since the start. */
  get evicted(): number { return this.evictedCount; }

  admit(socket: Socket): void {
    this.idle.add(socket);
    socket.once('close', () => {
      this.idle.delete(socket);
      this.busy.delete(socket);
    });
    if (this.open <= this.max) return;
    const oldest = this.idle.values().next().value as Socket; // the newcomer itself when all others are busy
    this.idle.delete(oldest);
    this.evictedCount++;
    oldest.destroy();
  }

  requestStarted(socket: Socket): void {
    if (this.idle.delete(socket)) this.busy.set(socket, 1);
    else if (this.busy.has(socket)) this.busy.set(socket, this.busy.get(socket)! + 1);
  }

  requestFinished(socket: Socket): void {
    const active = this.busy.get(socket);
    if (active === undefined) return;
    if (active > 1) {
      this.busy.set(socket, active - 1);
      return;
    }
    this.busy.delete(socket);
    if (!socket.destroyed) this.idle.add(socket); // now the newest idle one
  }
}
