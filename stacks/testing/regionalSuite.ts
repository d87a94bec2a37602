import { providerName, single } from "../../components/testing/mockRuntime";
import { MockedResource, MockedStackRun, deployTimeTestConfig, runMockedStack } from "./runMockedStack";

/** What one regional stack must build, checked by the same suite for alpha, beta and gamma. */
export interface RegionalExpectations {
  region: "alpha" | "beta" | "gamma";
  dsp: string;
  /** Type-token prefix of the region's cloud (`aws:`), and the cluster resource type. */
  cloudPrefix: string;
  clusterType: string;
  /** The cloud provider resource's type and the location it must be pinned to. */
  providerType: string;
  location: { key: string; value: string };
  /** Hardening the cluster resource must carry (a `toMatchObject` pattern on its inputs). */
  clusterHardening: Record<string, unknown>;
  /** Hardening other resources must carry: every resource of `type` matches `inputs` (and there is one at least). */
  resourceHardening?: { type: string; inputs: Record<string, unknown> }[];
  peers: [string, string];
  /** A config override that puts the cluster outside the region's geography, and the error it must raise. */
  wrongGeography: { config: Record<string, string>; error: RegExp };
}

const CLOUD_PREFIXES = ["aws:", "azure-native:", "gcp:"];

const containerEnv = (run: MockedStackRun, kind: string, name: string): string | undefined => {
  const workload = single(run.resources, kind).inputs as { spec: { template: { spec: { containers: { env: { name: string; value?: string }[] }[] } } } };
  return workload.spec.template.spec.containers[0].env.find((e) => e.name === name)?.value;
};

