/**
 * What the stack opens to the network: a Service of type LoadBalancer admits only listed source ranges (never the
 * whole internet), and every federation namespace (each Namespace the stack creates, and each namespace its
 * objects are placed in) has a NetworkPolicy that denies ingress by default, so only what another policy names
 * explicitly gets in. Namespaces are told apart per provider: the same name on two clusters is two namespaces.
 */
import { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { describe } from "../federation";
import { asArray, asRecord, dig, isKubernetesObject } from "../model";

export const SERVICE = "kubernetes:core/v1:Service";
export const NAMESPACE = "kubernetes:core/v1:Namespace";
export const NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
const OPEN_RANGES = ["0.0.0.0/0", "::/0"];
/** Objects that live outside any namespace. */
const CLUSTER_SCOPED = [NAMESPACE, "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole", "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding",
  "kubernetes:storage.k8s.io/v1:StorageClass", "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition", "kubernetes:core/v1:PersistentVolume"];

export function loadBalancerProblem(service: PolicyResource): string | undefined {
  if (dig(service.props, "spec", "type") !== "LoadBalancer") return undefined;
  const ranges = asArray(dig(service.props, "spec", "loadBalancerSourceRanges")).map(String);
  if (ranges.length === 0) return `${describe(service)} is a LoadBalancer open to every address: set spec.loadBalancerSourceRanges to the clients' CIDRs.`;
  const open = ranges.filter((r) => OPEN_RANGES.includes(r));
  return open.length > 0 ? `${describe(service)} is a LoadBalancer admitting ${open.join(", ")}: list the clients' CIDRs instead.` : undefined;
}

/** Selects every pod (empty selector), governs ingress, and admits nothing. */
export function deniesIngressByDefault(policy: PolicyResource): boolean {
  const spec = asRecord(dig(policy.props, "spec")) ?? {};
  const selector = asRecord(spec.podSelector) ?? {};
  const selectsAll = Object.keys(asRecord(selector.matchLabels) ?? {}).length === 0 && asArray(selector.matchExpressions).length === 0;
  return selectsAll && asArray(spec.policyTypes).includes("Ingress") && asArray(spec.ingress).length === 0;
}

const providerOf = (r: PolicyResource) => r.provider?.urn ?? "default";
const namespaceOf = (r: PolicyResource) => (r.type === NAMESPACE ? dig(r.props, "metadata", "name") : dig(r.props, "metadata", "namespace") ?? "default");

export const networkExposure: StackValidationPolicy = {
  name: "network-exposure",
  description: "LoadBalancer Services admit only listed source ranges; every federation namespace denies ingress by default.",
  enforcementLevel: "mandatory",
  validateStack: (args, report) => {
    for (const service of args.resources.filter((r) => r.type === SERVICE)) {
      const problem = loadBalancerProblem(service);
      if (problem) report(problem, service.urn);
    }
    const objects = args.resources.filter((r) => isKubernetesObject(r.type));
    const denied = new Set(objects.filter((r) => r.type === NETWORK_POLICY && deniesIngressByDefault(r)).map((r) => `${providerOf(r)}|${String(namespaceOf(r))}`));
    const namespaces = new Map<string, PolicyResource>();
    for (const object of objects.filter((r) => r.type === NAMESPACE || !CLUSTER_SCOPED.includes(r.type))) {
      const key = `${providerOf(object)}|${String(namespaceOf(object))}`;
      if (!namespaces.has(key) || object.type === NAMESPACE) namespaces.set(key, object);
    }
    for (const [key, example] of namespaces) {
      if (denied.has(key)) continue;
      const namespace = key.split("|")[1];
      const what = example.type === NAMESPACE ? describe(example) : `namespace "${namespace}" (holding ${describe(example)})`;
      report(`${what} has no NetworkPolicy that denies ingress by default: add one with podSelector {}, policyTypes ["Ingress"] and no ingress rules in "${namespace}".`, example.urn);
    }
  },
};
