import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { federationCloudTags } from "../labels";
import { cidrSchema, hardeningSwitchesOff, kubernetesVersionSchema, nodePoolSchema, ownershipSchema, parseArgs } from "../validation";
import { eksKubeconfig } from "./kubeconfig";
import { US_AWS_REGIONS } from "./locations";
import { carveSubnet } from "./network";
import { DspCluster } from "./types";

export const EKS_LOG_TYPES = ["api", "audit", "authenticator", "controllerManager", "scheduler"] as const;

/** The `dsc:aws` config object: where the cluster runs and how it is hardened (every switch defaults to on). */
export const awsSettingsSchema = z
  .object({
    region: z.enum(US_AWS_REGIONS, { error: (i) => `"${String(i.input)}" is not a US AWS region; use one of ${US_AWS_REGIONS.join(", ")}` }),
    availabilityZones: z.array(z.string()).length(3, { error: "list exactly three availability zones of the region, e.g. [us-east-1a, us-east-1b, us-east-1c]" }),
    vpcCidr: cidrSchema.refine((c) => c.endsWith("/16"), { error: "must be a /16 (three /19 private and three /24 public subnets are carved from it)" }).default("10.10.0.0/16"),
    publicAccessCidrs: z
      .array(cidrSchema)
      .min(1, { error: "list the operator CIDRs allowed to reach the public API endpoint" })
      .refine((l) => !l.includes("0.0.0.0/0"), { error: "0.0.0.0/0 opens the API endpoint to the internet; list the operators' CIDRs instead" })
      .optional(),
    privateEndpointAccess: z.boolean().default(true),
    /** The API server on the private endpoint only (operators reach it from inside the VPC, e.g. over a VPN). */
    privateEndpointOnly: z.boolean().default(false),
    secretsEncryption: z.boolean().default(true),
    controlPlaneLogTypes: z.array(z.enum(EKS_LOG_TYPES)).default([...EKS_LOG_TYPES]),
    networkPolicyEnforcement: z.boolean().default(true),
  })
  .strict()
  .refine((s) => s.availabilityZones.every((az) => az.startsWith(s.region) && /^[a-z]$/.test(az.slice(s.region.length))), {
    error: "every availability zone must belong to the region (region name plus one letter, e.g. us-east-1a)",
    path: ["availabilityZones"],
  })
  .refine((s) => s.privateEndpointOnly || s.publicAccessCidrs !== undefined, {
    error: "list the operator CIDRs allowed to reach the public API endpoint, or set privateEndpointOnly: true",
    path: ["publicAccessCidrs"],
  })
  .refine((s) => !s.privateEndpointOnly || s.publicAccessCidrs === undefined, {
    error: "a private-only API endpoint has no public CIDRs; remove publicAccessCidrs or set privateEndpointOnly: false",
    path: ["publicAccessCidrs"],
  })
  .refine((s) => !s.privateEndpointOnly || s.privateEndpointAccess, {
    error: "a private-only API endpoint needs the private endpoint; set privateEndpointAccess: true",
    path: ["privateEndpointAccess"],
  });
export type AwsSettings = z.output<typeof awsSettingsSchema>;

export const awsClusterArgsSchema = z.object({
  owner: ownershipSchema,
  kubernetesVersion: kubernetesVersionSchema,
  nodePools: z.array(nodePoolSchema).min(1, { error: "define at least one node pool" }),
  aws: awsSettingsSchema,
});
export type AwsClusterArgs = z.input<typeof awsClusterArgsSchema>;

export interface AwsClusterOptions extends pulumi.ComponentResourceOptions {
  /** The AWS provider for the cluster's region; every AWS child uses it explicitly. */
  awsProvider: aws.Provider;
}

/** Hardening switches that are off, named so the program can warn and export them. */
export function awsHardeningExceptions(s: AwsSettings): string[] {
  const off = hardeningSwitchesOff("aws", s, ["privateEndpointAccess", "secretsEncryption", "networkPolicyEnforcement"]);
  const missingLogs = EKS_LOG_TYPES.filter((t) => !s.controlPlaneLogTypes.includes(t));
  if (missingLogs.length > 0) off.push(`aws.controlPlaneLogTypes (missing ${missingLogs.join(", ")})`);
  return off;
}

const assumeRole = (service: string) =>
  JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole" }] });

