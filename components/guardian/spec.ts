import * as k8s from "@pulumi/kubernetes";
import { z } from "zod";
import { imageRefSchema } from "../workload/image";
import { resourcesSchema } from "../workload/hardening";
import { ownershipSchema } from "../validation";

export const APP = "guardian-watcher";
export const AGENT_KEY_DIR = "/etc/dsc/agent";
export const AGENT_KEY_FILE = "agent-key";
/** The bearer token (scope `status`) the watcher sends to the replication status endpoints. */
export const REPLICATION_TOKEN_DIR = "/etc/dsc/replication";
export const REPLICATION_TOKEN_FILE = "token";
/** The watcher's HTTP port (status, metrics, probes) and its state folder (chain cursor, cluster baseline). */
export const HTTP_PORT = 8080;
export const STATE_DIR = "/var/lib/dsc-watcher";

const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, { error: "must be a 20-byte hex address like 0x1234…(40 hex digits)" });

export const chainSchema = z
  .object({
    rpcUrl: z.url({ protocol: /^(https?|wss?)$/, error: "must be an http(s) or ws(s) URL of the chain's JSON-RPC endpoint" }),
    guardianAddress: address,
    consortiumSafeAddress: address,
    /**
     * Where approvals are recorded; the watcher needs it (consortium and drift detectors) and refuses to start
     * without it. Optional here only until every stack's `dsc:chain` carries it.
     */
    tierRulesAddress: address.optional(),
  })
  .strict();
export type ChainSettings = z.output<typeof chainSchema>;

export const guardianArgsSchema = z
  .object({
    owner: ownershipSchema,
    image: imageRefSchema,
    chain: chainSchema,
    resources: resourcesSchema.default({ cpuRequest: "100m", cpuLimit: "500m", memoryRequest: "128Mi", memoryLimit: "512Mi" }),
  })
  .strict();
export type GuardianSettings = z.output<typeof guardianArgsSchema>;

/** Another region's replication data API, polled for its status (`beta` = `http://…:8080`). */
export interface ReplicationPeer {
  name: string;
  url: string;
}

/** Where the watcher reaches replication nodes: its own region's, and the peers' (resolved outputs). */
export interface ReplicationWiring {
  url?: string;
  peers: readonly ReplicationPeer[];
}

/** An agent key is a secp256k1 private key as 0x-prefixed hex; checked inside the secret so it is never printed. */
export function agentKeyProblem(key: string): string | undefined {
  return /^0x[0-9a-fA-F]{64}$/.test(key) ? undefined : "the agent key must be a 0x-prefixed 32-byte hex private key";
}

export function guardianNames(region: string) {
  return {
    namespace: `dsc-guardian-${region}`,
    config: "guardian-watcher-config",
    secret: "guardian-agent-key",
    tokenSecret: "guardian-replication-token",
    clusterRole: `dsc-guardian-watcher-${region}`,
  };
}

/**
 * The watcher's non-secret settings, exposed as environment variables through a ConfigMap; the names are the
 * watcher's own (services/watcher/src/config.ts). Without its region's replication endpoint the replication
 * detector is left out rather than started without a node to poll.
 */
export function watcherConfigData(s: GuardianSettings, replication: ReplicationWiring): Record<string, string> {
  const detectors = replication.url === undefined ? ["drift", "consortium"] : ["drift", "replication", "consortium"];
  return {
    DSC_REGION: s.owner.region,
    DSC_LISTEN: `0.0.0.0:${HTTP_PORT}`,
    DSC_STATE_DIR: STATE_DIR,
    DSC_DETECTORS: detectors.join(","),
    DSC_CHAIN_RPC_URL: s.chain.rpcUrl,
    DSC_GUARDIAN_ADDRESS: s.chain.guardianAddress,
    DSC_CONSORTIUM_SAFE_ADDRESS: s.chain.consortiumSafeAddress,
    ...(s.chain.tierRulesAddress === undefined ? {} : { DSC_TIER_RULES_ADDRESS: s.chain.tierRulesAddress }),
    ...(replication.url === undefined ? {} : { DSC_REPLICATION_URL: replication.url }),
    ...(replication.peers.length === 0 ? {} : { DSC_PEER_REPLICATION_URLS: replication.peers.map((p) => `${p.name}=${p.url}`).join(",") }),
  };
}

/** Environment set on the container itself: the files mounted from Secrets (`token`: a status token is mounted). */
export function watcherFileEnv(token: boolean): Array<{ name: string; value: string }> {
  const env = [{ name: "DSC_AGENT_KEY_FILE", value: `${AGENT_KEY_DIR}/${AGENT_KEY_FILE}` }];
  if (token) env.push({ name: "DSC_REPLICATION_TOKEN_FILE", value: `${REPLICATION_TOKEN_DIR}/${REPLICATION_TOKEN_FILE}` });
  return env;
}

/**
 * Read-only access to what a watcher compares with the approved manifest: workloads, their services, policies and
 * config, listed and watched (services/watcher/src/cluster.ts, WATCHED_KINDS). Secrets are deliberately excluded;
 * no verb writes.
 */
export function watcherRbacRules(): k8s.types.input.rbac.v1.PolicyRule[] {
  const readOnly = ["get", "list", "watch"];
  return [
    { apiGroups: [""], resources: ["namespaces", "pods", "services", "configmaps", "serviceaccounts", "persistentvolumeclaims"], verbs: readOnly },
    { apiGroups: ["apps"], resources: ["deployments", "statefulsets", "daemonsets", "replicasets"], verbs: readOnly },
    { apiGroups: ["batch"], resources: ["jobs", "cronjobs"], verbs: readOnly },
    { apiGroups: ["networking.k8s.io"], resources: ["networkpolicies"], verbs: readOnly },
    { apiGroups: ["policy"], resources: ["poddisruptionbudgets"], verbs: readOnly },
    { apiGroups: ["rbac.authorization.k8s.io"], resources: ["roles", "rolebindings", "clusterroles", "clusterrolebindings"], verbs: readOnly },
  ];
}
