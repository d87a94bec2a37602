import * as k8s from "@pulumi/kubernetes";
import { z } from "zod";
import { imageRefSchema } from "../workload/image";
import { resourcesSchema } from "../workload/hardening";
import { ownershipSchema } from "../validation";

export const APP = "guardian-watcher";
export const AGENT_KEY_DIR = "/etc/dsc/agent";
export const AGENT_KEY_FILE = "agent-key";

const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, { error: "must be a 20-byte hex address like 0x1234…(40 hex digits)" });

export const chainSchema = z
  .object({
    rpcUrl: z.url({ protocol: /^(https?|wss?)$/, error: "must be an http(s) or ws(s) URL of the chain's JSON-RPC endpoint" }),
    guardianAddress: address,
    consortiumSafeAddress: address,
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

/** An agent key is a secp256k1 private key as 0x-prefixed hex; checked inside the secret so it is never printed. */
export function agentKeyProblem(key: string): string | undefined {
  return /^0x[0-9a-fA-F]{64}$/.test(key) ? undefined : "the agent key must be a 0x-prefixed 32-byte hex private key";
}

export function guardianNames(region: string) {
  return {
    namespace: `dsc-guardian-${region}`,
    config: "guardian-watcher-config",
    secret: "guardian-agent-key",
    clusterRole: `dsc-guardian-watcher-${region}`,
  };
}

/** The watcher's non-secret settings, exposed as environment variables through a ConfigMap. */
export function watcherConfigData(s: GuardianSettings): Record<string, string> {
  return {
    DSC_REGION: s.owner.region,
    DSC_CHAIN_RPC_URL: s.chain.rpcUrl,
    DSC_GUARDIAN_ADDRESS: s.chain.guardianAddress,
    DSC_CONSORTIUM_SAFE_ADDRESS: s.chain.consortiumSafeAddress,
  };
}

/**
 * Read-only access to what a watcher compares with the approved manifest: workloads, their services, policies and
 * config. Secrets are deliberately excluded; no verb writes.
 */
export function watcherRbacRules(): k8s.types.input.rbac.v1.PolicyRule[] {
  const readOnly = ["get", "list", "watch"];
  return [
    { apiGroups: [""], resources: ["namespaces", "pods", "services", "configmaps", "serviceaccounts", "persistentvolumeclaims"], verbs: readOnly },
    { apiGroups: ["apps"], resources: ["deployments", "statefulsets", "daemonsets", "replicasets"], verbs: readOnly },
    { apiGroups: ["networking.k8s.io"], resources: ["networkpolicies"], verbs: readOnly },
    { apiGroups: ["policy"], resources: ["poddisruptionbudgets"], verbs: readOnly },
    { apiGroups: ["rbac.authorization.k8s.io"], resources: ["roles", "rolebindings", "clusterroles", "clusterrolebindings"], verbs: readOnly },
  ];
}