/**
 * Instance metadata of every node: IMDSv2 only (session tokens), one network hop, so a pod on the node's network
 * cannot reach the node role's credentials through the metadata service.
 */
export const NODE_METADATA_OPTIONS = { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1, instanceMetadataTags: "disabled" } as const;

/** Only the AWS-managed policies EKS documents for the cluster and for managed nodes. */
export const CLUSTER_POLICIES = ["arn:aws:iam::aws:policy/AmazonEKSClusterPolicy"];
export const NODE_POLICIES = [
  "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
  "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy",
  "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly",
];

/**
 * EKS in private subnets across three zones: KMS envelope encryption of Secrets, control-plane logging, a private
 * API endpoint plus (unless private-only) a public one limited to listed CIDRs, managed node groups with
 * autoscaling bounds on a launch template that enforces IMDSv2 with hop limit 1 and encrypted root volumes, IAM
 * roles with only EKS's managed policies, and an OIDC provider for workload identity (IRSA).
 */
export class AwsCluster extends pulumi.ComponentResource implements DspCluster {
  readonly cloud = "aws" as const;
  readonly peerExposure = "loadBalancer" as const;
  readonly location: string;
  readonly owner: DspCluster["owner"];
  readonly clusterName: pulumi.Output<string>;
  readonly kubeconfig: pulumi.Output<string>;
  readonly provider: k8s.Provider;
  readonly oidcProviderArn: pulumi.Output<string>;

  constructor(name: string, args: AwsClusterArgs, opts: AwsClusterOptions) {
    super("dsc:cluster:AwsCluster", name, {}, opts);
    const a = parseArgs("AwsCluster", awsClusterArgsSchema, args);
    const s = a.aws;
    const tags = federationCloudTags(a.owner);
    const child = { parent: this, provider: opts.awsProvider };
    this.owner = a.owner;
    this.location = s.region;

    const net = buildNetwork(name, s, tags, child);
    const clusterRole = roleWithPolicies(`${name}-cluster`, "eks.amazonaws.com", CLUSTER_POLICIES, tags, child);
    const nodeRole = roleWithPolicies(`${name}-node`, "ec2.amazonaws.com", NODE_POLICIES, tags, child);
    const key = s.secretsEncryption
      ? new aws.kms.Key(`${name}-secrets`, { description: `${name} EKS secrets envelope key`, enableKeyRotation: true, deletionWindowInDays: 30, tags }, child)
      : undefined;
    const cluster = new aws.eks.Cluster(
      `${name}-eks`,
      {
        // A fixed name, known at preview: the policy pack matches the cluster's add-ons and node groups by it.
        name: `dsc-${a.owner.region}`,
        roleArn: clusterRole.role.arn,
        version: a.kubernetesVersion,
        vpcConfig: {
          subnetIds: net.privateSubnetIds,
          endpointPrivateAccess: s.privateEndpointAccess,
          endpointPublicAccess: !s.privateEndpointOnly,
          publicAccessCidrs: s.publicAccessCidrs,
        },
        encryptionConfig: key ? { resources: ["secrets"], provider: { keyArn: key.arn } } : undefined,
        enabledClusterLogTypes: s.controlPlaneLogTypes,
        accessConfig: { authenticationMode: "API", bootstrapClusterCreatorAdminPermissions: true },
        tags,
      },
      { ...child, dependsOn: clusterRole.attachments },
    );
    const oidc = new aws.iam.OpenIdConnectProvider(
      `${name}-oidc`,
      { url: cluster.identities.apply((ids) => ids[0].oidcs[0].issuer), clientIdLists: ["sts.amazonaws.com"], tags },
      child,
    );
    if (s.networkPolicyEnforcement) {
      new aws.eks.Addon(
        `${name}-vpc-cni`,
        { clusterName: cluster.name, addonName: "vpc-cni", configurationValues: JSON.stringify({ enableNetworkPolicy: "true" }), tags },
        child,
      );
    }
    for (const pool of a.nodePools) {
      // With a launch template the disk is the template's (EKS refuses diskSize beside one).
      const template = new aws.ec2.LaunchTemplate(
        `${name}-${pool.name}-nodes`,
        {
          name: `dsc-${a.owner.region}-${pool.name}`,
          metadataOptions: NODE_METADATA_OPTIONS,
          blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { volumeSize: pool.diskSizeGb, volumeType: "gp3", encrypted: "true", deleteOnTermination: "true" } }],
          tagSpecifications: [{ resourceType: "instance", tags }, { resourceType: "volume", tags }],
          updateDefaultVersion: true,
          tags,
        },
        child,
      );
      new aws.eks.NodeGroup(
        `${name}-${pool.name}`,
        {
          clusterName: cluster.name,
          nodeRoleArn: nodeRole.role.arn,
          subnetIds: net.privateSubnetIds,
          instanceTypes: [pool.machineType],
          launchTemplate: { name: template.name, version: template.latestVersion.apply((v) => String(v)) },
          scalingConfig: { minSize: pool.minSize, maxSize: pool.maxSize, desiredSize: pool.minSize },
          updateConfig: { maxUnavailable: 1 },
          labels: tags,
          tags,
        },
        { ...child, dependsOn: nodeRole.attachments, ignoreChanges: ["scalingConfig.desiredSize"] },
      );
    }
    this.clusterName = cluster.name;
    this.oidcProviderArn = oidc.arn;
    this.kubeconfig = pulumi.secret(
      pulumi.all([cluster.name, cluster.endpoint, cluster.certificateAuthority]).apply(([n, endpoint, ca]) => eksKubeconfig(n, endpoint, ca.data ?? "", s.region)),
    );
    this.provider = new k8s.Provider(`${name}-k8s`, { kubeconfig: this.kubeconfig, enableServerSideApply: true }, { parent: this });
    this.registerOutputs({ clusterName: this.clusterName, kubeconfig: this.kubeconfig, oidcProviderArn: this.oidcProviderArn });
  }
}

