/**
 * Schema checks for Kubernetes objects, in two layers:
 *
 * 1. The model's own validator: `new Deployment(obj).validate()` from kubernetes-models (core) or
 *    `@kubernetes-models/keda` / `@kubernetes-models/karpenter` (CRDs). These are compiled JSON-schema
 *    validators: they check types, enums, formats and required fields, but allow unknown fields
 *    (`additionalProperties` is not false), so `containerz:` or `metdata:` passes them.
 * 2. An unknown-field walk of our own. The models' type declarations are generated from the same
 *    OpenAPI/CRD schemas as the validators, one property per schema property, maps (labels,
 *    annotations, resources, trigger metadata) as index signatures. The walk asks the TypeScript
 *    checker for the declared type at each position of the object and rejects a key the type does not
 *    declare, recursing through nested objects and arrays; maps accept any key.
 *
 * Kinds no maintained package models (EKS Auto Mode's NodeClass) are checked against JSON schemas
 * written from their documentation instead (`json-schema-check.ts`), both layers at once.
 *
 * Jest loads the ESM-only model packages through tests/support/esm-resolver.js.
 */
import { join } from "node:path";
import ts from "typescript";
import { jsonSchemaProblems, jsonSchemaValidator } from "./json-schema-check";

/** One problem found in an object. */
export interface SchemaProblem {
  /** JSON path of the offending value, e.g. `spec.template.spec.containerz`. */
  readonly path: string;
  readonly message: string;
}

/** Where the model of an apiVersion/kind lives. */
export interface ModelLocation {
  /** Module to import, e.g. `kubernetes-models/apps/v1/Deployment`. */
  readonly module: string;
  /** Exported class (the validator) and `I<Kind>` interface (the declared type). */
  readonly className: string;
  readonly interfaceName: string;
}

/** Groups whose models come from a third-party package rather than kubernetes-models. */
const CRD_PACKAGES: Readonly<Record<string, string>> = {
  "keda.sh": "@kubernetes-models/keda",
  "eventing.keda.sh": "@kubernetes-models/keda",
  "karpenter.sh": "@kubernetes-models/karpenter",
  "karpenter.k8s.aws": "@kubernetes-models/karpenter",
};

/** The model module and names for `apiVersion`/`kind`. */
export function modelLocation(apiVersion: string, kind: string): ModelLocation {
  if (!/^([a-z0-9.-]+\/)?v\d+((alpha|beta)\d+)?$/.test(apiVersion) || !/^[A-Z]\w*$/.test(kind)) {
    throw new Error(`not a Kubernetes apiVersion/kind: ${apiVersion} ${kind}`);
  }
  const group = apiVersion.includes("/") ? (apiVersion.split("/")[0] ?? "") : "";
  const pkg = CRD_PACKAGES[group] ?? "kubernetes-models";
  return { module: `${pkg}/${apiVersion}/${kind}`, className: kind, interfaceName: `I${kind}` };
}

interface ModelClass {
  new (data: unknown): { validate(): void };
}

/** Runs the model's compiled validator; its message lists every violation. */
export async function modelProblems(obj: KubernetesObject): Promise<SchemaProblem[]> {
  const json = jsonSchemaValidator(obj.apiVersion, obj.kind);
  if (json) return jsonSchemaProblems(json, obj).other;
  const where = modelLocation(obj.apiVersion, obj.kind);
  let Model: ModelClass | undefined;
  try {
    const mod = (await import(where.module)) as Record<string, ModelClass | undefined>;
    Model = mod[where.className];
  } catch (err) {
    return [{ path: "", message: `no model for ${obj.apiVersion} ${obj.kind}: ${String(err)}` }];
  }
  if (!Model)
    return [{ path: "", message: `no model class ${where.className} in ${where.module}` }];
  try {
    new Model(obj).validate();
    return [];
  } catch (err) {
    return [{ path: "", message: `${obj.kind} fails its schema: ${(err as Error).message}` }];
  }
}

/** The minimum shape of a Kubernetes object. */
export interface KubernetesObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata?: { readonly name?: string };
}

const ROOT = join(__dirname, "..", "..");
const PROBE_FILE = join(ROOT, "tests", "support", "__schema_probe__.ts");

