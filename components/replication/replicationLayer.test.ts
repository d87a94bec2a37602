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
  peerSourceRanges: ["192.0.2.16/28", "192.0.2.48/28"],
};
const PEM = (kind: string) => `-----BEGIN ${kind}-----\nAAAA\n-----END ${kind}-----\n`;

function build(s: unknown) {
  return runWithMocks(
    () => {
      const provider = new k8s.Provider("beta-k8s", { kubeconfig: "{}" });
      const layer = new ReplicationLayer(
        "beta-replication",
        {
          settings: s,
          remotePeers: [{ name: "alpha", url: "wss://peer.alpha.example.org:7070" }],
          peerSecret: pulumi.secret("s".repeat(40)),
          authKeys: '{"keys":[]}',
          tls: { caCert: PEM("CERTIFICATE"), cert: PEM("CERTIFICATE"), key: PEM("PRIVATE KEY") },
        },
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
      ["Namespace", "NetworkPolicy", "NetworkPolicy", "PodDisruptionBudget", "Secret", "Secret", "Secret", "Service", "Service", "Service", "ServiceAccount", "StatefulSet"].sort(),
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
    expect(peers).toContain("alpha=wss://peer.alpha.example.org:7070");
    expect(peers.split(",").every((p: string) => /^[\w-]+=wss:\/\//.test(p))).toBe(true);
  });

  it("mounts the token JWKS and the peer TLS material as interface I1 names them, and points the node at them", () => {
    const sts = single(run.resources, "kubernetes:apps/v1:StatefulSet").inputs as any; // eslint-disable-line @typescript-eslint/no-explicit-any
    const pod = sts.spec.template.spec;
    const c = pod.containers[0];
    const env = Object.fromEntries(c.env.map((e: { name: string; value?: string }) => [e.name, e.value]));
    expect(env).toMatchObject({
      DSC_AUTH_KEYS_FILE: "/etc/dsc/auth/jwks.json",
      DSC_TLS_CERT_FILE: "/etc/dsc/tls/tls.crt",
      DSC_TLS_KEY_FILE: "/etc/dsc/tls/tls.key",
      DSC_TLS_CA_FILE: "/etc/dsc/tls/ca.crt",
    });
    const mountOf = (volume: string) => c.volumeMounts.find((m: { name: string }) => m.name === volume);
    expect(mountOf("auth")).toEqual({ name: "auth", mountPath: "/etc/dsc/auth", readOnly: true });
    expect(mountOf("tls")).toEqual({ name: "tls", mountPath: "/etc/dsc/tls", readOnly: true });
    const volume = (name: string) => pod.volumes.find((v: { name: string }) => v.name === name).secret;
    expect(volume("auth")).toMatchObject({ secretName: "replication-auth", items: [{ key: "jwks.json", path: "jwks.json" }] });
    expect(volume("tls").secretName).toBe("replication-tls");
    expect(volume("tls").items.map((i: { key: string }) => i.key).sort()).toEqual(["ca.crt", "tls.crt", "tls.key"]);
    const tls = run.resources.find((r) => r.name === "beta-replication-tls")!.inputs as any; // eslint-disable-line @typescript-eslint/no-explicit-any
    // The Kubernetes SDK marks a Secret's stringData secret as a whole (Pulumi's secret signature).
    expect(tls.stringData["4dabf18193072939515e22adb298388d"]).toBe("1b47061264138c4ac30d75fd1eb44270");
    expect(Object.keys(tls.stringData.value).sort()).toEqual(["ca.crt", "tls.crt", "tls.key"]);
  });

  it("keeps the data API on a ClusterIP Service and denies every other ingress in the namespace", () => {
    const api = run.resources.find((r) => r.name === "beta-replication-api")!.inputs as any; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(api.spec).toMatchObject({ type: "ClusterIP", ports: [{ name: "api", port: 8080 }] });
    const deny = run.resources.find((r) => r.name === "beta-replication-default-deny")!.inputs as any; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(deny.spec).toEqual({ podSelector: {}, policyTypes: ["Ingress"] });
    expect(deny.metadata.namespace).toBe("dsc-replication-beta");
    expect(run.outputs.apiEndpoint).toBe("http://replication-api.dsc-replication-beta.svc.cluster.local:8080");
  });

  it("exposes only the peer port on a load balancer limited to the other regions' ranges, published under the DSP's hostname", () => {
    const peer = run.resources.find((r) => r.name === "beta-replication-peer")!.inputs as any; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(peer.spec).toMatchObject({ type: "LoadBalancer", loadBalancerSourceRanges: settings.peerSourceRanges, externalTrafficPolicy: "Local" });
    expect(peer.spec.ports).toEqual([{ name: "peer", port: 7070, targetPort: "peer", protocol: "TCP" }]);
    expect(peer.metadata.annotations["external-dns.alpha.kubernetes.io/hostname"]).toBe("peer.beta.example.org");
    expect(run.outputs.peerEndpoint).toBe("wss://peer.beta.example.org:7070");
    const secret = run.resources.find((r) => r.name === "beta-replication-peer-secret")!;
    expect(JSON.stringify(secret.inputs)).toContain("1b47061264138c4ac30d75fd1eb44270"); // Pulumi's secret signature
  });

  it("refuses a load-balanced peer endpoint without source ranges", async () => {
    await expect(build({ ...settings, peerSourceRanges: undefined })).rejects.toThrow(/peerSourceRanges: a load-balanced peer endpoint is open to the internet without source ranges/);
  });

  it("refuses zero replicas, naming the key and the fix", async () => {
    await expect(build({ ...settings, replicas: 0 })).rejects.toThrow(/ReplicationLayer: invalid arguments:\n {2}- replicas: must be at least 1/);
  });
});
