import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { appSelector } from "../labels";
import { imageRefSchema } from "../workload/image";
import { resourcesSchema } from "../workload/hardening";
import { cidrSchema, ownershipSchema } from "../validation";

/** Ports and paths of the replication service (services/replication). */
export const API_PORT = 8080;
export const PEER_PORT = 7070;
export const DATA_DIR = "/data";
export const SECRET_DIR = "/etc/dsc/peer";
export const SECRET_KEY = "peer-secret";
export const APP = "replication";
/** Where the data API's token keys (JWKS) and the peer TLS material are mounted (interface I1). */
export const AUTH_DIR = "/etc/dsc/auth";
export const AUTH_KEY = "jwks.json";
export const TLS_DIR = "/etc/dsc/tls";
/**
 * Keys of the `<release>-tls` Secret: the federation CA and, per replica ordinal, that node's own certificate and
 * key (a peer certificate's CN is the node name, `<region>-<ordinal>`, so replicas cannot share one).
 */
export const TLS_CA_KEY = "ca.crt";
export const tlsCertKey = (ordinal: number | string): string => `tls-${ordinal}.crt`;
export const tlsKeyKey = (ordinal: number | string): string => `tls-${ordinal}.key`;
export function tlsSecretKeys(replicas: number): string[] {
  return [TLS_CA_KEY, ...Array.from({ length: replicas }, (_, i) => [tlsCertKey(i), tlsKeyKey(i)]).flat()];
}

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
    /** The other regions' egress ranges: the only sources the peer load balancer and NetworkPolicy admit. */
    peerSourceRanges: z
      .array(cidrSchema.refine((c) => !c.endsWith("/0"), { error: "a /0 range admits the whole internet; list the other regions' egress ranges" }))
      .min(1, { error: "list the other regions' egress ranges (CIDRs), e.g. [198.51.100.0/24]" })
      .optional(),
  })
  .strict();

export const replicationArgsSchema = replicationConfigSchema
  .extend({ owner: ownershipSchema, image: imageRefSchema, peerExposure: z.enum(["loadBalancer", "clusterIp"]) })
  .refine((a) => a.peerExposure !== "loadBalancer" || a.peerHostname !== undefined, {
    error: "a load-balanced peer endpoint needs the DNS name the DSP publishes for it; set replication.peerHostname",
    path: ["peerHostname"],
  })
  .refine((a) => a.peerExposure !== "loadBalancer" || a.peerSourceRanges !== undefined, {
    error: "a load-balanced peer endpoint is open to the internet without source ranges; set replication.peerSourceRanges to the other regions' egress CIDRs",
    path: ["peerSourceRanges"],
  });
export type ReplicationSettings = z.output<typeof replicationArgsSchema>;

const pem = (label: string, what: string) =>
  z.string().regex(new RegExp(`^-----BEGIN ${label}-----\\r?\\n[A-Za-z0-9+/=\\r\\n]+-----END ${label}-----\\r?\\n?$`), {
    error: `must be ${what} in PEM (-----BEGIN ${label}-----); scripts/pki.ts issues them`,
  });
/** The federation CA's certificate and a region's peer certificate: public, may sit in plain config. */
export const certificatePemSchema = pem("CERTIFICATE", "an X.509 certificate");
/** A region's peer private key, PKCS#8: only ever in secret config. */
export const privateKeyPemSchema = pem("PRIVATE KEY", "a PKCS#8 private key (value not shown)");

/** A region's per-replica values in ordinal order; a single value stands for a one-replica region's list. */
export function asReplicaList<T>(value: T | T[] | undefined): T[] {
  return Array.isArray(value) ? value : value === undefined ? [] : [value];
}
/** One PEM per replica (`<region>-0`, `<region>-1`, …): node certificates cannot be shared, their CN is the node. */
export const perReplicaSchema = (item: z.ZodString) =>
  z.preprocess(
    // Only a single string stands for a list of one; anything else that is no list is refused as it is.
    (value) => (typeof value === "string" ? [value] : value),
    z
      .array(item, { error: "must be a PEM, or a list of PEMs in replica order (one per replica)" })
      .min(1, { error: "must hold one PEM per replica" })
      .max(9, { error: "must hold at most 9 PEMs (replicas is at most 9)" })
      .superRefine((pems, ctx) => {
        // The same pair for two replicas: the second would refuse to start (its CN names the first).
        pems.forEach((pem, i) => {
          const first = pems.indexOf(pem);
          if (first < i) ctx.addIssue({ code: "custom", path: [i], message: `is the same as entry ${first} (value not shown); each replica needs its own, issued with CN <region>-${i}` });
        });
      }),
  );

const base64url = z.string().regex(/^[A-Za-z0-9_-]{43}$/, { error: "must be a 32-byte base64url coordinate" });
/** One public ES256 key data API tokens are verified with (interface I1); a private component is refused. */
export const publicJwkSchema = z
  .object({
    kty: z.literal("EC", { error: 'must be "EC"' }),
    crv: z.literal("P-256", { error: 'must be "P-256"' }),
    x: base64url,
    y: base64url,
    kid: z.string().min(1, { error: "name the key (kid): tokens say which key signed them" }),
    alg: z.literal("ES256", { error: 'must be "ES256"' }),
    use: z.literal("sig").optional(),
    d: z.never({ error: 'is the private key: publish only the public JWK (drop "d"), keep the private one with the token issuer' }).optional(),
  })
  .strict();
