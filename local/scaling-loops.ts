/**
 * The local KEDA operator: its two loops, each polling its queue every pollingInterval and applying
 * the decision of the rules in `k8s/scaling` — the consumer ScaledObject sets the Deployment's
 * replicas, the preprocess ScaledJob creates Jobs. The depths they read are shared with the view.
 */
import type { SQSClient } from "@aws-sdk/client-sqs";
import { queueDepth, type LocalResources } from "./emulator";
import { every, loopError } from "./loop";
import {
  decideScaledJob,
  initialScaledObjectState,
  scaledObjectMetrics,
  sqsMetric,
  stepScaledObject,
  type QueueDepth,
} from "../k8s/scaling";
import type { ScalingRules } from "./specs";
import type { PodSupervisor } from "./pod-supervisor";

/** The last depths read of the main queues (by the scaler) and DLQs (by the view). */
export interface QueueDepths {
  preprocess: QueueDepth;
  events: QueueDepth;
  preprocessDlq: number;
  eventsDlq: number;
}

const EMPTY: QueueDepth = { visible: 0, inFlight: 0 };

/** Depths before the first reading: every queue empty. */
export function emptyDepths(): QueueDepths {
  return { preprocess: EMPTY, events: EMPTY, preprocessDlq: 0, eventsDlq: 0 };
}

/** What the loops drive: the consumer Deployment's replicas and the ScaledJob's Jobs. */
export type ScaledWorkloads = Pick<
  PodSupervisor,
  "setConsumerReplicas" | "createJobs" | "jobCounts"
>;

/** Starts the two KEDA loops; `depth` receives every reading of the main queues. */
export function startScalers(
  rules: ScalingRules,
  resources: LocalResources,
  sqs: SQSClient,
  pods: ScaledWorkloads,
  note: (text: string) => void,
  depth: QueueDepths,
): { stop(): Promise<void> } {
  let consumerState = initialScaledObjectState(rules.consumer);
  pods.setConsumerReplicas(consumerState.replicas);
  const consumerLoop = every(
    rules.consumer.pollingInterval * 1000,
    async () => {
      try {
        depth.events = await queueDepth(sqs, resources.eventsQueueUrl);
      } catch {
        return;
      }
      const metrics = scaledObjectMetrics(rules.consumer, depth.events);
      const before = consumerState.replicas;
      const decision = stepScaledObject(rules.consumer, consumerState, metrics, Date.now());
      consumerState = decision.state;
      if (consumerState.replicas !== before) {
        note(
          `consumer ScaledObject: ${before} -> ${consumerState.replicas} replicas ` +
            `(${decision.reason}; metrics ${metrics.join(", ")} of visible ${depth.events.visible}, ` +
            `in flight ${depth.events.inFlight}; targets ` +
            `${[rules.consumer, ...rules.consumer.moreTriggers].map((t) => t.queueLength).join(", ")}/replica)`,
        );
      }
      pods.setConsumerReplicas(consumerState.replicas);
    },
    loopError(note, "consumer ScaledObject"),
  );
  const jobLoop = every(
    rules.preprocess.pollingInterval * 1000,
    async () => {
      try {
        depth.preprocess = await queueDepth(sqs, resources.preprocessQueueUrl);
      } catch {
        return;
      }
      const metric = sqsMetric(depth.preprocess, rules.preprocess.scaleOnInFlight);
      const jobs = pods.jobCounts();
      const decision = decideScaledJob(rules.preprocess, metric, jobs);
      if (decision.create > 0) {
        note(
          `preprocess ScaledJob: +${decision.create} job(s) (${rules.preprocess.scalingStrategy}; ` +
            `${metric} visible, ${jobs.running} running, max ${rules.preprocess.maxReplicaCount})`,
        );
        pods.createJobs(decision.create);
      }
    },
    loopError(note, "preprocess ScaledJob"),
  );
  return {
    async stop() {
      await Promise.all([consumerLoop.stop(), jobLoop.stop()]);
    },
  };
}