type Child = { parent: pulumi.Resource; provider: aws.Provider };

function roleWithPolicies(name: string, service: string, policies: string[], tags: Record<string, string>, child: Child) {
  const role = new aws.iam.Role(name, { assumeRolePolicy: assumeRole(service), tags }, child);
  const attachments = policies.map(
    (policyArn) => new aws.iam.RolePolicyAttachment(`${name}-${policyArn.split("/").pop()}`, { role: role.name, policyArn }, child),
  );
  return { role, attachments };
}

/** VPC with a public /24 per zone (NAT and load balancers) and a private /19 per zone (nodes and control plane). */
function buildNetwork(name: string, s: AwsSettings, tags: Record<string, string>, child: Child) {
  const vpc = new aws.ec2.Vpc(`${name}-vpc`, { cidrBlock: s.vpcCidr, enableDnsHostnames: true, enableDnsSupport: true, tags }, child);
  const igw = new aws.ec2.InternetGateway(`${name}-igw`, { vpcId: vpc.id, tags }, child);
  const publicRt = new aws.ec2.RouteTable(`${name}-public`, { vpcId: vpc.id, routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: igw.id }], tags }, child);
  const publicSubnets = s.availabilityZones.map((az, i) => {
    const subnet = new aws.ec2.Subnet(
      `${name}-public-${az}`,
      { vpcId: vpc.id, availabilityZone: az, cidrBlock: carveSubnet(s.vpcCidr, 24, 224 + i), mapPublicIpOnLaunch: false, tags: { ...tags, "kubernetes.io/role/elb": "1" } },
      child,
    );
    new aws.ec2.RouteTableAssociation(`${name}-public-${az}`, { subnetId: subnet.id, routeTableId: publicRt.id }, child);
    return subnet;
  });
  const eip = new aws.ec2.Eip(`${name}-nat`, { domain: "vpc", tags }, child);
  const nat = new aws.ec2.NatGateway(`${name}-nat`, { subnetId: publicSubnets[0].id, allocationId: eip.id, tags }, { ...child, dependsOn: [igw] });
  const privateRt = new aws.ec2.RouteTable(`${name}-private`, { vpcId: vpc.id, routes: [{ cidrBlock: "0.0.0.0/0", natGatewayId: nat.id }], tags }, child);
  const privateSubnetIds = s.availabilityZones.map((az, i) => {
    const subnet = new aws.ec2.Subnet(
      `${name}-private-${az}`,
      { vpcId: vpc.id, availabilityZone: az, cidrBlock: carveSubnet(s.vpcCidr, 19, i), tags: { ...tags, "kubernetes.io/role/internal-elb": "1" } },
      child,
    );
    new aws.ec2.RouteTableAssociation(`${name}-private-${az}`, { subnetId: subnet.id, routeTableId: privateRt.id }, child);
    return subnet.id;
  });
  return { vpc, privateSubnetIds };
}
