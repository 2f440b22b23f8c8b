/**
 * The definition's engine input from the engine's resolved names: for `eks`, the Job manifest the
 * state machine passes to `eks:runJob.sync`. Pure (no Pulumi), so local mode builds the same
 * definition the component deploys.
 */
import type { Settings } from "../../config";
import { buildJobManifest, workloadScheduling } from "../../k8s/specs";
import type { DefinitionInput, EmrEngineInput } from "./definition";

/** File name of the EMR engine's Spark entry point (in `spark/`, uploaded to the lake). */
export const SPARK_ENTRY_POINT = "preprocess_object.py";

/** The engine's resolved names (plain strings, so Outputs of it stay shallow). */
export type EngineValues =
  | {
      readonly kind: "eks";
      readonly clusterName: string;
      readonly endpoint: string;
      readonly certificateAuthority: string;
      readonly namespace: string;
      readonly image: string;
      readonly processedBucket: string;
    }
  | EmrEngineInput;

/** The definition's engine input from resolved names (the Job manifest is built here). Pure. */
export function engineInput(
  e: EngineValues,
  o: Settings["orchestration"],
  region: string,
  nodeAutoscaling: Settings["nodeAutoscaling"] = "none",
  maxInputMiB?: number,
): DefinitionInput["engine"] {
  if (e.kind === "emr") return e;
  return {
    kind: "eks",
    clusterName: e.clusterName,
    endpoint: e.endpoint,
    certificateAuthority: e.certificateAuthority,
    namespace: e.namespace,
    job: buildJobManifest({
      image: e.image,
      namespace: e.namespace,
      prefix: o.prefix,
      outputBucket: e.processedBucket,
      region,
      activeDeadlineSeconds: o.jobTimeoutSeconds,
      // Where the KEDA preprocess jobs run: Karpenter's job pool, or anywhere without Karpenter.
      scheduling: workloadScheduling(nodeAutoscaling, "preprocess"),
      ...(maxInputMiB !== undefined ? { maxInputMiB } : {}),
    }),
  };
}
