/**
 * Reading Pulumi resources the way every DSC policy needs: which cloud a type belongs to, where its
 * labels live, where a workload keeps its pod spec, and how URNs nest. Pure functions over plain data.
 */
import * as fs from "fs";
import { Cloud } from "./regions";

/** The parts of a resource a policy reads (both ResourceValidationArgs and PolicyResource have them). */
export interface ResourceView {
  type: string;
  name: string;
  urn: string;
  props: Record<string, unknown>;
}

export type Props = Record<string, unknown>;

export function asRecord(value: unknown): Props | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Props) : undefined;
}

export function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** Follows a path of keys through nested objects; undefined as soon as one is missing. */
export function dig(value: unknown, ...path: string[]): unknown {
  return path.reduce<unknown>((current, key) => asRecord(current)?.[key], value);
}

const PACKAGE_CLOUDS: Record<string, Cloud> = {
  aws: "aws",
  "aws-native": "aws",
  "azure-native": "azure",
  azure: "azure",
  azuread: "azure",
  gcp: "gcp",
  "google-native": "gcp",
};

/** The package of a type token; provider resources (`pulumi:providers:aws`) belong to their package. */
export function packageOf(type: string): string {
  const providerPrefix = "pulumi:providers:";
  return type.startsWith(providerPrefix) ? type.slice(providerPrefix.length) : type.split(":")[0];
}

export function cloudOf(type: string): Cloud | undefined {
  return PACKAGE_CLOUDS[packageOf(type)];
}

export function isProviderType(type: string): boolean {
  return type.startsWith("pulumi:providers:");
}

/** Kubernetes API objects (`kubernetes:apps/v1:StatefulSet`), not the SDK's YAML/Helm components. */
export function isKubernetesObject(type: string): boolean {
  const [pkg, module] = type.split(":");
  return pkg === "kubernetes" && module !== undefined && module.includes("/") && !module.startsWith("helm.sh");
}

/** The resource types named in a URN, outermost parent first: `urn:pulumi:s::p::A$B$C::name`. */
export function typeChain(urn: string): string[] {
  const parts = urn.split("::");
  return parts.length >= 4 ? parts[2].split("$") : [];
}

/** True when the resource is, or sits under, a component whose type ends with `:<componentName>`. */
export function isUnderComponent(urn: string, componentName: string): boolean {
  return typeChain(urn).some((type) => type.endsWith(`:${componentName}`));
}

const CLOUD_LABEL_KEYS = ["tags", "labels", "resourceLabels"] as const;
type CloudLabelKey = (typeof CLOUD_LABEL_KEYS)[number];
const labelKeyCache = new Map<string, CloudLabelKey | null>();

/**
 * Which input a cloud resource type takes its tags or labels in, if any. The engine drops unset inputs
 * before policies run, so the resource itself cannot say whether it could have carried tags; the SDK's
 * generated constructor can: it copies every input as `resourceInputs["<name>"]`.
 */
export function cloudLabelKey(type: string): CloudLabelKey | undefined {
  if (!labelKeyCache.has(type)) labelKeyCache.set(type, readLabelKey(type) ?? null);
  return labelKeyCache.get(type) ?? undefined;
}

function readLabelKey(type: string): CloudLabelKey | undefined {
  const source = sdkSourceOf(type);
  if (source === undefined) return undefined;
  return CLOUD_LABEL_KEYS.find((key) => source.includes(`resourceInputs["${key}"] = args`));
}

/**
 * The SDK file that defines a type: `aws:eks/cluster:Cluster` → `@pulumi/aws/eks/cluster.js` (the module's last
 * segment names the file), `azure-native:containerservice:ManagedCluster` → `.../containerservice/managedCluster.js`
 * (the resource name does, also under versioned modules such as `containerservice/v20240901`).
 */
function sdkSourceOf(type: string): string | undefined {
  const [pkg, module, name] = type.split(":");
  if (!module || !name || isProviderType(type)) return undefined;
  const segments = module.split("/");
  const candidates = [
    `${segments[0]}/${segments[segments.length - 1]}.js`,
    `${module}/${name.charAt(0).toLowerCase()}${name.slice(1)}.js`,
  ];
  for (const candidate of candidates) {
    try {
      return fs.readFileSync(require.resolve(`@pulumi/${pkg}/${candidate}`), "utf8");
    } catch {
      // Not this layout; try the next.
    }
  }
  return undefined;
}

/** The labels or tags a resource carries: Kubernetes `metadata.labels`, or the cloud type's label input. */
export function labelsOf(resource: ResourceView): Record<string, string> {
  const raw = isKubernetesObject(resource.type)
    ? dig(resource.props, "metadata", "labels")
    : resource.props[cloudLabelKey(resource.type) ?? ""];
  const labels: Record<string, string> = {};
  for (const [key, value] of Object.entries(asRecord(raw) ?? {})) {
    if (typeof value === "string") labels[key] = value;
  }
  return labels;
}

/** Where each workload kind keeps its pod spec. */
const POD_SPEC_PATHS: Record<string, string[]> = {
  "kubernetes:apps/v1:Deployment": ["spec", "template", "spec"],
  "kubernetes:apps/v1:StatefulSet": ["spec", "template", "spec"],
  "kubernetes:apps/v1:DaemonSet": ["spec", "template", "spec"],
  "kubernetes:apps/v1:ReplicaSet": ["spec", "template", "spec"],
  "kubernetes:batch/v1:Job": ["spec", "template", "spec"],
  "kubernetes:batch/v1:CronJob": ["spec", "jobTemplate", "spec", "template", "spec"],
  "kubernetes:core/v1:Pod": ["spec"],
  "kubernetes:core/v1:PodTemplate": ["template", "spec"],
  "kubernetes:core/v1:ReplicationController": ["spec", "template", "spec"],
};

export function isWorkload(type: string): boolean {
  return type in POD_SPEC_PATHS;
}

export function podSpecOf(resource: ResourceView): Props | undefined {
  const path = POD_SPEC_PATHS[resource.type];
  return path ? asRecord(dig(resource.props, ...path)) : undefined;
}

export interface NamedContainer {
  name: string;
  container: Props;
}

/** Every container of a pod spec, init and ephemeral (debug) containers included: they run with the same privileges. */
export function containersOf(podSpec: Props): NamedContainer[] {
  return [...asArray(podSpec.initContainers), ...asArray(podSpec.containers), ...asArray(podSpec.ephemeralContainers)]
    .map(asRecord)
    .filter((container): container is Props => container !== undefined)
    .map((container) => ({ name: String(container.name ?? "(unnamed)"), container }));
}

/** Every string inside a value, with the path where it was found (for leak scans). */
export function stringsIn(value: unknown, path = ""): { path: string; value: string }[] {
  if (typeof value === "string") return [{ path, value }];
  if (Array.isArray(value)) return value.flatMap((item, index) => stringsIn(item, `${path}[${index}]`));
  const record = asRecord(value);
  if (!record) return [];
  return Object.entries(record).flatMap(([key, item]) => stringsIn(item, path ? `${path}.${key}` : key));
}
