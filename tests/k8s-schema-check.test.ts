/**
 * The schema check itself: the model validators accept unknown fields, our walk does not. Each rule
 * is proven on a real manifest with one deliberate typo, so the check cannot pass vacuously.
 */
import { workloadManifests } from "../k8s/specs";
import {
  expectSchemaValid,
  modelLocation,
  modelProblems,
  unknownFieldProblems,
  type KubernetesObject,
} from "./support/schema-check";
import { inputsFor, settingsWith } from "./support/k8s-fixtures";

const manifests = workloadManifests(settingsWith(), inputsFor());

/* eslint-disable @typescript-eslint/no-explicit-any -- typos are planted in untyped copies. */
/** A deep copy of `obj` with `mutate` applied. */
function withTypo<T>(obj: T, mutate: (copy: Record<string, any>) => void): KubernetesObject {
  const copy = structuredClone(obj) as Record<string, any>;
  mutate(copy);
  return copy as KubernetesObject;
}

describe("schema check", () => {
  it("accepts the real consumer Deployment and ScaledJob", async () => {
    await expectSchemaValid(manifests.consumer);
    await expectSchemaValid(manifests.preprocessScaledJob);
  });

  it("the generated validators alone let a misspelled field through (why our walk exists)", async () => {
    const typo = withTypo(manifests.consumer, (d) => {
      d.spec.template.spec.containerz = d.spec.template.spec.containers;
    });
    expect(await modelProblems(typo)).toEqual([]);
  });

  it("rejects spec.template.spec.containerz in a Deployment", async () => {
    const typo = withTypo(manifests.consumer, (d) => {
      d.spec.template.spec.containerz = [];
    });
    expect(unknownFieldProblems(typo)).toEqual([
      { path: "spec.template.spec.containerz", message: 'unknown field "containerz"' },
    ]);
    await expect(expectSchemaValid(typo)).rejects.toThrow(/containerz/);
  });

  it("rejects triggers[0].metdata in a ScaledObject", () => {
    const typo = withTypo(manifests.consumerScaledObject, (so) => {
      so.spec.triggers[0].metdata = so.spec.triggers[0].metadata;
    });
    expect(unknownFieldProblems(typo).map((p) => p.path)).toEqual(["spec.triggers[0].metdata"]);
  });

  it("rejects a misspelled field deep inside the ScaledJob's job template", () => {
    const typo = withTypo(manifests.preprocessScaledJob, (sj) => {
      sj.spec.jobTargetRef.template.spec.containers[0].securityContext.readOnlyRootFileSystem = true;
    });
    expect(unknownFieldProblems(typo).map((p) => p.path)).toEqual([
      "spec.jobTargetRef.template.spec.containers[0].securityContext.readOnlyRootFileSystem",
    ]);
  });

  it("rejects podIdentity fields KEDA does not have in a TriggerAuthentication", () => {
    const typo = withTypo(manifests.triggerAuthentication, (ta) => {
      ta.spec.podIdentity.identityOwnr = "keda";
    });
    expect(unknownFieldProblems(typo).map((p) => p.path)).toEqual([
      "spec.podIdentity.identityOwnr",
    ]);
  });

  it("accepts any key in maps (labels, annotations, trigger metadata, resource lists)", () => {
    const extra = withTypo(manifests.consumer, (d) => {
      d.metadata.annotations = { "example.com/anything": "x" };
      d.spec.template.spec.containers[0].resources.limits["ephemeral-storage"] = "1Gi";
    });
    expect(unknownFieldProblems(extra)).toEqual([]);
  });

  it("the model validators reject wrong types and missing required fields", async () => {
    const wrongType = withTypo(manifests.consumer, (d) => {
      d.spec.template.spec.terminationGracePeriodSeconds = "long";
    });
    expect((await modelProblems(wrongType))[0]?.message).toMatch(/terminationGracePeriodSeconds/);
    const missing = withTypo(manifests.consumerScaledObject, (so) => {
      delete so.spec.scaleTargetRef;
    });
    expect((await modelProblems(missing))[0]?.message).toMatch(/scaleTargetRef/);
  });

  it("maps apiVersion/kind to the model package", () => {
    expect(modelLocation("v1", "Namespace").module).toBe("kubernetes-models/v1/Namespace");
    expect(modelLocation("keda.sh/v1alpha1", "ScaledJob").module).toBe(
      "@kubernetes-models/keda/keda.sh/v1alpha1/ScaledJob",
    );
    expect(modelLocation("karpenter.sh/v1", "NodePool").module).toBe(
      "@kubernetes-models/karpenter/karpenter.sh/v1/NodePool",
    );
    expect(() => modelLocation("not a version", "X")).toThrow(/apiVersion/);
  });
});
