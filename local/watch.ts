/**
 * The run's live view loop: every tick it reads the DLQ depths and the progress in the result
 * buckets, then draws a {@link Snapshot} of the queues, pods, files and events.
 */
import type { S3Client } from "@aws-sdk/client-s3";
import type { SQSClient } from "@aws-sdk/client-sqs";
import type { Producers, Uploads } from "./drivers";
import { producedTotals } from "./drivers";
import { queueDepth, type LocalResources } from "./emulator";
import { every, loopError } from "./loop";
import { ProgressReader } from "./progress";
import type { QueueDepths } from "./scaling-loops";
import type { ScalingRules } from "./specs";
import type { LiveView, Snapshot } from "./view";
import type { PodSupervisor } from "./pod-supervisor";

/** What the view shows, read live at every tick. */
export interface Watched {
  readonly elapsed: () => number;
  /** What the run is doing (changed by the ending). */
  readonly phase: () => string;
  readonly depth: QueueDepths;
  readonly pods: PodSupervisor;
  readonly rules: ScalingRules;
  readonly uploads: Uploads;
  readonly filesTotal: number;
  readonly producers: Producers;
  readonly eventsTarget: number;
  /** The orchestrated variant's live line, when the stack has it. */
  readonly workflowLine?: () => string;
}

/** One picture of the run from what is being watched. */
export function snapshotOf(w: Watched, progress: ProgressReader): Snapshot {
  const jobs = w.pods.jobStatistics();
  const consumers = w.pods.consumerStatistics();
  const p = progress.current;
  return {
    elapsedMs: w.elapsed(),
    phase: w.phase(),
    preprocessQueue: w.depth.preprocess,
    preprocessDlq: w.depth.preprocessDlq,
    eventsQueue: w.depth.events,
    eventsDlq: w.depth.eventsDlq,
    jobs: {
      running: jobs.running,
      max: w.rules.preprocess.maxReplicaCount,
      succeeded: jobs.succeeded,
      failed: jobs.failed,
      strategy: w.rules.preprocess.scalingStrategy,
    },
    consumers: {
      replicas: consumers.replicas,
      max: w.rules.consumer.maxReplicas,
      terminating: consumers.terminating,
    },
    files: {
      uploaded: w.uploads.uploaded.length,
      total: w.filesTotal,
      outputs: p.outputs,
      errors: p.errors,
    },
    events: {
      target: w.eventsTarget,
      produced: w.producers.finished ? producedTotals(w.producers.reports).sent : undefined,
      stored: p.stored,
      quarantined: p.quarantined,
    },
    workflow: w.workflowLine?.(),
  };
}

/**
 * Redraws `view` every 250 ms on a terminal (500 ms otherwise) until `stop()`, passing each tick's
 * snapshot to `sample` too (the report's series).
 */
export function startWatch(
  view: LiveView,
  tty: boolean,
  clients: { readonly s3: S3Client; readonly sqs: SQSClient },
  resources: LocalResources,
  watched: Watched,
  note: (text: string) => void,
  sample: (s: Snapshot) => void,
): { stop(): Promise<void> } {
  const { sqs } = clients;
  const { depth } = watched;
  const progress = new ProgressReader(
    clients.s3,
    resources.processedBucket,
    resources.eventsBucket,
    () => watched.uploads.uploaded,
  );
  return every(
    tty ? 250 : 500,
    async () => {
      try {
        const [pd, ed] = await Promise.all([
          queueDepth(sqs, resources.preprocessDlqUrl),
          queueDepth(sqs, resources.eventsDlqUrl),
        ]);
        depth.preprocessDlq = pd.visible + pd.inFlight;
        depth.eventsDlq = ed.visible + ed.inFlight;
        await progress.read();
      } catch {
        // The emulator is going away at shutdown; the next tick or the accounting reports.
      }
      const snapshot = snapshotOf(watched, progress);
      sample(snapshot);
      view.update(snapshot);
    },
    loopError(note, "live view"),
  );
}
