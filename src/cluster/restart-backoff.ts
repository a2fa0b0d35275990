/**
 * How long to wait before replacing a dead worker: at once after a worker that ran a while, but
 * doubling (up to 5 s) while workers keep dying within a second of starting, so a worker that
 * cannot start (a bad port, say) does not spin the machine.
 */
export class RestartBackoff {
  private quickDeaths = 0;

  /** The delay before the next restart, given how long the dead worker lived. */
  next(livedMs: number): number {
    if (livedMs >= 1000) {
      this.quickDeaths = 0;
      return 0;
    }
    this.quickDeaths++;
    return Math.min(5000, 100 * 2 ** (this.quickDeaths - 1));
  }
}
