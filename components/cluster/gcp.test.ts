import * as gcp from "@pulumi/gcp";
import { CLOUD_TAG_KEYS } from "../labels";
import { providerName, runWithMocks, single } from "../testing/mockRuntime";
import { parseArgs } from "../validation";
import { GcpCluster, GcpClusterArgs, gcpClusterArgsSchema, gcpHardeningExceptions, gcpSettingsSchema } from "./gcp";

const validArgs = (): GcpClusterArgs => ({
  owner: { region: "gamma", dsp: "dsp-3" },
  kubernetesVersion: "1.33",
  nodePools: [{ name: "general", machineType: "e2-standard-4", minSize: 1, maxSize: 3 }],
  gcp: { project: "dsc-test-gamma", projectNumber: "123456789", region: "asia-southeast1", masterAuthorizedCidrs: ["192.0.2.0/24"] },
});

const gkeState = (a: { type: string; name: string; inputs: Record<string, unknown> }) =>
  a.type === "gcp:container/cluster:Cluster"
    ? { ...a.inputs, name: a.name, endpoint: "10.30.0.2", masterAuth: { clusterCaCertificate: "Q0E=" } }
    : { ...a.inputs, name: a.inputs.name ?? a.name, email: `${a.name}@example.iam.gserviceaccount.com` };

function build(args: GcpClusterArgs) {
  return runWithMocks(
    () => {
      const gcpProvider = new gcp.Provider("test-gcp", { project: "dsc-test-gamma", region: "asia-southeast1" });
      const cluster = new GcpCluster("t", args, { gcpProvider });
      return { kubeconfig: cluster.kubeconfig };
    },
    { project: "components", stack: "gcp", state: gkeState },
  );
}

describe("GcpCluster under the mock runtime", () => {
  let run: Awaited<ReturnType<typeof build>>;
  beforeAll(async () => {
    run = await build(validArgs());
  });

  it("builds a private, shielded, workload-identity GKE cluster on a release channel with KMS secrets encryption", () => {
    const gke = single(run.resources, "gcp:container/cluster:Cluster");
    expect(gke.inputs).toMatchObject({
      location: "asia-southeast1",
      privateClusterConfig: { enablePrivateNodes: true },
      workloadIdentityConfig: { workloadPool: "dsc-test-gamma.svc.id.goog" },
      enableShieldedNodes: true,
      releaseChannel: { channel: "REGULAR" },
      databaseEncryption: { state: "ENCRYPTED" },
      ipAllocationPolicy: { clusterSecondaryRangeName: "pods", servicesSecondaryRangeName: "services" },
      removeDefaultNodePool: true,
    });
    expect(single(run.resources, "gcp:kms/cryptoKey:CryptoKey").inputs.rotationPeriod).toBe("7776000s");
    expect(single(run.resources, "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember").inputs.member).toBe(
      "serviceAccount:service-123456789@container-engine-robot.iam.gserviceaccount.com",
    );
  });

  it("runs a separately managed autoscaled node pool with shielded nodes and the GKE metadata server", () => {
    const pool = single(run.resources, "gcp:container/nodePool:NodePool");
    expect(pool.inputs).toMatchObject({
      autoscaling: { minNodeCount: 1, maxNodeCount: 3 },
      nodeConfig: { shieldedInstanceConfig: { enableSecureBoot: true, enableIntegrityMonitoring: true }, workloadMetadataConfig: { mode: "GKE_METADATA" } },
    });
    const nodeConfig = pool.inputs.nodeConfig as { serviceAccount: string; oauthScopes: string[] };
    const account = single(run.resources, "gcp:serviceaccount/account:Account").inputs as { accountId: string; project: string };
    expect(nodeConfig.serviceAccount).toBe(`${account.accountId}@${account.project}.iam.gserviceaccount.com`);
    expect(nodeConfig.oauthScopes.sort()).toEqual(["devstorage.read_only", "logging.write", "monitoring"].map((s) => `https://www.googleapis.com/auth/${s}`));
    expect(single(run.resources, "gcp:compute/subnetwork:Subnetwork").inputs.secondaryIpRanges).toEqual([
      { rangeName: "pods", ipCidrRange: "10.32.0.0/14" },
      { rangeName: "services", ipCidrRange: "10.36.0.0/20" },
    ]);
  });

  it("uses only the GCP provider it was given and labels what takes labels", () => {
    const gcpResources = run.resources.filter((r) => r.type.startsWith("gcp:"));
    expect(new Set(gcpResources.map(providerName))).toEqual(new Set(["test-gcp"]));
    const labels = { [CLOUD_TAG_KEYS.region]: "gamma", [CLOUD_TAG_KEYS.dsp]: "dsp-3", [CLOUD_TAG_KEYS.consortium]: "dsc" };
    expect(single(run.resources, "gcp:container/cluster:Cluster").inputs.resourceLabels).toEqual(labels);
    expect(single(run.resources, "gcp:kms/cryptoKey:CryptoKey").inputs.labels).toEqual(labels);
    expect((single(run.resources, "gcp:container/nodePool:NodePool").inputs.nodeConfig as { resourceLabels: unknown }).resourceLabels).toEqual(labels);
  });

  it("exports a secret kubeconfig that authenticates through gke-gcloud-auth-plugin", () => {
    expect(run.secretOutputNames).toEqual(["kubeconfig"]);
    expect(JSON.parse(run.outputs.kubeconfig).users[0].user.exec.command).toBe("gke-gcloud-auth-plugin");
  });
});

describe("GcpCluster argument validation", () => {
  const parse = (patch: (a: GcpClusterArgs) => void) => {
    const a = validArgs();
    patch(a);
    return () => parseArgs("GcpCluster", gcpClusterArgsSchema, a);
  };
  it("rejects a region outside Asia", () => {
    expect(parse((a) => (a.gcp.region = "europe-west1" as never))).toThrow(/gcp\.region: "europe-west1" is not an Asian GCP region; use one of asia-east1/);
  });
  it("rejects a Kubernetes version below the floor and a malformed one", () => {
    expect(parse((a) => (a.kubernetesVersion = "1.29"))).toThrow(/kubernetesVersion: Kubernetes 1\.29 is below the supported floor/);
    expect(parse((a) => (a.kubernetesVersion = "1.33.2"))).toThrow(/kubernetesVersion: must look like "1\.33"/);
  });
  it("rejects a pool whose minimum is above its maximum, and an empty pool list", () => {
    expect(parse((a) => (a.nodePools[0] = { ...a.nodePools[0], minSize: 4 }))).toThrow(/nodePools\[0\]\.minSize: minSize 4 is above maxSize 3/);
    expect(parse((a) => (a.nodePools = []))).toThrow(/nodePools: define at least one node pool/);
  });
  it("names the hardening switches config turned off", () => {
    const s = gcpSettingsSchema.parse({ ...validArgs().gcp, privateNodes: false, shieldedNodes: false });
    expect(gcpHardeningExceptions(s)).toEqual(["gcp.privateNodes", "gcp.shieldedNodes"]);
  });
});
