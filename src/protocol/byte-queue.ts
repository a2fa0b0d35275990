/**
 * Bytes received and not consumed yet, kept as the chunks they arrived in (no copy on arrival).
 * A read that lies within one chunk is a view of it; only a read across chunks copies. The
 * queue owns the chunks it is given: a reader may modify what it takes (unmask in place).
 */
export class ByteQueue {
  private readonly chunks: Buffer[] = [];
  /** Where the unread part of the first chunk starts. */
  private offset = 0;
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

  /** Drops everything queued. */
  clear(): void {
    this.chunks.length = 0;
    this.offset = 0;
    this.size = 0;
  }

  /** Moves the next `count` bytes (which must be queued) into `target`, byte by byte: for headers. */
  copyTo(target: Buffer, count: number): void {
    for (let i = 0; i < count; i++) {
      const chunk = this.chunks[0];
      target[i] = chunk[this.offset++];
      if (this.offset === chunk.length) this.dropFirstChunk();
    }
    this.size -= count;
  }

  /** Removes and returns the next `count` bytes (which must be queued): a view when it can be. */
  take(count: number): Buffer {
    if (count === 0) return EMPTY;
    this.size -= count;
    const first = this.chunks[0];
    if (first.length - this.offset >= count) {
      const view = first.subarray(this.offset, this.offset + count);
      this.offset += count;
      if (this.offset === first.length) this.dropFirstChunk();
      return view;
    }
    const out = Buffer.allocUnsafe(count);
    let filled = 0;
    while (filled < count) {
      const chunk = this.chunks[0];
      const n = Math.min(chunk.length - this.offset, count - filled);
      chunk.copy(out, filled, this.offset, this.offset + n);
      filled += n;
      this.offset += n;
      if (this.offset === chunk.length) this.dropFirstChunk();
    }
    return out;
  }

  /** The next `count` bytes without consuming them, or null when fewer are queued. */
  peek(count: number): Buffer | null {
    if (count > this.size) return null;
    const first = this.chunks[0];
    if (count === 0) return EMPTY;
    if (first.length - this.offset >= count)
      return first.subarray(this.offset, this.offset + count);
    const joined = Buffer.concat(this.chunks, this.offset + this.size).subarray(this.offset);
    this.chunks.length = 0;
    this.chunks.push(joined);
    this.offset = 0;
    return joined.subarray(0, count);
  }

  private dropFirstChunk(): void {
    this.chunks.shift();
    this.offset = 0;
  }
}

const EMPTY = Buffer.alloc(0);
