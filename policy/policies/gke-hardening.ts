/** GKE: private nodes, Workload Identity, shielded nodes and application-layer secrets encryption with Cloud KMS. */
import { ResourceValidationPolicy } from "@pulumi/policy";
import { dig } from "../model";
import { forTypes } from "../resource-policy";

export const GKE_CLUSTER = "gcp:container/cluster:Cluster";

export const gkeHardening: ResourceValidationPolicy = {
  name: "gke-hardening",
  description: "GKE clusters have private nodes, Workload Identity, shielded nodes and KMS-encrypted secrets.",
  enforcementLevel: "mandatory",
  validateResource: forTypes([GKE_CLUSTER], (props) => {
    const problems: string[] = [];
    if (dig(props, "privateClusterConfig", "enablePrivateNodes") !== true) problems.push("nodes have public IPs: set privateClusterConfig.enablePrivateNodes true.");
    if (typeof dig(props, "workloadIdentityConfig", "workloadPool") !== "string") problems.push("Workload Identity is off: set workloadIdentityConfig.workloadPool to <project>.svc.id.goog.");
    if (props.enableShieldedNodes !== true) problems.push("shielded nodes are not enforced: set enableShieldedNodes true.");
    const encrypted = dig(props, "databaseEncryption", "state") === "ENCRYPTED" && typeof dig(props, "databaseEncryption", "keyName") === "string";
    if (!encrypted) problems.push('secrets are not encrypted with Cloud KMS: set databaseEncryption { state: "ENCRYPTED", keyName: <key> }.');
    return problems;
  }),
};
