import * as gcp from "@pulumi/gcp";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { federationCloudTags } from "../labels";
import { cidrSchema, hardeningSwitchesOff, kubernetesVersionSchema, nodePoolSchema, ownershipSchema, parseArgs } from "../validation";
import { gkeKubeconfig } from "./kubeconfig";
import { ASIAN_GCP_REGIONS } from "./locations";
import { DspCluster } from "./types";

export const RELEASE_CHANNELS = ["RAPID", "REGULAR", "STABLE", "EXTENDED"] as const;

/** The `dsc:gcp` config object: where the cluster runs and how it is hardened (every switch defaults to on). */
export const gcpSettingsSchema = z
  .object({
    project: z.string().regex(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/, { error: "must be the GCP project id (6-30 lower-case letters, digits, hyphens)" }),
    projectNumber: z.string().regex(/^\d{6,20}$/, { error: "must be the numeric project number (gcloud projects describe <id> --format='value(projectNumber)')" }),
    region: z.enum(ASIAN_GCP_REGIONS, { error: (i) => `"${String(i.input)}" is not an Asian GCP region; use one of ${ASIAN_GCP_REGIONS.join(", ")}` }),
    subnetCidr: cidrSchema.default("10.30.0.0/20"),
    podsCidr: cidrSchema.default("10.32.0.0/14"),
    servicesCidr: cidrSchema.default("10.36.0.0/20"),
    masterCidr: cidrSchema.refine((c) => c.endsWith("/28"), { error: "the control-plane range must be a /28" }).default("172.16.0.32/28"),
    masterAuthorizedCidrs: z.array(cidrSchema).min(1, { error: "list the operator CIDRs allowed to reach the control plane" }),
    releaseChannel: z.enum(RELEASE_CHANNELS, { error: `must be one of ${RELEASE_CHANNELS.join(", ")}` }).default("REGULAR"),
    privateNodes: z.boolean().default(true),
    workloadIdentity: z.boolean().default(true),
    shieldedNodes: z.boolean().default(true),
    secretsEncryption: z.boolean().default(true),
  })
  .strict();
export type GcpSettings = z.output<typeof gcpSettingsSchema>;

export const gcpClusterArgsSchema = z.object({
  owner: ownershipSchema,
  kubernetesVersion: kubernetesVersionSchema,
  nodePools: z.array(nodePoolSchema).min(1, { error: "define at least one node pool" }),
  gcp: gcpSettingsSchema,
});
export type GcpClusterArgs = z.input<typeof gcpClusterArgsSchema>;

export interface GcpClusterOptions extends pulumi.ComponentResourceOptions {
  /** The Google Cloud provider (project and region); every GCP child uses it explicitly. */
  gcpProvider: gcp.Provider;
}

export function gcpHardeningExceptions(s: GcpSettings): string[] {
  return hardeningSwitchesOff("gcp", s, ["privateNodes", "workloadIdentity", "shieldedNodes", "secretsEncryption"]);
}

/**
 * OAuth scopes of the nodes: write logs and metrics, pull images (Artifact Registry accepts the read-only storage
 * scope). Never `cloud-platform`: with it a node's token carries every role its service account ever gets.
 */
export const NODE_OAUTH_SCOPES = [
  "https://www.googleapis.com/auth/logging.write",
  "https://www.googleapis.com/auth/monitoring",
  "https://www.googleapis.com/auth/devstorage.read_only",
];

/** Roles the node service account needs to ship logs and metrics; nothing else. */
export const NODE_SA_ROLES = ["roles/logging.logWriter", "roles/monitoring.metricWriter", "roles/monitoring.viewer"];

/**
 * Regional GKE on a VPC-native subnet with secondary ranges: private nodes behind Cloud NAT, authorized control-plane
 * networks, workload identity, shielded nodes (secure boot and integrity monitoring on every pool), a dedicated
 * node service account with log/metric roles and minimal OAuth scopes, a release channel, Dataplane V2 (enforces NetworkPolicy),
 * application-layer Secrets encryption with a rotating KMS key, and a separately managed autoscaled node pool.
 */
export class GcpCluster extends pulumi.ComponentResource implements DspCluster {
  readonly cloud = "gcp" as const;
  readonly peerExposure = "loadBalancer" as const;
  readonly location: string;
  readonly owner: DspCluster["owner"];
  readonly clusterName: pulumi.Output<string>;
  readonly kubeconfig: pulumi.Output<string>;
  readonly provider: k8s.Provider;

