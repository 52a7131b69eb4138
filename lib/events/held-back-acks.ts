// Acknowledgements held back behind transitions the control plane dropped (its write-behind queue
// is bounded, for a disk that stays full): an ack says "stored up to seq", so after a dropped seq
// it may only go up to the one before. The agent resends from there after its next reconnect, and
// once a resent seq at or before the first dropped one arrives, acks are whole again.

/** Per agent run ("hostId:boot"), the first seq dropped and not yet received again. */
export class HeldBackAcks {
  private firstDropped = new Map<string, number>();

  dropped(run: string, seq: number): void {
    const was = this.firstDropped.get(run);
    if (was === undefined || seq < was) this.firstDropped.set(run, seq);
  }

  received(run: string, seq: number): void {
    const first = this.firstDropped.get(run);
    if (first !== undefined && seq <= first) this.firstDropped.delete(run);
  }

  /** The highest seq an ack for `run` may say; 0: send none. */
  limit(run: string, seq: number): number {
    const first = this.firstDropped.get(run);
    return first === undefined ? seq : Math.min(seq, first - 1);
  }
}
