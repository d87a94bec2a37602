import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { K8S_LABEL_KEYS } from "../labels";
import { providerName, runWithMocks, single } from "../testing/mockRuntime";
import { X509Certificate, createPrivateKey } from "crypto";
import { expandEnvRefs } from "../../governance/federation/podProcess";
import { createCa, issueCertificate } from "../../scripts/pki";
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
const PEM = (kind: string, body = "AAAA") => `-----BEGIN ${kind}-----\n${body}\n-----END ${kind}-----\n`;
const perReplica = (kind: string, n: number) => Array.from({ length: n }, (_, i) => PEM(kind, `QUFB${i}`));
const threePairs = { caCert: PEM("CERTIFICATE"), certs: perReplica("CERTIFICATE", 3), keys: perReplica("PRIVATE KEY", 3) };

function build(s: unknown, tls: { caCert: string; certs: string[]; keys: string[] } = threePairs) {
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
          tls: { ...tls, keys: tls.keys.map((k) => pulumi.secret(k)) },
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
      // Each pod reads its own pair: the kubelet expands $(DSC_REPLICA), its pod index, defined before these.
      DSC_TLS_CERT_FILE: "/etc/dsc/tls/tls-$(DSC_REPLICA).crt",
      DSC_TLS_KEY_FILE: "/etc/dsc/tls/tls-$(DSC_REPLICA).key",
      DSC_TLS_CA_FILE: "/etc/dsc/tls/ca.crt",
    });
    const names = c.env.map((e: { name: string }) => e.name);
    expect(names.indexOf("DSC_REPLICA")).toBeLessThan(names.indexOf("DSC_TLS_CERT_FILE"));
    const mountOf = (volume: string) => c.volumeMounts.find((m: { name: string }) => m.name === volume);
    expect(mountOf("auth")).toEqual({ name: "auth", mountPath: "/etc/dsc/auth", readOnly: true });
    expect(mountOf("tls")).toEqual({ name: "tls", mountPath: "/etc/dsc/tls", readOnly: true });
    const volume = (name: string) => pod.volumes.find((v: { name: string }) => v.name === name).secret;
    expect(volume("auth")).toMatchObject({ secretName: "replication-auth", items: [{ key: "jwks.json", path: "jwks.json" }] });
    expect(volume("tls").secretName).toBe("replication-tls");
    const pairKeys = ["ca.crt", "tls-0.crt", "tls-0.key", "tls-1.crt", "tls-1.key", "tls-2.crt", "tls-2.key"];
    expect(volume("tls").items.map((i: { key: string }) => i.key).sort()).toEqual(pairKeys);
    const tls = run.resources.find((r) => r.name === "beta-replication-tls")!.inputs as any; // eslint-disable-line @typescript-eslint/no-explicit-any
    // The Kubernetes SDK marks a Secret's stringData secret as a whole (Pulumi's secret signature).
    expect(tls.stringData["4dabf18193072939515e22adb298388d"]).toBe("1b47061264138c4ac30d75fd1eb44270");
    expect(Object.keys(tls.stringData.value).sort()).toEqual(pairKeys);
    for (const i of [0, 1, 2]) {
      expect(tls.stringData.value[`tls-${i}.crt`]).toBe(threePairs.certs[i]);
      expect(tls.stringData.value[`tls-${i}.key`]).toBe(threePairs.keys[i]);
    }
  });

  it("has each pod, by its ordinal, read the certificate issued for its own node", async () => {
    const ca = await createCa("dsc-test-ca");
    const pairs = await Promise.all([0, 1, 2].map((i) => issueCertificate(ca, { commonName: `beta-${i}`, usages: ["server", "client"] })));
    const real = await build(settings, { caCert: ca.certPem, certs: pairs.map((p) => p.certPem), keys: pairs.map((p) => p.keyPem) });
    const sts = single(real.resources, "kubernetes:apps/v1:StatefulSet").inputs as any; // eslint-disable-line @typescript-eslint/no-explicit-any
    const c = sts.spec.template.spec.containers[0];
    const envOf = (name: string) => c.env.find((e: { name: string }) => e.name === name).value as string;
    const items = sts.spec.template.spec.volumes.find((v: { name: string }) => v.name === "tls").secret.items as { key: string; path: string }[];
    const data = (real.resources.find((r) => r.name === "beta-replication-tls")!.inputs as any).stringData.value; // eslint-disable-line @typescript-eslint/no-explicit-any
    const fileOf = (variable: string, ordinal: number) => {
      const mounted = expandEnvRefs(envOf(variable), { DSC_REPLICA: String(ordinal) }).replace("/etc/dsc/tls/", "");
      return data[items.find((i) => i.path === mounted)!.key] as string;
    };
    for (const i of [0, 1, 2]) {
      const cert = new X509Certificate(fileOf("DSC_TLS_CERT_FILE", i));
      expect(cert.subject).toBe(`CN=beta-${i}`);
      expect(cert.checkPrivateKey(createPrivateKey(fileOf("DSC_TLS_KEY_FILE", i)))).toBe(true);
    }
  });

  it("refuses a certificate or key count that does not match the replicas, naming the fix", async () => {
    await expect(build(settings, { ...threePairs, certs: threePairs.certs.slice(0, 1) })).rejects.toThrow(
      "ReplicationLayer: beta runs 3 replicas but 1 peer certificate is given; give one per replica in ordinal order, replica i's with CN=beta-i",
    );
    await expect(build(settings, { ...threePairs, keys: threePairs.keys.slice(0, 2) })).rejects.toThrow(/beta runs 3 replicas but 2 peer keys are given/);
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
