import { parseArgs } from "../validation";
import { defaultDenySpec } from "../workload/networkPolicy";
import {
  ReplicationSettings,
  certificatePemSchema,
  formatPeers,
  jwksSchema,
  networkPolicySpec,
  peerCertificateNames,
  peerUrl,
  perReplicaSchema,
  replicationArgsSchema,
  replicationEnv,
  sameRegionPeers,
  tlsSecretKeys,
} from "./spec";

const settings = (over: Partial<Record<string, unknown>> = {}): unknown => ({
  owner: { region: "alpha", dsp: "dsp-1" },
  image: "ghcr.io/dsc-federation/replication:0.1.0",
  replicas: 3,
  storage: { size: "20Gi" },
  peerExposure: "loadBalancer",
  peerHostname: "peer.alpha.example.org",
  peerSourceRanges: ["192.0.2.32/28"],
  ...over,
});

describe("replication settings", () => {
  it("refuses zero replicas, naming the key and the fix", () => {
    expect(() => parseArgs("ReplicationLayer", replicationArgsSchema, settings({ replicas: 0 }))).toThrow(/replicas: must be at least 1 .*set replicas: 3/);
  });
  it("needs a published hostname for a load-balanced peer endpoint", () => {
    expect(() => parseArgs("ReplicationLayer", replicationArgsSchema, settings({ peerHostname: undefined }))).toThrow(/peerHostname: .*set replication\.peerHostname/);
  });
  it("refuses an image on latest", () => {
    expect(() => parseArgs("ReplicationLayer", replicationArgsSchema, settings({ image: "ghcr.io/x/replication:latest" }))).toThrow(/image: .*uses "latest"/);
  });
  it("derives the peer URL from the hostname, or from in-cluster DNS without a load balancer", () => {
    const lb = replicationArgsSchema.parse(settings()) as ReplicationSettings;
    expect(peerUrl(lb)).toBe("wss://peer.alpha.example.org:7070");
    const local = replicationArgsSchema.parse(settings({ peerExposure: "clusterIp", peerHostname: undefined })) as ReplicationSettings;
    expect(peerUrl(local)).toBe("wss://replication-peer.dsc-replication-alpha.svc.cluster.local:7070");
  });
});

describe("peer wiring", () => {
  it("lists every replica of the region through the headless Service", () => {
    expect(sameRegionPeers("beta", 2)).toEqual([
      { name: "beta-0", url: "wss://replication-0.replication-headless.dsc-replication-beta.svc.cluster.local:7070" },
      { name: "beta-1", url: "wss://replication-1.replication-headless.dsc-replication-beta.svc.cluster.local:7070" },
    ]);
  });
  it("formats DSC_PEERS as comma-separated name=url pairs", () => {
    expect(formatPeers([{ name: "a", url: "wss://h1:7070" }, { name: "b", url: "wss://h2:7070" }])).toBe("a=wss://h1:7070,b=wss://h2:7070");
  });
  it("refuses duplicate names and URLs that are not wss://host:port", () => {
    expect(() => formatPeers([{ name: "a", url: "wss://h:7070" }, { name: "a", url: "wss://k:7070" }])).toThrow(/peer name "a" appears twice/);
    expect(() => formatPeers([{ name: "a", url: "ws://h:7070" }])).toThrow(/must look like wss:/);
    expect(() => formatPeers([{ name: "a", url: "http://h:7070" }])).toThrow(/must look like wss:\/\/host:7070 \(peer links are TLS only\)/);
  });
  it("sets the environment the replication service reads, deriving the replica from the pod index", () => {
    const env = replicationEnv("gamma", "x=wss://h:7070");
    expect(Object.fromEntries(env.map((e) => [e.name, e.value ?? e.valueFrom]))).toEqual({
      DSC_REGION: "gamma",
      DSC_REPLICA: { fieldRef: { fieldPath: "metadata.labels['apps.kubernetes.io/pod-index']" } },
      DSC_API_LISTEN: "0.0.0.0:8080",
      DSC_PEER_LISTEN: "0.0.0.0:7070",
      DSC_PEERS: "x=wss://h:7070",
      DSC_DATA_DIR: "/data",
      DSC_SECRET_FILE: "/etc/dsc/peer/peer-secret",
      DSC_AUTH_KEYS_FILE: "/etc/dsc/auth/jwks.json",
      DSC_TLS_CERT_FILE: "/etc/dsc/tls/tls-$(DSC_REPLICA).crt",
      DSC_TLS_KEY_FILE: "/etc/dsc/tls/tls-$(DSC_REPLICA).key",
      DSC_TLS_CA_FILE: "/etc/dsc/tls/ca.crt",
    });
  });
  it("admits the data API from pods in the cluster only, and the peer port from own replicas and the peers' ranges", () => {
    const lb = replicationArgsSchema.parse(settings({ peerSourceRanges: ["192.0.2.32/28", "192.0.2.48/28"] })) as ReplicationSettings;
    const spec = networkPolicySpec(lb);
    expect(spec.policyTypes).toEqual(["Ingress"]);
    expect(spec.ingress).toEqual([
      { ports: [{ port: 8080, protocol: "TCP" }], from: [{ namespaceSelector: {} }] },
      {
        ports: [{ port: 7070, protocol: "TCP" }],
        from: [{ podSelector: { matchLabels: { "app.kubernetes.io/name": "replication" } } }, { ipBlock: { cidr: "192.0.2.32/28" } }, { ipBlock: { cidr: "192.0.2.48/28" } }],
      },
    ]);
    expect(defaultDenySpec()).toEqual({ podSelector: {}, policyTypes: ["Ingress"] });
  });
  it("admits in-cluster peers' replication pods when there is no load balancer", () => {
    const local = replicationArgsSchema.parse(settings({ peerExposure: "clusterIp", peerHostname: undefined, peerSourceRanges: undefined })) as ReplicationSettings;
    const peer = (networkPolicySpec(local).ingress as { from: unknown[] }[])[1].from;
    expect(peer).toContainEqual({ namespaceSelector: { matchLabels: { "app.kubernetes.io/name": "replication" } }, podSelector: { matchLabels: { "app.kubernetes.io/name": "replication" } } });
    expect(JSON.stringify(peer)).not.toContain("ipBlock");
  });
  it("refuses peer source ranges that open the port to everyone", () => {
    expect(() => parseArgs("ReplicationLayer", replicationArgsSchema, settings({ peerSourceRanges: ["0.0.0.0/0"] }))).toThrow(/peerSourceRanges\[0\]: a \/0 range admits the whole internet/);
  });
  it("names every DNS name a region's peer certificate must cover", () => {
    expect(peerCertificateNames("beta", "peer.beta.example.org")).toEqual([
      "peer.beta.example.org",
      "replication-peer.dsc-replication-beta.svc.cluster.local",
      "*.replication-headless.dsc-replication-beta.svc.cluster.local",
    ]);
  });
});