/** The JWKS the nodes verify tokens against; two keys during a rotation, never two with one kid. */
export const jwksSchema = z
  .object({ keys: z.array(publicJwkSchema).min(1, { error: "list at least one public key" }).max(4, { error: "at most 4 keys (the current and the next, during a rotation)" }) })
  .strict()
  .refine((j) => new Set(j.keys.map((k) => k.kid)).size === j.keys.length, { error: "two keys share a kid; give each key its own", path: ["keys"] });
export type Jwks = z.output<typeof jwksSchema>;

/** Another node this region's nodes dial: a name (`beta`, `alpha-1`) and a `wss://host:7070` URL (peer links are TLS only). */
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
  apiService: string;
  authSecret: string;
  tlsSecret: string;
}

export function replicationNames(region: string): ReplicationNames {
  return {
    namespace: `dsc-replication-${region}`,
    headless: "replication-headless",
    peerService: "replication-peer",
    statefulSet: APP,
    secret: "replication-peer-credentials",
    apiService: "replication-api",
    // `<release>-auth` and `<release>-tls` (interface I1), the release being the StatefulSet.
    authSecret: `${APP}-auth`,
    tlsSecret: `${APP}-tls`,
  };
}

/** `wss://host:7070`, what the other regions put in their peer lists; known before anything is deployed. */
export function peerUrl(s: ReplicationSettings): string {
  return `wss://${peerHost(s)}:${PEER_PORT}`;
}

/** True for a peer URL the nodes accept: `wss://host:port` (a plain `ws://` link is never wired). */
export function isPeerUrl(url: unknown): url is string {
  return typeof url === "string" && /^wss:\/\/[^\s,=/]+:\d+$/.test(url);
}

/** In-cluster DNS name of the data API's ClusterIP Service: how a region's own clients reach it. */
export function apiHost(region: string): string {
  const names = replicationNames(region);
  return `${names.apiService}.${names.namespace}.svc.cluster.local`;
}

/**
 * DNS names a region's peer certificate must cover: the published peer hostname (if any), the peer Service, and
 * every replica behind the headless Service (same-region peers dial those).
 */
export function peerCertificateNames(region: string, peerHostname?: string): string[] {
  const n = replicationNames(region);
  const inCluster = [`${n.peerService}.${n.namespace}.svc.cluster.local`, `*.${n.headless}.${n.namespace}.svc.cluster.local`];
  return peerHostname === undefined ? inCluster : [peerHostname, ...inCluster];
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
    url: `wss://${n.statefulSet}-${i}.${n.headless}.${n.namespace}.svc.cluster.local:${PEER_PORT}`,
  }));
}

/** `DSC_PEERS`: comma-separated `name=wss://host:7070`; names must be unique. */
export function formatPeers(peers: readonly PeerEndpoint[]): string {
  const seen = new Set<string>();
  for (const p of peers) {
    if (seen.has(p.name)) throw new Error(`ReplicationLayer: peer name "${p.name}" appears twice; each peer needs its own name`);
    if (!isPeerUrl(p.url)) {
      throw new Error(`ReplicationLayer: peer "${p.name}" has URL "${p.url}"; it must look like wss://host:${PEER_PORT} (peer links are TLS only)`);
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
    { name: "DSC_AUTH_KEYS_FILE", value: `${AUTH_DIR}/${AUTH_KEY}` },
    // `$(DSC_REPLICA)` is expanded by the kubelet (it is defined above): each pod reads its own certificate and key.
    { name: "DSC_TLS_CERT_FILE", value: `${TLS_DIR}/${tlsCertKey("$(DSC_REPLICA)")}` },
    { name: "DSC_TLS_KEY_FILE", value: `${TLS_DIR}/${tlsKeyKey("$(DSC_REPLICA)")}` },
    { name: "DSC_TLS_CA_FILE", value: `${TLS_DIR}/${TLS_CA_KEY}` },
  ];
}

export const API_SERVICE_PORT: k8s.types.input.core.v1.ServicePort = { name: "api", port: API_PORT, targetPort: "api", protocol: "TCP" };
export const PEER_SERVICE_PORT: k8s.types.input.core.v1.ServicePort = { name: "peer", port: PEER_PORT, targetPort: "peer", protocol: "TCP" };

/**
 * What the replication pods admit: the data API from pods inside the cluster only (never from outside: its Service
 * is ClusterIP), the peer port from this region's own replicas and from the other regions' egress ranges. Without
 * a load balancer (the local stack) the other regions' nodes are pods too: their replication namespaces are admitted.
 */
export function networkPolicySpec(s: ReplicationSettings): k8s.types.input.networking.v1.NetworkPolicySpec {
  const peerSources: k8s.types.input.networking.v1.NetworkPolicyPeer[] = [
    { podSelector: { matchLabels: appSelector(APP) } },
    ...(s.peerSourceRanges ?? []).map((cidr) => ({ ipBlock: { cidr } })),
    ...(s.peerExposure === "clusterIp" ? [{ namespaceSelector: { matchLabels: appSelector(APP) }, podSelector: { matchLabels: appSelector(APP) } }] : []),
  ];
  return {
    podSelector: { matchLabels: appSelector(APP) },
    policyTypes: ["Ingress"],
    ingress: [
      { ports: [{ port: API_PORT, protocol: "TCP" }], from: [{ namespaceSelector: {} }] },
      { ports: [{ port: PEER_PORT, protocol: "TCP" }], from: peerSources },
    ],
  };
}
