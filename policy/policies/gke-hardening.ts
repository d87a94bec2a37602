/**
 * GKE: private nodes, Workload Identity, shielded nodes and application-layer secrets encryption with Cloud KMS
 * on the cluster; on every node pool a dedicated service account (never the Compute Engine default) with minimal
 * OAuth scopes, secure boot and integrity monitoring, and the GKE metadata server.
 */
import { ResourceValidationPolicy } from "@pulumi/policy";
import { HardeningConfig, hardeningConfigSchema, HardeningFinding, standingProblems } from "../hardening";
import { asArray, dig, Props } from "../model";
import { forTypes } from "../resource-policy";

export const GKE_CLUSTER = "gcp:container/cluster:Cluster";
export const GKE_NODE_POOL = "gcp:container/nodePool:NodePool";
/** The scopes a node may hold: logs, metrics, image pulls. The pack's own list. */
export const ALLOWED_NODE_SCOPES = [
  "https://www.googleapis.com/auth/logging.write",
  "https://www.googleapis.com/auth/monitoring",
  "https://www.googleapis.com/auth/monitoring.write",
  "https://www.googleapis.com/auth/devstorage.read_only",
];

function clusterFindings(props: Props): HardeningFinding[] {
  const found: HardeningFinding[] = [];
  if (dig(props, "privateClusterConfig", "enablePrivateNodes") !== true) found.push({ switch: "gcp.privateNodes", problem: "nodes have public IPs: set privateClusterConfig.enablePrivateNodes true." });
  if (typeof dig(props, "workloadIdentityConfig", "workloadPool") !== "string") found.push({ switch: "gcp.workloadIdentity", problem: "Workload Identity is off: set workloadIdentityConfig.workloadPool to <project>.svc.id.goog." });
  if (props.enableShieldedNodes !== true) found.push({ switch: "gcp.shieldedNodes", problem: "shielded nodes are not enforced: set enableShieldedNodes true." });
  const encrypted = dig(props, "databaseEncryption", "state") === "ENCRYPTED" && typeof dig(props, "databaseEncryption", "keyName") === "string";
  if (!encrypted) found.push({ switch: "gcp.secretsEncryption", problem: 'secrets are not encrypted with Cloud KMS: set databaseEncryption { state: "ENCRYPTED", keyName: <key> }.' });
  return found;
}

function nodePoolFindings(props: Props): HardeningFinding[] {
  const node = dig(props, "nodeConfig");
  const found: HardeningFinding[] = [];
  const account = dig(node, "serviceAccount");
  if (typeof account !== "string" || account === "default" || account.endsWith("-compute@developer.gserviceaccount.com")) {
    found.push({ switch: "gcp.nodeServiceAccount", problem: "nodes run as the Compute Engine default service account: set nodeConfig.serviceAccount to a dedicated one." });
  }
  const scopes = asArray(dig(node, "oauthScopes"));
  const broad = scopes.filter((scope) => !ALLOWED_NODE_SCOPES.includes(String(scope)));
  if (scopes.length === 0 || broad.length > 0) {
    found.push({ switch: "gcp.nodeScopes", problem: `nodes hold OAuth scopes beyond logs, metrics and image pulls (${broad.length > 0 ? broad.join(", ") : "none set: GKE's defaults"}): set nodeConfig.oauthScopes to ${ALLOWED_NODE_SCOPES.join(", ")} or fewer.` });
  }
  if (dig(node, "shieldedInstanceConfig", "enableSecureBoot") !== true || dig(node, "shieldedInstanceConfig", "enableIntegrityMonitoring") !== true) {
    found.push({ switch: "gcp.shieldedNodes", problem: "nodes boot without secure boot or integrity monitoring: set nodeConfig.shieldedInstanceConfig { enableSecureBoot: true, enableIntegrityMonitoring: true }." });
  }
  if (dig(node, "workloadMetadataConfig", "mode") !== "GKE_METADATA") {
    found.push({ switch: "gcp.workloadIdentity", problem: 'pods can reach the node\'s metadata credentials: set nodeConfig.workloadMetadataConfig.mode "GKE_METADATA".' });
  }
  return found;
}

export const gkeHardening: ResourceValidationPolicy = {
  name: "gke-hardening",
  description: "GKE clusters have private nodes, Workload Identity, shielded nodes and KMS-encrypted secrets; every node pool a dedicated service account with minimal scopes, secure boot and integrity monitoring.",
  enforcementLevel: "mandatory",
  configSchema: hardeningConfigSchema,
  validateResource: forTypes([GKE_CLUSTER, GKE_NODE_POOL], (props, args) => {
    const found = args.type === GKE_CLUSTER ? clusterFindings(props) : nodePoolFindings(props);
    return standingProblems("gke-hardening", found, args.getConfig<HardeningConfig>(), args.urn);
  }),
};