/** The mocked-program suite for one regional stack, run with that stack's own Pulumi.<stack>.yaml. */
export function regionalStackSuite(x: RegionalExpectations): void {
  const [peerA, peerB] = x.peers;
  const peerUrl = (r: string) => `wss://peer.${r}.dsc-federation.org:7070`;

  describe(`${x.region} stack (Pulumi.${x.region}.yaml) under the mock runtime`, () => {
    let run: MockedStackRun;
    let cloud: MockedResource[];
    beforeAll(async () => {
      run = await runMockedStack(x.region, { peers: { [peerA]: { replicationPeerEndpoint: peerUrl(peerA) }, [peerB]: { replicationPeerEndpoint: peerUrl(peerB) } } });
      cloud = run.resources.filter((r) => r.type.startsWith(x.cloudPrefix));
    });

    it("builds exactly one cluster, on its own cloud, in its own location, and nothing on any other cloud", () => {
      single(run.resources, x.clusterType);
      const others = run.resources.filter((r) => CLOUD_PREFIXES.some((p) => p !== x.cloudPrefix && r.type.startsWith(p)));
      expect(others.map((r) => r.type)).toEqual([]);
      const provider = single(run.resources, x.providerType);
      expect(provider.inputs[x.location.key]).toBe(x.location.value);
      expect(new Set(cloud.map(providerName))).toEqual(new Set([provider.name]));
      expect(run.outputs).toMatchObject({ region: x.region, dsp: x.dsp, location: x.location.value });
    });

    it("hardens the cluster as configured and reports no hardening switched off", () => {
      expect(single(run.resources, x.clusterType).inputs).toMatchObject(x.clusterHardening);
      for (const { type, inputs } of x.resourceHardening ?? []) {
        const found = run.resources.filter((r) => r.type === type);
        expect(found.length).toBeGreaterThan(0);
        for (const r of found) expect(r.inputs).toMatchObject(inputs);
      }
      expect(run.outputs.hardeningExceptions).toEqual([]);
    });

    it("installs replication and watchers through this region's Kubernetes provider only", () => {
      const workloads = run.resources.filter((r) => r.type.startsWith("kubernetes:"));
      expect(workloads.length).toBeGreaterThanOrEqual(15);
      expect(new Set(workloads.map(providerName))).toEqual(new Set([`${x.region}-k8s`]));
      const namespaces = workloads.filter((r) => r.type === "kubernetes:core/v1:Namespace").map((r) => (r.inputs.metadata as { name: string }).name);
      expect(namespaces.sort()).toEqual([`dsc-guardian-${x.region}`, `dsc-replication-${x.region}`]);
      expect(containerEnv(run, "kubernetes:apps/v1:Deployment", "DSC_AGENT_KEY_FILE")).toBe("/etc/dsc/agent/agent-key");
    });

    it("runs the watcher's replication detector on this region's own node, with the status token in its own Secret", () => {
      const data = single(run.resources, "kubernetes:core/v1:ConfigMap").inputs.data as Record<string, string>;
      expect(data.DSC_REPLICATION_URL).toBe(run.outputs.replicationEndpoint);
      expect(data.DSC_DETECTORS.split(",")).toContain("replication");
      // The peers' data APIs are ClusterIP in their own clusters: nothing reachable to pass.
      expect(data.DSC_PEER_REPLICATION_URLS).toBeUndefined();
      const tokenSecret = run.resources.find((r) => r.name === `${x.region}-guardian-replication-token`);
      expect(tokenSecret?.type).toBe("kubernetes:core/v1:Secret");
      expect(JSON.stringify(tokenSecret?.inputs.stringData)).toContain(deployTimeTestConfig(x.region)["dsc:watcherReplicationToken"]);
      expect(Object.values(data).join(" ")).not.toContain(deployTimeTestConfig(x.region)["dsc:watcherReplicationToken"]);
      expect(containerEnv(run, "kubernetes:apps/v1:Deployment", "DSC_REPLICATION_TOKEN_FILE")).toBe("/etc/dsc/replication/token");
    });

    it("gives each of the region's three replicas its own peer certificate and key, the keys kept secret", () => {
      const given = deployTimeTestConfig(x.region);
      const certs = (JSON.parse(given["dsc:replicationTlsCerts"]) as Record<string, string[]>)[x.region];
      const keys = (JSON.parse(given["dsc:replicationTlsKeys"]) as Record<string, string[]>)[x.region];
      const tls = run.resources.find((r) => r.name === `${x.region}-replication-tls`)?.inputs.stringData as { value: Record<string, string> };
      expect(JSON.stringify(tls)).toContain("1b47061264138c4ac30d75fd1eb44270"); // Pulumi's secret signature
      expect(tls.value).toEqual({ "ca.crt": given["dsc:replicationCaCert"], "tls-0.crt": certs[0], "tls-0.key": keys[0], "tls-1.crt": certs[1], "tls-1.key": keys[1], "tls-2.crt": certs[2], "tls-2.key": keys[2] });
      expect(new Set(certs).size).toBe(3);
    });

    it("wires both peers from their stack references", () => {
      const refs = run.resources.filter((r) => r.type === "pulumi:pulumi:StackReference").map((r) => r.inputs.name);
      expect(refs.sort()).toEqual([`organization/dsc-federation/${peerA}`, `organization/dsc-federation/${peerB}`]);
      const peers = containerEnv(run, "kubernetes:apps/v1:StatefulSet", "DSC_PEERS") ?? "";
      expect(peers).toContain(`${peerA}=${peerUrl(peerA)}`);
      expect(peers).toContain(`${peerB}=${peerUrl(peerB)}`);
      expect(run.outputs).toMatchObject({ wiredPeers: [peerA, peerB], missingPeers: [] });
    });

    it("exports the replication endpoints, the cluster name and a secret kubeconfig", () => {
      expect(run.outputs.replicationPeerEndpoint).toBe(peerUrl(x.region));
      // The data API stays inside the cluster (ClusterIP); only the peer endpoint is published.
      expect(run.outputs.replicationEndpoint).toBe(`http://replication-api.dsc-replication-${x.region}.svc.cluster.local:8080`);
      expect(typeof run.outputs.clusterName).toBe("string");
      expect(run.secretOutputNames).toEqual(["kubeconfig"]);
    });

    it("tolerates a peer that has not been deployed yet and reports it", async () => {
      const partial = await runMockedStack(x.region, { peers: { [peerA]: { replicationPeerEndpoint: peerUrl(peerA) }, [peerB]: undefined } });
      expect(partial.outputs.wiredPeers).toEqual([peerA]);
      expect(partial.outputs.missingPeers).toEqual([expect.objectContaining({ region: peerB, reason: expect.stringContaining("not deployed") })]);
      const peers = containerEnv(partial, "kubernetes:apps/v1:StatefulSet", "DSC_PEERS") ?? "";
      expect(peers).not.toContain(`${peerB}=`);
      expect(peers.split(",")).toHaveLength(3 + 1);
    });

    it("refuses a cluster outside the region's geography, naming the key", async () => {
      await expect(runMockedStack(x.region, { config: x.wrongGeography.config })).rejects.toThrow(x.wrongGeography.error);
    });

    it("refuses to run without the deploy-time secrets and addresses, saying how to set them", async () => {
      await expect(runMockedStack(x.region, { deployTimeConfig: false })).rejects.toThrow(
        new RegExp(
          `dsc:chain: missing; set the consortium's contracts[\\s\\S]*dsc:replicationPeerSecret: missing; set the peers' shared secret` +
            `[\\s\\S]*dsc:watcherReplicationToken: missing; mint one with the federation's token signing key: npm run replication:token -- --key-file` +
            `[\\s\\S]*dsc:watcherAgentKeys\\.${x.region}: missing; set it: pulumi config set --secret`,
        ),
      );
    });
  });
}
