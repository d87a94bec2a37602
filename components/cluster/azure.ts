import * as azure from "@pulumi/azure-native";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { federationCloudTags } from "../labels";
import { cidrSchema, hardeningSwitchesOff, kubernetesVersionSchema, nodePoolSchema, ownershipSchema, parseArgs } from "../validation";
import { EUROPEAN_AZURE_LOCATIONS } from "./locations";
import { carveSubnet } from "./network";
import { DspCluster } from "./types";


/** The `dsc:azure` config object: where the cluster runs and how it is hardened (every switch defaults to on). */
export const azureSettingsSchema = z
  .object({
    location: z.enum(EUROPEAN_AZURE_LOCATIONS, {
      error: (i) => `"${String(i.input)}" is not a European Azure location; use one of ${EUROPEAN_AZURE_LOCATIONS.join(", ")}`,
    }),
    vnetCidr: cidrSchema.default("10.20.0.0/16"),
    adminGroupObjectIds: z
      .array(z.uuid({ error: "must be an Azure AD group object id (a UUID)" }))
      .min(1, { error: "name at least one Azure AD group that administers the cluster (local accounts are disabled)" }),
    authorizedIpRanges: z.array(cidrSchema).min(1, { error: "list the operator CIDRs allowed to reach the API server" }).optional(),
    /** The API server on a private endpoint in the cluster's network only: the default for the federation's stacks. */
    privateCluster: z.boolean().default(true),
    azureAdRbac: z.boolean().default(true),
    disableLocalAccounts: z.boolean().default(true),
    monitoring: z.boolean().default(true),
    logRetentionDays: z.number().int().min(30).max(730).default(90),
  })
  .strict()
  .refine((s) => s.privateCluster || s.authorizedIpRanges !== undefined, {
    error: "a public API server needs the operator CIDRs allowed to reach it; list authorizedIpRanges, or keep privateCluster: true",
    path: ["authorizedIpRanges"],
  })
  .refine((s) => !s.privateCluster || s.authorizedIpRanges === undefined, {
    error: "a private cluster's API server has no public address to restrict; remove authorizedIpRanges or set privateCluster: false",
    path: ["authorizedIpRanges"],
  });
export type AzureSettings = z.output<typeof azureSettingsSchema>;

export const azureClusterArgsSchema = z.object({
  owner: ownershipSchema,
  kubernetesVersion: kubernetesVersionSchema,
  nodePools: z
    .array(nodePoolSchema)
    .min(2, { error: "AKS needs a system pool and a user pool: list two pools, the first is the system pool" }),
  azure: azureSettingsSchema,
});
export type AzureClusterArgs = z.input<typeof azureClusterArgsSchema>;

export interface AzureClusterOptions extends pulumi.ComponentResourceOptions {
  /** The Azure Native provider (location and subscription); every Azure child uses it explicitly. */
  azureProvider: azure.Provider;
}

export function azureHardeningExceptions(s: AzureSettings): string[] {
  return hardeningSwitchesOff("azure", s, ["privateCluster", "azureAdRbac", "disableLocalAccounts", "monitoring"]);
}

/**
 * AKS in its own resource group and virtual network: Entra ID (Azure AD) with Azure RBAC, local accounts disabled,
 * a private API server (or, with privateCluster off, a public one limited to listed ranges), a system and a user node pool with autoscaling, Container Insights into Log Analytics,
 * Azure network policy, and a kubeconfig from the cluster's user credentials (exec format, via kubelogin).
 */
export class AzureCluster extends pulumi.ComponentResource implements DspCluster {
  readonly cloud = "azure" as const;
  readonly peerExposure = "loadBalancer" as const;
  readonly location: string;
  readonly owner: DspCluster["owner"];
  readonly clusterName: pulumi.Output<string>;
  readonly kubeconfig: pulumi.Output<string>;
  readonly provider: k8s.Provider;

