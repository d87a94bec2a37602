import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { K8S_LABEL_KEYS } from "../labels";
import { providerName, runWithMocks, single } from "../testing/mockRuntime";
import { ReplicationLayer } from "./replicationLayer";

const settings = {
  owner: { region: "beta", dsp: "dsp-2" },
  image: "ghcr.io/dsc-federation/replication@sha256:" + "a".repeat(64),
  replicas: 3,
  storage: { size: "20Gi", className: "premium" },
  peerExposure: "loadBalancer",
  peerHostname: "peer.beta.example.org",
};

function build(s: unknown) {
  return runWithMocks(
    () => {
      const provider = new k8s.Provider("beta-k8s", { kubeconfig: "{}" });
      const layer = new ReplicationLayer(
        "beta-replication",
        { settings: s, remotePeers: [{ name: "alpha", url: "ws://peer.alpha.example.org:7070" }], peerSecret: pulumi.secret("s".repeat(40)) },
        { provider },
      );
      return { peerEndpoint: layer.peerEndpoint, apiEndpoint: layer.apiEndpoint };
    },
    { project: "components", stack: "replication" },
  );
}

describe("ReplicationLayer", () => {
  let run: Awaited<ReturnType<typeof build>>;
  beforeAll(async () => {
    run = await build(settings);
  });
  const kinds = () => run.resources.filter((r) => r.type.startsWith("kubernetes:"));

  it("creates every object through the provider it was given, as children of the component", () => {
    expect(kinds().map((r) => r.type.split(":")[2]).sort()).toEqual(
      ["Namespace", "NetworkPolicy", "PodDisruptionBudget", "Secret", "Service", "Service", "ServiceAccount", "StatefulSet"].sort(),
    );
    for (const r of kinds()) {
      expect(providerName(r)).toBe("beta-k8s");
      expect(r.parent).toMatch(/ReplicationLayer::beta-replication$/);
      expect((r.inputs.metadata as { labels: Record<string, string> }).labels).toMatchObject({ [K8S_LABEL_KEYS.region]: "beta", [K8S_LABEL_KEYS.dsp]: "dsp-2", [K8S_LABEL_KEYS.consortium]: "dsc" });
    }
  });

  it("runs hardened replicas with a volume each and the peers wired in", () => {
    const sts = single(run.resources, "kubernetes:apps/v1:StatefulSet").inputs as any; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(sts.spec.replicas).toBe(3);
    expect(sts.spec.volumeClaimTemplates[0].spec).toMatchObject({ storageClassName: "premium", resources: { requests: { storage: "20Gi" } } });
    const pod = sts.spec.template.spec;
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true });
    const c = pod.containers[0];
    expect(c.image).toBe(settings.image);
    expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } });
    expect(c.resources.requests).toBeDefined();
    expect(c.resources.limits).toBeDefined();
    const peers = c.env.find((e: { name: string }) => e.name === "DSC_PEERS").value;
    expect(peers.split(",")).toHaveLength(4);
    expect(peers).toContain("alpha=ws://peer.alpha.example.org:7070");
  });

  it("exposes the peer port on a load balancer published under the DSP's hostname, and keeps the peer secret secret", () => {
    const peer = run.resources.find((r) => r.name === "beta-replication-peer")!.inputs as any; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(peer.spec.type).toBe("LoadBalancer");
    expect(peer.metadata.annotations["external-dns.alpha.kubernetes.io/hostname"]).toBe("peer.beta.example.org");
    expect(run.outputs.peerEndpoint).toBe("ws://peer.beta.example.org:7070");
    expect(run.outputs.apiEndpoint).toBe("http://peer.beta.example.org:8080");
    const secret = single(run.resources, "kubernetes:core/v1:Secret");
    expect(JSON.stringify(secret.inputs)).toContain("1b47061264138c4ac30d75fd1eb44270"); // Pulumi's secret signature
  });

  it("refuses zero replicas, naming the key and the fix", async () => {
    await expect(build({ ...settings, replicas: 0 })).rejects.toThrow(/ReplicationLayer: invalid arguments:\n {2}- replicas: must be at least 1/);
  });
});
