/**
 * A stall watchdog for the job's transfers. The SDK's own timeouts (../aws.ts) end a request whose
 * answer does not come, but not a download whose body stops halfway while its socket stays open
 * (a dropped return path, as the VPC CNI network-policy agent causes on EKS,
 * aws/aws-network-policy-agent#345): the heartbeat would keep the message hidden until the Job's
 * deadline. The watchdog fails the attempt when no bytes move for a while, with a log line that
 * names the transfer, so the retry (../retry.ts) starts over on a fresh connection.
 */
import { Transform, type TransformCallback } from "node:stream";

/** Which way the stalled bytes were going. */
export type TransferDirection = "download" | "upload";

/**
 * No bytes moved for `stallSeconds`. Its `code` is Node's ETIMEDOUT, which the SDK's retry
 * classification (and so ../retry.ts's `isTransientError`) counts as transient.
 */
export class TransferStalledError extends Error {
  override readonly name = "TransferStalledError";
  readonly code = "ETIMEDOUT";
  constructor(
    readonly direction: TransferDirection,
    readonly target: string,
    readonly stallSeconds: number,
    readonly bytes: number,
  ) {
    super(`${direction} of ${target} stalled: no bytes moved for ${stallSeconds} s`);
  }
}

/** A timer that calls `onStall` once `stallMs` pass without a `touch()`. */
export interface Watchdog {
  touch(): void;
  stop(): void;
}

/** Starts a {@link Watchdog}; `touch()` costs a clock read, so it may run on every chunk. */
export function startWatchdog(stallMs: number, onStall: () => void): Watchdog {
  let last = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const check = () => {
    const idle = performance.now() - last;
    if (idle >= stallMs) {
      timer = undefined;
      onStall();
    } else {
      timer = setTimeout(check, stallMs - idle);
    }
  };
  timer = setTimeout(check, stallMs);
  return {
    touch: () => {
      last = performance.now();
    },
    stop: () => {
      if (timer) clearTimeout(timer);
      timer = undefined;
    },
  };
}

/** Options of {@link watchedStream}. */
export interface WatchedStreamOptions {
  readonly direction: TransferDirection;
  /** What is transferred, for the error and the log (`s3://bucket/key`). */
  readonly target: string;
  readonly stallSeconds: number;
  /** Fails the stream with this error once more bytes than `maxBytes` passed (default: none). */
  readonly maxBytes?: number;
  readonly tooLarge?: () => Error;
  /**
   * Called on a stall instead of failing the stream, and the watch goes on past the stream's end
   * until `stop()`: an upload's bytes are all read before its last request is answered.
   */
  readonly onStall?: (err: TransferStalledError) => void;
}

/** A watched pass-through stream. */
export interface WatchedStream {
  readonly stream: Transform;
  /** Counts movement seen elsewhere (an upload's stored parts). */
  touch(): void;
  stop(): void;
}

/**
 * A pass-through stream that counts the bytes flowing through it and, when none flow for
 * `stallSeconds`, fails with a {@link TransferStalledError} (or calls `onStall`); with `maxBytes`,
 * it fails with `tooLarge()` past that many.
 */
export function watchedStream(options: WatchedStreamOptions): WatchedStream {
  let bytes = 0;
  const stream = new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback) {
      watchdog.touch();
      bytes += chunk.length;
      if (options.maxBytes !== undefined && bytes > options.maxBytes && options.tooLarge) {
        done(options.tooLarge());
        return;
      }
      done(null, chunk);
    },
    flush(done: TransformCallback) {
      if (!options.onStall) watchdog.stop();
      done();
    },
  });
  const watchdog = startWatchdog(options.stallSeconds * 1000, () => {
    const err = new TransferStalledError(
      options.direction,
      options.target,
      options.stallSeconds,
      bytes,
    );
    if (options.onStall) options.onStall(err);
    else stream.destroy(err);
  });
  if (!options.onStall) stream.once("close", () => watchdog.stop());
  return { stream, touch: () => watchdog.touch(), stop: () => watchdog.stop() };
}
