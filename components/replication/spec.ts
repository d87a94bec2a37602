import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { appSelector } from "../labels";
import { imageRefSchema } from "../workload/image";
import { resourcesSchema } from "../workload/hardening";
import { ownershipSchema } from "../validation";

/** Ports and paths of the replication service (services/replication). */
export const API_PORT = 8080;
export const PEER_PORT = 7070;
export const DATA_DIR = "/data";
export const SECRET_DIR = "/etc/dsc/peer";
export const SECRET_KEY = "peer-secret";
export const APP = "replication";

/** The `dsc:replication` config object: how many nodes, their volumes and resources, and the published peer name. */
export const replicationConfigSchema = z
  .object({
    replicas: z.number().int().min(1, { error: "must be at least 1 (3 survives a node loss); set replicas: 3" }).max(9, { error: "must be at most 9" }),
    storage: z
      .object({
        size: z.string().regex(/^\d+(Mi|Gi|Ti)$/, { error: `must be a volume size like "20Gi"` }),
        className: z.string().min(1).optional(),
      })
      .strict(),
    resources: resourcesSchema.default({ cpuRequest: "250m", cpuLimit: "1", memoryRequest: "256Mi", memoryLimit: "1Gi" }),
    peerHostname: z
      .string()
      .regex(/^([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}$/, { error: "must be a DNS name like peer.alpha.example.org" })
      .optional(),
  })
  .strict();

export const replicationArgsSchema = replicationConfigSchema
  .extend({ owner: ownershipSchema, image: imageRefSchema, peerExposure: z.enum(["loadBalancer", "clusterIp"]) })
  .refine((a) => a.peerExposure !== "loadBalancer" || a.peerHostname !== undefined, {
    error: "a load-balanced peer endpoint needs the DNS name the DSP publishes for it; set replication.peerHostname",
    path: ["peerHostname"],
  });
export type ReplicationSettings = z.output<typeof replicationArgsSchema>;

/** Another node this region's nodes dial: a name (`beta`, `alpha-1`) and a `ws://host:7070` URL. */
export interface PeerEndpoint {
  name: string;
  url: string;
}

export interface ReplicationNames {
  namespace: string;
  headless: string;
  peerService: string;
  statefulSet: string;
  secret: string;
}

export function replicationNames(region: string): ReplicationNames {
  return {
    namespace: `dsc-replication-${region}`,
    headless: "replication-headless",
    peerService: "replication-peer",
    statefulSet: APP,
    secret: "replication-peer-credentials",
  };
}

/** `ws://host:7070`, what the other regions put in their peer lists; known before anything is deployed. */
export function peerUrl(s: ReplicationSettings): string {
  return `ws://${peerHost(s)}:${PEER_PORT}`;
}

/** Host the other regions dial: the published DNS name, or the peer Service's in-cluster name. */
export function peerHost(s: ReplicationSettings): string {
  const names = replicationNames(s.owner.region);
  return s.peerExposure === "loadBalancer" && s.peerHostname !== undefined
    ? s.peerHostname
    : `${names.peerService}.${names.namespace}.svc.cluster.local`;
}

/**
 * The replicas of one region are peers of each other through the headless Service. Every pod gets the same list;
 * a node skips the entry named after itself (`<region>-<ordinal>`).
 */
export function sameRegionPeers(region: string, replicas: number): PeerEndpoint[] {
  const n = replicationNames(region);
  return Array.from({ length: replicas }, (_, i) => ({
    name: `${region}-${i}`,
    url: `ws://${n.statefulSet}-${i}.${n.headless}.${n.namespace}.svc.cluster.local:${PEER_PORT}`,
  }));
}

/** `DSC_PEERS`: comma-separated `name=ws://host:7070`; names must be unique. */
export function formatPeers(peers: readonly PeerEndpoint[]): string {
  const seen = new Set<string>();
  for (const p of peers) {
    if (seen.has(p.name)) throw new Error(`ReplicationLayer: peer name "${p.name}" appears twice; each peer needs its own name`);
    if (!/^ws:\/\/[^\s,=]+:\d+$/.test(p.url)) {
      throw new Error(`ReplicationLayer: peer "${p.name}" has URL "${p.url}"; it must look like ws://host:${PEER_PORT}`);
    }
    seen.add(p.name);
  }
  return peers.map((p) => `${p.name}=${p.url}`).join(",");
}

export function replicationEnv(region: string, peerList: pulumi.Input<string>): k8s.types.input.core.v1.EnvVar[] {
  return [
    { name: "DSC_REGION", value: region },
    // The StatefulSet controller labels each pod with its ordinal (Kubernetes >= 1.28).
    { name: "DSC_REPLICA", valueFrom: { fieldRef: { fieldPath: "metadata.labels['apps.kubernetes.io/pod-index']" } } },
    { name: "DSC_API_LISTEN", value: `0.0.0.0:${API_PORT}` },
    { name: "DSC_PEER_LISTEN", value: `0.0.0.0:${PEER_PORT}` },
    { name: "DSC_PEERS", value: peerList },
    { name: "DSC_DATA_DIR", value: DATA_DIR },
    { name: "DSC_SECRET_FILE", value: `${SECRET_DIR}/${SECRET_KEY}` },
  ];
}

export function servicePorts(): k8s.types.input.core.v1.ServicePort[] {
  return [
    { name: "api", port: API_PORT, targetPort: "api", protocol: "TCP" },
    { name: "peer", port: PEER_PORT, targetPort: "peer", protocol: "TCP" },
  ];
}

/** Admit only the API and peer ports, from anywhere (clients and other regions); everything else is refused. */
export function networkPolicySpec(): k8s.types.input.networking.v1.NetworkPolicySpec {
  return {
    podSelector: { matchLabels: appSelector(APP) },
    policyTypes: ["Ingress"],
    ingress: [{ ports: [{ port: API_PORT, protocol: "TCP" }, { port: PEER_PORT, protocol: "TCP" }] }],
  };
}
