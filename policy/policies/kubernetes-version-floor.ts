/** Every cluster pins a Kubernetes version at or above the federation's floor, and no node pool lags below it. */
import { ResourceValidationPolicy } from "@pulumi/policy";
import { KUBERNETES_FLOOR_MINOR } from "../../components/validation";
import { asArray, asRecord, Props } from "../model";
import { forTypes } from "../resource-policy";
import { AKS_CLUSTER } from "./aks-hardening";
import { EKS_CLUSTER } from "./eks-hardening";
import { GKE_CLUSTER } from "./gke-hardening";

export interface VersionFloorConfig {
  minimumMinor?: number;
}

/** Where each type keeps its control-plane version (required) and its node versions (optional). */
const CLUSTER_VERSION: Record<string, string> = {
  [EKS_CLUSTER]: "version",
  [AKS_CLUSTER]: "kubernetesVersion",
  [GKE_CLUSTER]: "minMasterVersion",
};
const NODE_VERSION: Record<string, string> = {
  "aws:eks/nodeGroup:NodeGroup": "version",
  "azure-native:containerservice:AgentPool": "orchestratorVersion",
  "gcp:container/nodePool:NodePool": "version",
};

/** The minor of "1.33", "1.33.2" or GKE's "1.33.1-gke.100"; undefined when it is not a 1.x version. */
export function minorOf(version: string): number | undefined {
  const match = /^v?1\.(\d+)(\.|-|$)/.exec(version);
  return match ? Number(match[1]) : undefined;
}

function versionProblem(key: string, value: unknown, floor: number): string | undefined {
  if (typeof value !== "string") return `${key} is not set: pin a Kubernetes version >= 1.${floor}.`;
  const minor = minorOf(value);
  if (minor === undefined) return `${key} "${value}" is not a Kubernetes 1.x version.`;
  return minor < floor ? `${key} ${value} is below the floor 1.${floor}: upgrade to 1.${floor} or newer.` : undefined;
}

function check(props: Props, type: string, floor: number): string[] {
  const clusterKey = CLUSTER_VERSION[type];
  const nodeKey = NODE_VERSION[type];
  const problems = [
    clusterKey ? versionProblem(clusterKey, props[clusterKey], floor) : undefined,
    nodeKey && props[nodeKey] !== undefined ? versionProblem(nodeKey, props[nodeKey], floor) : undefined,
    ...(type === AKS_CLUSTER ? asArray(props.agentPoolProfiles).map(asRecord).map((pool, i) =>
      pool?.orchestratorVersion === undefined ? undefined : versionProblem(`agentPoolProfiles[${i}].orchestratorVersion`, pool.orchestratorVersion, floor)) : []),
  ];
  return problems.filter((p): p is string => p !== undefined);
}

export const kubernetesVersionFloor: ResourceValidationPolicy = {
  name: "kubernetes-version-floor",
  description: `Clusters pin a Kubernetes version of at least 1.${KUBERNETES_FLOOR_MINOR} (configurable), node pools included.`,
  enforcementLevel: "mandatory",
  configSchema: { properties: { minimumMinor: { type: "integer", minimum: 0, default: KUBERNETES_FLOOR_MINOR } } },
  validateResource: forTypes([...Object.keys(CLUSTER_VERSION), ...Object.keys(NODE_VERSION)], (props, args) =>
    check(props, args.type, args.getConfig<VersionFloorConfig>().minimumMinor ?? KUBERNETES_FLOOR_MINOR)),
};
