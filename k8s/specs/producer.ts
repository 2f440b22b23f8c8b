/**
 * The producer: a Deployment that sends store events to the events queue at the configured rate
 * (`workloads.producerReplicas` replicas; 0 keeps the Deployment with no pods).
 */
import type { IDeployment } from "kubernetes-models/apps/v1/Deployment";
import { HEALTH_PATHS, METRICS_PORT } from "@pipeline/processor/contract";
import { SERVICE_ACCOUNTS } from "../../config";
import type { Settings } from "../../config";
import {
  METRICS_PORT_NAME,
  podSecurityContext,
  processorContainer,
  podTemplateMetadata,
  schedulingFields,
  selectorLabels,
  tmpVolume,
  workloadMeta,
  type Manifest,
  type WorkloadInputs,
} from "./common";
import { GRACE_MARGIN_SECONDS, httpProbe, spreadConstraints } from "./consumer";
import { producerEnv } from "./env";

/** Name of the producer Deployment. */
export const PRODUCER_NAME = "producer";

/** The producer Deployment. */
export function producerDeploymentSpec(
  settings: Settings,
  inputs: WorkloadInputs,
): Manifest<IDeployment> {
  const selector = selectorLabels("producer");
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: workloadMeta(PRODUCER_NAME, settings.workloads.namespace, "producer"),
    spec: {
      replicas: settings.workloads.producerReplicas,
      selector: { matchLabels: selector },
      revisionHistoryLimit: 5,
      template: {
        metadata: podTemplateMetadata(inputs, "producer"),
        spec: {
          serviceAccountName: SERVICE_ACCOUNTS.producer,
          automountServiceAccountToken: false,
          securityContext: podSecurityContext(),
          // A send in flight finishes within the SDK's request timeout; nothing else to drain.
          terminationGracePeriodSeconds: 2 * GRACE_MARGIN_SECONDS,
          topologySpreadConstraints: spreadConstraints(selector),
          ...schedulingFields(inputs, "producer"),
          containers: [
            processorContainer("producer", "produce", inputs, producerEnv(settings, inputs), {
              ports: [{ name: METRICS_PORT_NAME, containerPort: METRICS_PORT, protocol: "TCP" }],
              livenessProbe: httpProbe(HEALTH_PATHS.live, 3),
              readinessProbe: httpProbe(HEALTH_PATHS.ready, 2),
            }),
          ],
          volumes: [tmpVolume("producer")],
        },
      },
    },
  };
}
