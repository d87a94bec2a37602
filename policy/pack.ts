/**
 * The DSC federation's policies, in report order. Importing this module starts nothing: the PolicyPack
 * (which serves them to the engine) is built only in index.ts.
 */
import { Policies } from "@pulumi/policy";
import { agentKeySecret } from "./policies/agent-key-secret";
import { aksHardening } from "./policies/aks-hardening";
import { eksHardening } from "./policies/eks-hardening";
import { federationComplete } from "./policies/federation-complete";
import { gkeHardening } from "./policies/gke-hardening";
import { guardianWatchers } from "./policies/guardian-watchers";
import { imagePinning } from "./policies/image-pinning";
import { isolationPlacement } from "./policies/isolation-placement";
import { kubernetesClusterBinding } from "./policies/kubernetes-cluster-binding";
import { kubernetesVersionFloor } from "./policies/kubernetes-version-floor";
import { networkExposure } from "./policies/network-exposure";
import { nodePoolAutoscaling } from "./policies/node-pool-autoscaling";
import { replicationLayer } from "./policies/replication-layer";
import { requiredLabels } from "./policies/required-labels";
import { workloadHardening } from "./policies/workload-hardening";

export const PACK_NAME = "dsc-federation";

export const policies: Policies = [
  // Isolation and placement
  isolationPlacement,
  kubernetesClusterBinding,
  // Cluster hardening
  eksHardening,
  aksHardening,
  gkeHardening,
  kubernetesVersionFloor,
  nodePoolAutoscaling,
  // Workload hardening
  workloadHardening,
  imagePinning,
  networkExposure,
  // The federation's own invariants
  replicationLayer,
  guardianWatchers,
  agentKeySecret,
  requiredLabels,
  // The federation as a whole
  federationComplete,
];
