import * as azure from "@pulumi/azure-native";
import { CLOUD_TAG_KEYS } from "../labels";
import { ofType, providerName, runWithMocks, single } from "../testing/mockRuntime";
import { parseArgs } from "../validation";
import { AzureCluster, AzureClusterArgs, azureClusterArgsSchema, azureHardeningExceptions, azureSettingsSchema } from "./azure";

const validArgs = (): AzureClusterArgs => ({
  owner: { region: "beta", dsp: "dsp-2" },
  kubernetesVersion: "1.33",
  nodePools: [
    { name: "system", machineType: "Standard_D2s_v5", minSize: 2, maxSize: 3 },
    { name: "general", machineType: "Standard_D4s_v5", minSize: 3, maxSize: 6 },
  ],
  azure: { location: "westeurope", adminGroupObjectIds: ["5a7c2e61-3f0b-4d8e-9b1a-2c4d6e8f0a13"] },
});

const credentials = (a: { token: string; inputs: Record<string, unknown> }) =>
  a.token === "azure-native:containerservice:listManagedClusterUserCredentials"
    ? { kubeconfigs: [{ name: "clusterUser", value: Buffer.from(`cluster: ${String(a.inputs.resourceName)}`).toString("base64") }] }
    : a.inputs;

function build(args: AzureClusterArgs) {
  return runWithMocks(
    () => {
      const azureProvider = new azure.Provider("test-azure", { location: "westeurope" });
      const cluster = new AzureCluster("t", args, { azureProvider });
      return { clusterName: cluster.clusterName, kubeconfig: cluster.kubeconfig };
    },
    { project: "components", stack: "azure", call: credentials },
  );
}

describe("AzureCluster under the mock runtime", () => {
  let run: Awaited<ReturnType<typeof build>>;
  beforeAll(async () => {
    run = await build(validArgs());
  });

  it("builds a private AKS cluster with Entra ID and Azure RBAC, no local accounts, and monitoring", () => {
    const aks = single(run.resources, "azure-native:containerservice:ManagedCluster");
    expect(aks.inputs).toMatchObject({
      location: "westeurope",
      kubernetesVersion: "1.33",
      disableLocalAccounts: true,
      aadProfile: { managed: true, enableAzureRBAC: true, adminGroupObjectIDs: ["5a7c2e61-3f0b-4d8e-9b1a-2c4d6e8f0a13"] },
      apiServerAccessProfile: { enablePrivateCluster: true, enablePrivateClusterPublicFQDN: false },
      networkProfile: { networkPolicy: "azure" },
    });
    const workspace = single(run.resources, "azure-native:operationalinsights:Workspace");
    expect((aks.inputs.addonProfiles as Record<string, { enabled: boolean }>).omsagent.enabled).toBe(true);
    expect(workspace.inputs.location).toBe("westeurope");
  });

  it("has an autoscaled system pool and a separate autoscaled user pool", () => {
    const aks = single(run.resources, "azure-native:containerservice:ManagedCluster");
    expect(aks.inputs.agentPoolProfiles).toEqual([expect.objectContaining({ name: "system", mode: "System", enableAutoScaling: true, minCount: 2, maxCount: 3 })]);
    expect(single(run.resources, "azure-native:containerservice:AgentPool").inputs).toMatchObject({ agentPoolName: "general", mode: "User", enableAutoScaling: true, minCount: 3, maxCount: 6 });
  });

  it("uses only the Azure provider it was given and tags what takes tags", () => {
    const azureResources = run.resources.filter((r) => r.type.startsWith("azure-native:"));
    expect(new Set(azureResources.map(providerName))).toEqual(new Set(["test-azure"]));
    for (const r of azureResources.filter((x) => "tags" in x.inputs)) expect(r.inputs.tags).toMatchObject({ [CLOUD_TAG_KEYS.region]: "beta", [CLOUD_TAG_KEYS.consortium]: "dsc" });
    expect(ofType(run.resources, "azure-native:resources:ResourceGroup")[0].inputs.tags).toMatchObject({ [CLOUD_TAG_KEYS.dsp]: "dsp-2" });
  });

  it("with privateCluster off, limits the public API server to the listed ranges", async () => {
    const args = validArgs();
    const open = await build({ ...args, azure: { ...args.azure, privateCluster: false, authorizedIpRanges: ["203.0.113.0/24"] } });
    expect(single(open.resources, "azure-native:containerservice:ManagedCluster").inputs.apiServerAccessProfile).toEqual({ enablePrivateCluster: false, authorizedIPRanges: ["203.0.113.0/24"] });
  });

  it("takes the kubeconfig from the cluster's user credentials, as a secret", () => {
    expect(run.secretOutputNames).toContain("kubeconfig");
    expect(run.outputs.kubeconfig).toBe(`cluster: ${run.outputs.clusterName}`);
  });
});

describe("AzureCluster argument validation", () => {
  const parse = (patch: (a: AzureClusterArgs) => void) => {
    const a = validArgs();
    patch(a);
    return () => parseArgs("AzureCluster", azureClusterArgsSchema, a);
  };
  it("rejects a location outside Europe", () => {
    expect(parse((a) => (a.azure.location = "eastus" as never))).toThrow(/azure\.location: "eastus" is not a European Azure location; use one of westeurope/);
  });
  it("needs a system and a user pool", () => {
    expect(parse((a) => (a.nodePools = a.nodePools.slice(0, 1)))).toThrow(/nodePools: AKS needs a system pool and a user pool/);
  });
  it("rejects a Kubernetes version below the floor", () => {
    expect(parse((a) => (a.kubernetesVersion = "1.30"))).toThrow(/kubernetesVersion: Kubernetes 1\.30 is below the supported floor 1\.31/);
  });
  it("rejects a pool whose minimum is above its maximum", () => {
    expect(parse((a) => (a.nodePools[1] = { ...a.nodePools[1], minSize: 7 }))).toThrow(/nodePools\[1\]\.minSize: minSize 7 is above maxSize 6/);
  });
  it("asks for authorized ranges only for a public API server, and refuses them on a private one", () => {
    expect(parse((a) => (a.azure.privateCluster = false))).toThrow(/azure\.authorizedIpRanges: a public API server needs the operator CIDRs/);
    expect(parse((a) => (a.azure.authorizedIpRanges = ["203.0.113.0/24"]))).toThrow(/azure\.authorizedIpRanges: a private cluster's API server has no public address/);
  });
  it("names the hardening switches config turned off", () => {
    const s = azureSettingsSchema.parse({ ...validArgs().azure, disableLocalAccounts: false });
    expect(azureHardeningExceptions(s)).toEqual(["azure.disableLocalAccounts"]);
    const open = azureSettingsSchema.parse({ ...validArgs().azure, privateCluster: false, authorizedIpRanges: ["203.0.113.0/24"] });
    expect(azureHardeningExceptions(open)).toEqual(["azure.privateCluster"]);
  });
});
