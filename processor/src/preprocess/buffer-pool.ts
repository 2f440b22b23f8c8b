/**
 * Chunk-sized buffers used again instead of freed and made anew. Each fresh 1 MiB buffer is fresh
 * memory from the system (the image's malloc tunables map every block over 128 KiB on its own, see
 * runtime.ts), and the kernel faults its pages in one by one: on 1M rows, reading into fresh chunk
 * buffers and encoding into fresh output buffers took 40% of the run's 350,000 page faults
 * (`perf record -e page-faults`). A pool keeps the few buffers in flight (a bounded number) and
 * hands them out again, so the memory stays bounded and is faulted in once. With this and the
 * smaller strings of chunk-work.ts: 63,000 faults, and system CPU 1.1 s instead of 2.0 s.
 */
import { isArrayBuffer } from "node:util/types";
import { releaseBuffer } from "./release";

/**
 * Idle buffers a thread's pool keeps: two per chunk (its input, or its two outputs) for the chunks
 * in flight on that thread, with room to spare.
 */
export const IDLE_BUFFERS = 8;

/**
 * What a pool does with a buffer it does not keep. `detach` frees its memory at once
 * (release.ts), for a thread that moves buffers to or from workers: a thread that allocates little
 * JavaScript collects rarely, and its transfers detach buffers anyway. `collect` leaves it to the
 * garbage collector, for a thread that runs the chunks itself: the first buffer detached in a
 * thread invalidates V8's ArrayBufferDetaching protector (`JSArrayBuffer::Detach` in
 * src/objects/js-array-buffer.cc; `node --trace-protector-invalidation` shows it), which throws
 * away every optimized function that reads a typed array (the tokenizer's callers, the
 * fingerprints, Node's timers), to be compiled again with detach checks. A 50k-row file, which runs
 * inline, took 0.39 instead of 0.44 s and 0.46 instead of 0.53 CPU-s without any detach (median of
 * 40 alternating runs).
 */
export type SurplusRelease = "detach" | "collect";

export class BufferPool {
  private readonly free: ArrayBuffer[] = [];

  /**
   * `bytes`: the size of every pooled buffer; `keep`: at most this many idle buffers are kept;
   * `surplus`: how the others are freed (see {@link SurplusRelease}).
   */
  constructor(
    readonly bytes: number,
    private readonly keep: number,
    readonly surplus: SurplusRelease = "collect",
  ) {
    if (!Number.isInteger(bytes) || bytes < 1) {
      throw new RangeError(`bytes must be a positive whole number, got ${bytes}`);
    }
  }

  /** Idle buffers held now. */
  get idle(): number {
    return this.free.length;
  }

  /**
   * A buffer of `length` bytes: a view of a pooled buffer when `length` fits one (its bytes are not
   * cleared: the caller writes before it reads), else, or for a pool that keeps nothing, a buffer
   * of its own.
   */
  take(length: number = this.bytes): Uint8Array {
    if (length > this.bytes || this.keep === 0) return new Uint8Array(length);
    const buffer = this.free.pop() ?? new ArrayBuffer(this.bytes);
    return new Uint8Array(buffer, 0, length);
  }

  /** True when `bytes` views a whole buffer this pool could keep: a live one of the pool's size. */
  fits(bytes: Uint8Array): boolean {
    const buffer = bytes.buffer;
    // Realm-proof (see release.ts): a buffer sent back by a worker is made by Node.
    return (
      isArrayBuffer(buffer) &&
      !buffer.detached &&
      !buffer.resizable &&
      buffer.byteLength === this.bytes
    );
  }

  /**
   * Takes back a buffer the caller owns whole (every view of it is done with): pooled when it has
   * the pool's size and there is room, else freed as {@link surplus} says.
   */
  give(bytes: Uint8Array): void {
    if (this.fits(bytes) && this.free.length < this.keep) {
      this.free.push(bytes.buffer as ArrayBuffer);
    } else {
      this.release(bytes);
    }
  }

  /**
   * Frees a buffer the caller owns whole and will not give back (it need not be the pool's size):
   * detached at once when {@link surplus} is `detach`, else left to the collector.
   */
  release(bytes: ArrayBufferView): void {
    if (this.surplus === "detach") releaseBuffer(bytes);
  }
}
