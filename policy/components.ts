/**
 * The federation's components seen from a stack policy: find each ReplicationLayer, GuardianWatchers and
 * cluster component, the resources under it, and the region it serves.
 */
import { PolicyResource } from "@pulumi/policy";
import { regionOf } from "./federation";
import { isKubernetesObject } from "./model";
import { Region } from "./regions";

export const REPLICATION_LAYER = "dsc:workload:ReplicationLayer";
export const GUARDIAN_WATCHERS = "dsc:workload:GuardianWatchers";
export const CLUSTER_COMPONENT_PREFIX = "dsc:cluster:";

export function isInside(resource: PolicyResource, ancestor: PolicyResource): boolean {
  for (let current = resource.parent; current; current = current.parent) if (current.urn === ancestor.urn) return true;
  return false;
}

export function childrenOf(component: PolicyResource, resources: PolicyResource[]): PolicyResource[] {
  return resources.filter((r) => isInside(r, component));
}

/**
 * The regions a component serves: the labels of what it created, plus (for a cluster component, whose
 * own resources may carry no labels, as with the local renderer) the labels of the Kubernetes objects
 * sent through the provider it built.
 */
export function regionsOf(component: PolicyResource, resources: PolicyResource[]): Region[] {
  const inside = childrenOf(component, resources);
  const providerUrns = new Set(inside.filter((r) => r.type.startsWith("pulumi:providers:")).map((r) => r.urn));
  const served = resources.filter((r) => isKubernetesObject(r.type) && r.provider && providerUrns.has(r.provider.urn));
  const regions = [...inside, ...served].map(regionOf).filter((region): region is Region => region !== undefined);
  return [...new Set(regions)].sort();
}

/** `kind` is a full type token, or a prefix ending in `:` for a family (every `dsc:cluster:*`). */
export function componentsOfKind(resources: PolicyResource[], kind: string): PolicyResource[] {
  return resources.filter((r) => (kind.endsWith(":") ? r.type.startsWith(kind) : r.type === kind));
}

/** Label-selector match: every `matchLabels` pair is present in the pod labels (and there is at least one). */
export function selects(selector: unknown, podLabels: Record<string, string>): boolean {
  const matchLabels = (selector as { matchLabels?: Record<string, unknown> } | undefined)?.matchLabels ?? {};
  const pairs = Object.entries(matchLabels);
  return pairs.length > 0 && pairs.every(([key, value]) => podLabels[key] === value);
}
