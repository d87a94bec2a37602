/**
 * The replication layer of every region: one StatefulSet with at least 3 replicas and a persistent volume
 * per replica, a PodDisruptionBudget that keeps a majority up, a NetworkPolicy and a Service over its pods.
 */
import { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { childrenOf, componentsOfKind, REPLICATION_LAYER, selects } from "../components";
import { describe } from "../federation";
import { asArray, asRecord, dig } from "../model";

export const DEFAULT_MIN_REPLICAS = 3;
/** The replication node's peer port, by number or by name: the only one that may cross clusters. */
const PEER_PORTS: unknown[] = [7070, "peer"];

export interface ReplicationConfig {
  minReplicas?: number;
}

type PodLabels = Record<string, string>;

/** Kubernetes runs one replica when `spec.replicas` is unset. */
function replicasOf(sts: PolicyResource): number {
  return Number(dig(sts.props, "spec", "replicas") ?? 1);
}

function statefulSetProblems(sts: PolicyResource, minReplicas: number): string[] {
  const problems: string[] = [];
  const replicas = replicasOf(sts);
  if (replicas < minReplicas) problems.push(`${describe(sts)} runs ${replicas} replicas; the federation needs at least ${minReplicas}.`);
  const templates = asArray(dig(sts.props, "spec", "volumeClaimTemplates")).map(asRecord);
  const withStorage = templates.filter((t) => dig(t, "spec", "resources", "requests", "storage") !== undefined);
  if (withStorage.length === 0) problems.push(`${describe(sts)} has no volumeClaimTemplates with a storage request: each replica needs a persistent volume.`);
  return problems;
}

/** A PDB must select the pods and never let a majority of them be evicted at once. */
function pdbProblems(layer: string, pdbs: PolicyResource[], podLabels: PodLabels, replicas: number): string[] {
  const selecting = pdbs.filter((pdb) => selects(dig(pdb.props, "spec", "selector"), podLabels));
  if (selecting.length === 0) return [`${layer}: no PodDisruptionBudget selects the replication pods.`];
  const quorumLoss = Math.floor((replicas - 1) / 2) + 1;
  return selecting.flatMap((pdb) => {
    const maxUnavailable = dig(pdb.props, "spec", "maxUnavailable");
    const minAvailable = dig(pdb.props, "spec", "minAvailable");
    const allowed = typeof maxUnavailable === "number" ? maxUnavailable : typeof minAvailable === "number" ? replicas - minAvailable : undefined;
    if (allowed === undefined) return [`${describe(pdb)} sets neither a numeric maxUnavailable nor minAvailable.`];
    return allowed >= quorumLoss ? [`${describe(pdb)} lets ${allowed} of ${replicas} replicas go at once; allow at most ${quorumLoss - 1}.`] : [];
  });
}

function layerProblems(layer: PolicyResource, resources: PolicyResource[], minReplicas: number): string[] {
  const inside = childrenOf(layer, resources);
  const ofType = (type: string) => inside.filter((r) => r.type === type);
  const statefulSets = ofType("kubernetes:apps/v1:StatefulSet");
  if (statefulSets.length !== 1) return [`${describe(layer)} has ${statefulSets.length} StatefulSets; it must have exactly one.`];
  const [sts] = statefulSets;
  const podLabels = (asRecord(dig(sts.props, "spec", "template", "metadata", "labels")) ?? {}) as PodLabels;
  const name = describe(layer);
  const problems = [...statefulSetProblems(sts, minReplicas), ...pdbProblems(name, ofType("kubernetes:policy/v1:PodDisruptionBudget"), podLabels, replicasOf(sts))];
  if (!ofType("kubernetes:networking.k8s.io/v1:NetworkPolicy").some((np) => selects(dig(np.props, "spec", "podSelector"), podLabels))) {
    problems.push(`${name}: no NetworkPolicy selects the replication pods.`);
  }
  if (!ofType("kubernetes:core/v1:Service").some((svc) => selects({ matchLabels: dig(svc.props, "spec", "selector") }, podLabels))) {
    problems.push(`${name}: no Service selects the replication pods.`);
  }
  for (const svc of ofType("kubernetes:core/v1:Service").filter((s) => dig(s.props, "spec", "type") === "LoadBalancer")) {
    const others = asArray(dig(svc.props, "spec", "ports")).filter((p) => !PEER_PORTS.includes(dig(p, "targetPort") ?? dig(p, "port")));
    if (others.length > 0) problems.push(`${describe(svc)} puts ports other than the peer port on a load balancer: keep the data API on a ClusterIP Service.`);
  }
  return problems;
}

export const replicationLayer: StackValidationPolicy = {
  name: "replication-layer",
  description: "Each ReplicationLayer is a StatefulSet of at least 3 replicas with persistent volumes, a PodDisruptionBudget, a NetworkPolicy and a Service; only its peer port is load-balanced.",
  enforcementLevel: "mandatory",
  configSchema: { properties: { minReplicas: { type: "integer", minimum: 1, default: DEFAULT_MIN_REPLICAS } } },
  validateStack: (args, report) => {
    const minReplicas = args.getConfig<ReplicationConfig>().minReplicas ?? DEFAULT_MIN_REPLICAS;
    const layers = componentsOfKind(args.resources, REPLICATION_LAYER);
    if (layers.length === 0) report(`The stack has no replication layer (${REPLICATION_LAYER}).`);
    for (const layer of layers) for (const problem of layerProblems(layer, args.resources, minReplicas)) report(problem, layer.urn);
  },
};