  constructor(name: string, args: AzureClusterArgs, opts: AzureClusterOptions) {
    super("dsc:cluster:AzureCluster", name, {}, opts);
    const a = parseArgs("AzureCluster", azureClusterArgsSchema, args);
    const s = a.azure;
    const tags = federationCloudTags(a.owner);
    const child = { parent: this, provider: opts.azureProvider };
    const [systemPool, ...userPools] = a.nodePools;
    this.owner = a.owner;
    this.location = s.location;

    const rg = new azure.resources.ResourceGroup(`${name}-rg`, { location: s.location, tags }, child);
    const vnet = new azure.network.VirtualNetwork(
      `${name}-vnet`,
      { resourceGroupName: rg.name, location: s.location, addressSpace: { addressPrefixes: [s.vnetCidr] }, tags },
      { ...child, ignoreChanges: ["subnets"] },
    );
    const subnet = new azure.network.Subnet(
      `${name}-nodes`,
      { resourceGroupName: rg.name, virtualNetworkName: vnet.name, addressPrefix: carveSubnet(s.vnetCidr, 20, 0) },
      child,
    );
    const workspace = s.monitoring
      ? new azure.operationalinsights.Workspace(
          `${name}-logs`,
          { resourceGroupName: rg.name, location: s.location, sku: { name: "PerGB2018" }, retentionInDays: s.logRetentionDays, tags },
          child,
        )
      : undefined;
    const pool = (p: typeof systemPool, mode: "System" | "User") => ({
      name: p.name,
      mode,
      vmSize: p.machineType,
      osDiskSizeGB: p.diskSizeGb,
      osType: "Linux",
      type: "VirtualMachineScaleSets",
      enableAutoScaling: true,
      minCount: p.minSize,
      maxCount: p.maxSize,
      count: p.minSize,
      vnetSubnetID: subnet.id,
      availabilityZones: ["1", "2", "3"],
      tags,
    });
    const cluster = new azure.containerservice.ManagedCluster(
      `${name}-aks`,
      {
        resourceGroupName: rg.name,
        location: s.location,
        dnsPrefix: `dsc-${a.owner.region}`,
        kubernetesVersion: a.kubernetesVersion,
        identity: { type: "SystemAssigned" },
        aadProfile: { managed: true, enableAzureRBAC: s.azureAdRbac, adminGroupObjectIDs: s.adminGroupObjectIds },
        disableLocalAccounts: s.disableLocalAccounts,
        apiServerAccessProfile: s.privateCluster
          ? { enablePrivateCluster: true, enablePrivateClusterPublicFQDN: false }
          : { enablePrivateCluster: false, authorizedIPRanges: s.authorizedIpRanges },
        agentPoolProfiles: [{ ...pool(systemPool, "System"), nodeTaints: ["CriticalAddonsOnly=true:NoSchedule"] }],
        networkProfile: { networkPlugin: "azure", networkPolicy: "azure", loadBalancerSku: "standard" },
        oidcIssuerProfile: { enabled: true },
        securityProfile: { workloadIdentity: { enabled: true } },
        addonProfiles: workspace
          ? { omsagent: { enabled: true, config: { logAnalyticsWorkspaceResourceID: workspace.id } } }
          : undefined,
        autoUpgradeProfile: { upgradeChannel: "patch" },
        tags,
      },
      { ...child, ignoreChanges: ["agentPoolProfiles[0].count"] },
    );
    for (const p of userPools) {
      new azure.containerservice.AgentPool(
        `${name}-${p.name}`,
        { resourceGroupName: rg.name, resourceName: cluster.name, agentPoolName: p.name, ...pool(p, "User") },
        { ...child, ignoreChanges: ["count"] },
      );
    }
    this.clusterName = cluster.name;
    const creds = azure.containerservice.listManagedClusterUserCredentialsOutput(
      { resourceGroupName: rg.name, resourceName: cluster.name, format: "exec" },
      { parent: this, provider: opts.azureProvider },
    );
    this.kubeconfig = pulumi.secret(creds.kubeconfigs.apply((k) => Buffer.from(k[0].value, "base64").toString("utf8")));
    this.provider = new k8s.Provider(`${name}-k8s`, { kubeconfig: this.kubeconfig, enableServerSideApply: true }, { parent: this });
    this.registerOutputs({ clusterName: this.clusterName, kubeconfig: this.kubeconfig });
  }
}