  constructor(name: string, args: GcpClusterArgs, opts: GcpClusterOptions) {
    super("dsc:cluster:GcpCluster", name, {}, opts);
    const a = parseArgs("GcpCluster", gcpClusterArgsSchema, args);
    const s = a.gcp;
    const labels = federationCloudTags(a.owner);
    const child = { parent: this, provider: opts.gcpProvider };
    this.owner = a.owner;
    this.location = s.region;

    const network = new gcp.compute.Network(`${name}-net`, { project: s.project, autoCreateSubnetworks: false, routingMode: "REGIONAL" }, child);
    const subnet = new gcp.compute.Subnetwork(
      `${name}-nodes`,
      {
        project: s.project,
        region: s.region,
        network: network.id,
        ipCidrRange: s.subnetCidr,
        privateIpGoogleAccess: true,
        secondaryIpRanges: [
          { rangeName: "pods", ipCidrRange: s.podsCidr },
          { rangeName: "services", ipCidrRange: s.servicesCidr },
        ],
      },
      child,
    );
    const router = new gcp.compute.Router(`${name}-router`, { project: s.project, region: s.region, network: network.id }, child);
    new gcp.compute.RouterNat(
      `${name}-nat`,
      { project: s.project, region: s.region, router: router.name, natIpAllocateOption: "AUTO_ONLY", sourceSubnetworkIpRangesToNat: "ALL_SUBNETWORKS_ALL_IP_RANGES" },
      child,
    );
    const key = s.secretsEncryption ? secretsKey(name, s, labels, child) : undefined;
    const accountId = `dsc-${a.owner.region}-nodes`;
    const nodeSa = new gcp.serviceaccount.Account(`${name}-nodes`, { project: s.project, accountId, displayName: `DSC ${a.owner.region} GKE nodes` }, child);
    const nodeSaGrants = NODE_SA_ROLES.map(
      (role) => new gcp.projects.IAMMember(`${name}-nodes-${role.split("/")[1]}`, { project: s.project, role, member: pulumi.interpolate`serviceAccount:${nodeSa.email}` }, child),
    );
    // The account's email follows from its id, so it is known at preview (the policy pack checks it there).
    const nodeSaEmail = `${accountId}@${s.project}.iam.gserviceaccount.com`;
    const cluster = new gcp.container.Cluster(
      `${name}-gke`,
      {
        project: s.project,
        location: s.region,
        network: network.id,
        subnetwork: subnet.id,
        minMasterVersion: a.kubernetesVersion,
        releaseChannel: { channel: s.releaseChannel },
        removeDefaultNodePool: true,
        initialNodeCount: 1,
        networkingMode: "VPC_NATIVE",
        ipAllocationPolicy: { clusterSecondaryRangeName: "pods", servicesSecondaryRangeName: "services" },
        privateClusterConfig: { enablePrivateNodes: s.privateNodes, enablePrivateEndpoint: false, masterIpv4CidrBlock: s.masterCidr },
        masterAuthorizedNetworksConfig: { cidrBlocks: s.masterAuthorizedCidrs.map((cidrBlock) => ({ cidrBlock, displayName: "operators" })) },
        workloadIdentityConfig: s.workloadIdentity ? { workloadPool: `${s.project}.svc.id.goog` } : undefined,
        enableShieldedNodes: s.shieldedNodes,
        databaseEncryption: key ? { state: "ENCRYPTED", keyName: key.keyId } : { state: "DECRYPTED" },
        datapathProvider: "ADVANCED_DATAPATH",
        loggingConfig: { enableComponents: ["SYSTEM_COMPONENTS", "WORKLOADS", "APISERVER"] },
        deletionProtection: true,
        resourceLabels: labels,
      },
      // The key grant must exist before GKE tries to encrypt with the key.
      { ...child, dependsOn: key ? [key.grant] : [] },
    );
    for (const pool of a.nodePools) {
      new gcp.container.NodePool(
        `${name}-${pool.name}`,
        {
          project: s.project,
          location: s.region,
          cluster: cluster.name,
          initialNodeCount: pool.minSize,
          autoscaling: { minNodeCount: pool.minSize, maxNodeCount: pool.maxSize },
          management: { autoRepair: true, autoUpgrade: true },
          nodeConfig: {
            machineType: pool.machineType,
            diskSizeGb: pool.diskSizeGb,
            serviceAccount: nodeSaEmail,
            oauthScopes: NODE_OAUTH_SCOPES,
            shieldedInstanceConfig: { enableSecureBoot: s.shieldedNodes, enableIntegrityMonitoring: s.shieldedNodes },
            workloadMetadataConfig: { mode: s.workloadIdentity ? "GKE_METADATA" : "GCE_METADATA" },
            labels,
            resourceLabels: labels,
          },
        },
        { ...child, ignoreChanges: ["initialNodeCount"], dependsOn: [nodeSa, ...nodeSaGrants] },
      );
    }
    this.clusterName = cluster.name;
    this.kubeconfig = pulumi.secret(
      pulumi.all([cluster.name, cluster.endpoint, cluster.masterAuth]).apply(([n, endpoint, auth]) => gkeKubeconfig(n, endpoint, auth.clusterCaCertificate ?? "")),
    );
    this.provider = new k8s.Provider(`${name}-k8s`, { kubeconfig: this.kubeconfig, enableServerSideApply: true }, { parent: this });
    this.registerOutputs({ clusterName: this.clusterName, kubeconfig: this.kubeconfig });
  }
}

/** A rotating key for GKE's application-layer Secrets encryption, usable only by the project's GKE service agent. */
function secretsKey(name: string, s: GcpSettings, labels: Record<string, string>, child: { parent: pulumi.Resource; provider: gcp.Provider }) {
  const ring = new gcp.kms.KeyRing(`${name}-ring`, { project: s.project, location: s.region }, child);
  const key = new gcp.kms.CryptoKey(`${name}-secrets`, { keyRing: ring.id, rotationPeriod: "7776000s", purpose: "ENCRYPT_DECRYPT", labels }, child);
  const grant = new gcp.kms.CryptoKeyIAMMember(
    `${name}-gke-agent`,
    {
      cryptoKeyId: key.id,
      role: "roles/cloudkms.cryptoKeyEncrypterDecrypter",
      member: `serviceAccount:service-${s.projectNumber}@container-engine-robot.iam.gserviceaccount.com`,
    },
    child,
  );
  return { keyId: key.id, grant };
}
