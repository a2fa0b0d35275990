/**
 * Bytes received and not consumed yet, kept as the chunks they arrived in: joined only when a
 * reader takes a whole frame, so a large frame arriving in many chunks is copied once.
 */
export class ByteQueue {
  private chunks: Buffer[] = [];
  private size = 0;

  /** How many bytes are queued. */
  get length(): number {
    return this.size;
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.size += chunk.length;
  }

  /** The first `count` bytes without consuming them, or null when fewer are queued. */
  peek(count: number): Buffer | null {
    if (count > this.size) return null;
    const first = this.chunks[0];
    if (first !== undefined && first.length >= count) return first.subarray(0, count);
    return Buffer.concat(this.chunks, this.size).subarray(0, count);
  }

  /** Removes and returns the first `count` bytes (which must be queued). */
  take(count: number): Buffer {
    if (count > this.size) throw new RangeError(`only ${this.size} bytes queued, not ${count}`);
    const joined =
      this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks, this.size);
    const taken = joined.subarray(0, count);
    const rest = joined.subarray(count);
    this.chunks = rest.length > 0 ? [rest] : [];
    this.size = rest.length;
    return taken;
  }
}