describe("token keys (JWKS)", () => {
  const key = (kid: string, extra: Record<string, unknown> = {}) => ({ kty: "EC", crv: "P-256", x: "x".repeat(43), y: "y".repeat(43), kid, alg: "ES256", ...extra });
  it("accepts two public keys during a rotation", () => {
    expect(jwksSchema.parse({ keys: [key("k1"), key("k2")] }).keys).toHaveLength(2);
  });
  it("refuses a private key, two keys with one kid, and a key of another algorithm", () => {
    expect(() => parseArgs("test", jwksSchema, { keys: [key("k1", { d: "secret" })] })).toThrow(/keys\[0\]\.d: is the private key: publish only the public JWK/);
    expect(() => parseArgs("test", jwksSchema, { keys: [key("k1"), key("k1")] })).toThrow(/keys: two keys share a kid/);
    expect(() => parseArgs("test", jwksSchema, { keys: [key("k1", { alg: "RS256" })] })).toThrow(/keys\[0\]\.alg: must be "ES256"/);
  });
});

describe("per-replica peer certificates", () => {
  const cert = (body: string) => `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----\n`;
  const certs = perReplicaSchema(certificatePemSchema);
  it("names the Secret keys: the CA and one certificate and key per ordinal", () => {
    expect(tlsSecretKeys(2)).toEqual(["ca.crt", "tls-0.crt", "tls-0.key", "tls-1.crt", "tls-1.key"]);
  });
  it("takes a list in ordinal order, a single PEM as a list of one", () => {
    expect(certs.parse([cert("AAAA"), cert("BBBB")])).toEqual([cert("AAAA"), cert("BBBB")]);
    expect(certs.parse(cert("AAAA"))).toEqual([cert("AAAA")]);
  });
  it("refuses an empty list and names the replica whose PEM is broken", () => {
    expect(() => parseArgs("test", certs, [])).toThrow(/must hold one PEM per replica/);
    expect(() => parseArgs("test", certs, [cert("AAAA"), "nope"])).toThrow(/\[1\]: must be an X\.509 certificate in PEM/);
    expect(() => parseArgs("test", certs, { a: cert("AAAA") })).toThrow(/must be a PEM, or a list of PEMs in replica order/);
  });
  it("refuses one pair given to two replicas, without showing it", () => {
    expect(() => parseArgs("test", certs, [cert("AAAA"), cert("BBBB"), cert("AAAA")])).toThrow(/\[2\]: is the same as entry 0 \(value not shown\); each replica needs its own, issued with CN <region>-2/);
  });
});
