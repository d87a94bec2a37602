import { parseArgs } from "../validation";
import { ReplicationSettings, formatPeers, networkPolicySpec, peerUrl, replicationArgsSchema, replicationEnv, sameRegionPeers } from "./spec";

const settings = (over: Partial<Record<string, unknown>> = {}): unknown => ({
  owner: { region: "alpha", dsp: "dsp-1" },
  image: "ghcr.io/dsc-federation/replication:0.1.0",
  replicas: 3,
  storage: { size: "20Gi" },
  peerExposure: "loadBalancer",
  peerHostname: "peer.alpha.example.org",
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
    expect(peerUrl(lb)).toBe("ws://peer.alpha.example.org:7070");
    const local = replicationArgsSchema.parse(settings({ peerExposure: "clusterIp", peerHostname: undefined })) as ReplicationSettings;
    expect(peerUrl(local)).toBe("ws://replication-peer.dsc-replication-alpha.svc.cluster.local:7070");
  });
});

describe("peer wiring", () => {
  it("lists every replica of the region through the headless Service", () => {
    expect(sameRegionPeers("beta", 2)).toEqual([
      { name: "beta-0", url: "ws://replication-0.replication-headless.dsc-replication-beta.svc.cluster.local:7070" },
      { name: "beta-1", url: "ws://replication-1.replication-headless.dsc-replication-beta.svc.cluster.local:7070" },
    ]);
  });
  it("formats DSC_PEERS as comma-separated name=url pairs", () => {
    expect(formatPeers([{ name: "a", url: "ws://h1:7070" }, { name: "b", url: "ws://h2:7070" }])).toBe("a=ws://h1:7070,b=ws://h2:7070");
  });
  it("refuses duplicate names and URLs that are not ws://host:port", () => {
    expect(() => formatPeers([{ name: "a", url: "ws://h:7070" }, { name: "a", url: "ws://k:7070" }])).toThrow(/peer name "a" appears twice/);
    expect(() => formatPeers([{ name: "a", url: "http://h:7070" }])).toThrow(/must look like ws:\/\/host:7070/);
  });
  it("sets the environment the replication service reads, deriving the replica from the pod index", () => {
    const env = replicationEnv("gamma", "x=ws://h:7070");
    expect(Object.fromEntries(env.map((e) => [e.name, e.value ?? e.valueFrom]))).toEqual({
      DSC_REGION: "gamma",
      DSC_REPLICA: { fieldRef: { fieldPath: "metadata.labels['apps.kubernetes.io/pod-index']" } },
      DSC_API_LISTEN: "0.0.0.0:8080",
      DSC_PEER_LISTEN: "0.0.0.0:7070",
      DSC_PEERS: "x=ws://h:7070",
      DSC_DATA_DIR: "/data",
      DSC_SECRET_FILE: "/etc/dsc/peer/peer-secret",
    });
  });
  it("admits only the API and peer ports", () => {
    expect(networkPolicySpec().ingress).toEqual([{ ports: [{ port: 8080, protocol: "TCP" }, { port: 7070, protocol: "TCP" }] }]);
    expect(networkPolicySpec().policyTypes).toEqual(["Ingress"]);
  });
});
