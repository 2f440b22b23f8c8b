/**
 * `--serve`: after its own run, local mode keeps the emulator stack working for other tools — the
 * smoke test above all — until Ctrl-C or SIGTERM: the KEDA loops scale the consumers and preprocess
 * jobs on the live queues again, the bucket notification's stand-in watches `input/`, for the
 * orchestrated variant a second stand-in (S3's EventBridge notification) watches its prefix and
 * the upload rule starts state machine executions (results table on dynalite, bus, topic), and
 * `--outputs-json FILE` holds the stack's outputs as `pulumi stack output --json` prints them.
 * No producer runs while serving (the tool that uses the stack sends its own events).
 *
 * SIGUSR2 pauses the consumer Deployment at zero replicas, and SIGUSR2 again resumes it — what
 * KEDA's `autoscaling.keda.sh/paused-replicas: "0"` annotation does to a ScaledObject — so a
 * failing consumer can be shown (and tested) without stopping the rest.
 */
import { writeFileSync } from "node:fs";
import { emulatorEnvironment } from "./emulator";
import { startInputWatch, startWorkflowWatch } from "./input-watch";
import { pause } from "./loop";
import type { LocalOptions } from "./options";
import type { RunIo } from "./run";
import { emptyDepths, startScalers, type ScaledWorkloads } from "./scaling-loops";
import { emulatorStackOutputs, stackOutputJson, workflowOutputs } from "./serve-outputs";
import { createPods, type RunEnvironment, type RunStack } from "./setup";
import type { LocalStack } from "./stack";
import type { WorkflowRun } from "./workflow/workflow";

/** How often the bucket notification's stand-in lists `input/`, ms. */
export const INPUT_WATCH_MS = 500;

/** The signal that pauses and resumes the consumer while serving. */
export const PAUSE_SIGNAL = "SIGUSR2";

/**
 * The scaled workloads with a pause on the consumer: while paused, every replica count the
 * scaler sets becomes 0 (KEDA's paused-replicas: "0").
 */
export function pausableConsumer(pods: ScaledWorkloads): ScaledWorkloads & {
  toggle(): boolean;
} {
  let paused = false;
  let wanted = 0;
  return {
    setConsumerReplicas(replicas) {
      wanted = replicas;
      pods.setConsumerReplicas(paused ? 0 : replicas);
    },
    createJobs: (count) => pods.createJobs(count),
    jobCounts: () => pods.jobCounts(),
    toggle() {
      paused = !paused;
      pods.setConsumerReplicas(paused ? 0 : wanted);
      return paused;
    },
  };
}

/**
 * What a client of the served stack needs in its environment: the emulator's endpoint, region and
 * credentials, and with the workflow DynamoDB's own endpoint (dynalite listens on another port),
 * in the service-specific variable the AWS SDKs read
 * (https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html). Pure.
 */
export function servedEnvironment(
  emulatorEndpoint: string,
  region: string,
  dynamoEndpoint: string | undefined,
): Record<string, string> {
  return {
    ...emulatorEnvironment(emulatorEndpoint, region),
    ...(dynamoEndpoint === undefined ? {} : { AWS_ENDPOINT_URL_DYNAMODB: dynamoEndpoint }),
  };
}

/** Serves the run's stack until `io.signal` aborts; then stops every pod it started. */
export async function serveAfterRun(
  env: RunEnvironment,
  run: RunStack,
  stack: LocalStack,
  workflow: WorkflowRun | undefined,
  options: Pick<LocalOptions, "timeScale" | "outputsJson">,
  io: RunIo,
): Promise<void> {
  const note = (text: string) => io.out.write(`serve: ${text}\n`);
  const { region } = stack.settings;
  const pods = createPods(env, run, options, {
    root: io.root,
    region,
    producerReports: [],
    note,
  });
  const workloads = pausableConsumer(pods);
  const scalers = startScalers(
    run.rules,
    run.resources,
    env.kedaSqs,
    workloads,
    note,
    emptyDepths(),
  );
  const watch = await startInputWatch(
    {
      ...env.clients,
      region,
      bucket: run.resources.rawBucket,
      queueUrl: run.resources.preprocessQueueUrl,
    },
    INPUT_WATCH_MS,
    note,
  );
  const workflowWatch =
    workflow &&
    (await startWorkflowWatch(
      {
        s3: env.clients.s3,
        bucket: run.resources.rawBucket,
        prefix: workflow.stack.settings.prefix,
      },
      (upload) => workflow.onUpload(upload),
      INPUT_WATCH_MS,
      note,
    ));
  const onPause = () => {
    const paused = workloads.toggle();
    note(
      paused
        ? `consumer paused at 0 replicas (${PAUSE_SIGNAL} again resumes it)`
        : "consumer resumed: the ScaledObject sets its replicas again",
    );
  };
  process.on(PAUSE_SIGNAL, onPause);
  try {
    if (options.outputsJson !== undefined) {
      writeFileSync(
        options.outputsJson,
        stackOutputJson({
          ...emulatorStackOutputs(stack, run.resources),
          ...(workflow && workflowOutputs(workflow.stack, workflow.topicArn)),
        }),
      );
    }
    const served = servedEnvironment(env.emulator.endpoint, region, workflow?.dynamoEndpoint);
    const vars = Object.entries(served)
      .map(([k, v]) => `${k}=${v}`)
      .join(" ");
    note(`serving stack ${stack.name} until Ctrl-C or SIGTERM; clients need: ${vars}`);
    if (options.outputsJson !== undefined) {
      note(
        `outputs in ${options.outputsJson}; check it with: ${vars} npm run smoke -- --outputs ` +
          `${options.outputsJson} --stack ${stack.name} --time-scale ${options.timeScale}`,
      );
    }
    note(`${PAUSE_SIGNAL} (kill -USR2 ${process.pid}) pauses and resumes the consumer`);
    while (!io.signal.aborted) await pause(60_000, io.signal);
  } finally {
    process.off(PAUSE_SIGNAL, onPause);
    await workflowWatch?.stop();
    await watch.stop();
    // Executions still running end with their jobs (Step Functions' StopExecution).
    await workflow?.stop();
    await scalers.stop();
    await pods.stopAll();
  }
}