/** A TypeScript program that declares one value per model interface, rebuilt when a kind is new. */
class DeclaredTypes {
  private program: ts.Program | undefined;
  private readonly modules = new Map<string, ModelLocation>();
  private readonly host: ts.CompilerHost;
  private readonly options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: [],
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
  };

  constructor() {
    this.host = ts.createCompilerHost(this.options, true);
    const getSourceFile = this.host.getSourceFile.bind(this.host);
    const fileExists = this.host.fileExists.bind(this.host);
    this.host.getSourceFile = (file, language, ...rest) =>
      file === PROBE_FILE
        ? ts.createSourceFile(file, this.probeSource(), language, true)
        : getSourceFile(file, language, ...rest);
    this.host.fileExists = (file) => file === PROBE_FILE || fileExists(file);
  }

  private key(where: ModelLocation) {
    return `t${[...this.modules.keys()].indexOf(where.module)}`;
  }

  private probeSource(): string {
    return [...this.modules.values()]
      .map((where) => {
        const alias = this.key(where);
        return `import type { ${where.interfaceName} as ${alias}T } from "${where.module}";\nexport declare const ${alias}: ${alias}T;`;
      })
      .join("\n");
  }

  /** Registers models up front, so one program build serves them all. */
  preload(locations: readonly ModelLocation[]): void {
    for (const where of locations) this.modules.set(where.module, where);
  }

  /** The declared type of a whole object of this model. */
  typeOf(where: ModelLocation): { checker: ts.TypeChecker; type: ts.Type } {
    if (!this.modules.has(where.module) || !this.program) {
      this.modules.set(where.module, where);
      this.program = ts.createProgram({
        rootNames: [PROBE_FILE],
        options: this.options,
        host: this.host,
        oldProgram: this.program,
      });
      // Only the probe's own diagnostics: an unresolved import shows up there, and checking the
      // whole model tree would cost seconds.
      const probe = this.program.getSourceFile(PROBE_FILE);
      const errors = this.program
        .getSemanticDiagnostics(probe)
        .filter((d) => d.category === ts.DiagnosticCategory.Error);
      if (errors.length) {
        const text = errors.map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
        throw new Error(`cannot load model types: ${text.join("; ")}`);
      }
    }
    const checker = this.program.getTypeChecker();
    const source = this.program.getSourceFile(PROBE_FILE);
    const symbol = source && checker.getSymbolAtLocation(source);
    const exported =
      symbol && checker.getExportsOfModule(symbol).find((s) => s.name === this.key(where));
    if (!exported) throw new Error(`no declared type for ${where.module}`);
    return { checker, type: checker.getTypeOfSymbol(exported) };
  }
}

/** The kinds this project creates; loading them together costs one program build. */
const COMMON_KINDS: readonly [string, string][] = [
  ["v1", "Namespace"],
  ["v1", "ServiceAccount"],
  ["v1", "ConfigMap"],
  ["apps/v1", "Deployment"],
  ["batch/v1", "Job"],
  ["policy/v1", "PodDisruptionBudget"],
  ["networking.k8s.io/v1", "NetworkPolicy"],
  ["keda.sh/v1alpha1", "ScaledObject"],
  ["keda.sh/v1alpha1", "ScaledJob"],
  ["keda.sh/v1alpha1", "TriggerAuthentication"],
];

let declared: DeclaredTypes | undefined;

function declaredTypes(): DeclaredTypes {
  if (!declared) {
    declared = new DeclaredTypes();
    declared.preload(COMMON_KINDS.map(([apiVersion, kind]) => modelLocation(apiVersion, kind)));
  }
  return declared;
}

/** Non-undefined/null members of a (possibly union) type. */
function members(checker: ts.TypeChecker, type: ts.Type): ts.Type[] {
  const t = checker.getNonNullableType(type);
  return t.isUnion() ? t.types : [t];
}

function isOpen(type: ts.Type): boolean {
  return (type.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) !== 0;
}

/** Keys of `value` (recursively) that the declared `type` does not know. */
function unknownKeys(
  checker: ts.TypeChecker,
  value: unknown,
  type: ts.Type,
  path: string,
  problems: SchemaProblem[],
): void {
  if (value === null || typeof value !== "object") return;
  const candidates = members(checker, type);
  if (candidates.some(isOpen)) return;
  if (Array.isArray(value)) {
    const element = candidates
      .map((t) => checker.getIndexTypeOfType(t, ts.IndexKind.Number))
      .find((t): t is ts.Type => t !== undefined);
    if (!element) {
      problems.push({ path, message: "an array where the schema has no array" });
      return;
    }
    value.forEach((item, i) => unknownKeys(checker, item, element, `${path}[${i}]`, problems));
    return;
  }
  const objects = candidates.filter((t) => (t.flags & ts.TypeFlags.Object) !== 0);
  if (objects.length === 0) {
    problems.push({ path, message: "an object where the schema has a scalar" });
    return;
  }
  for (const [key, child] of Object.entries(value)) {
    const childPath = path ? `${path}.${key}` : key;
    const property = objects.map((t) => t.getProperty(key)).find((p) => p !== undefined);
    if (property) {
      unknownKeys(checker, child, checker.getTypeOfSymbol(property), childPath, problems);
      continue;
    }
    const map = objects
      .map((t) => checker.getIndexTypeOfType(t, ts.IndexKind.String))
      .find((t): t is ts.Type => t !== undefined);
    if (map) {
      unknownKeys(checker, child, map, childPath, problems);
      continue;
    }
    problems.push({ path: childPath, message: `unknown field "${key}"` });
  }
}

/** Fields of `obj` that its model's schema does not declare (the validators let them through). */
export function unknownFieldProblems(obj: KubernetesObject): SchemaProblem[] {
  const json = jsonSchemaValidator(obj.apiVersion, obj.kind);
  if (json) return jsonSchemaProblems(json, obj).unknown;
  const { checker, type } = declaredTypes().typeOf(modelLocation(obj.apiVersion, obj.kind));
  const problems: SchemaProblem[] = [];
  unknownKeys(checker, obj, type, "", problems);
  return problems;
}

/** Both layers: the model validator and the unknown-field walk. */
export async function schemaProblems(obj: KubernetesObject): Promise<SchemaProblem[]> {
  return [...(await modelProblems(obj)), ...unknownFieldProblems(obj)];
}

/** Throws, listing every problem with the object's kind and name, unless `obj` is schema-valid. */
export async function expectSchemaValid(obj: KubernetesObject): Promise<void> {
  const problems = await schemaProblems(obj);
  if (problems.length === 0) return;
  const name = obj.metadata?.name ?? "(unnamed)";
  throw new Error(
    `${obj.kind} ${name}:\n${problems.map((p) => `  ${p.path || "(root)"}: ${p.message}`).join("\n")}`,
  );
}
