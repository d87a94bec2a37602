import * as aws from "@pulumi/aws";
import { CLOUD_TAG_KEYS } from "../labels";
import { ofType, providerName, runWithMocks, single } from "../testing/mockRuntime";
import { parseArgs } from "../validation";
import { AwsCluster, AwsClusterArgs, awsClusterArgsSchema, awsHardeningExceptions, awsSettingsSchema } from "./aws";

const validArgs = (): AwsClusterArgs => ({
  owner: { region: "alpha", dsp: "dsp-1" },
  kubernetesVersion: "1.33",
  nodePools: [{ name: "general", machineType: "m6i.large", minSize: 2, maxSize: 5 }],
  aws: { region: "us-east-2", availabilityZones: ["us-east-2a", "us-east-2b", "us-east-2c"], publicAccessCidrs: ["198.51.100.0/24"] },
});

const eksState = (a: { type: string; name: string; inputs: Record<string, unknown> }) =>
  a.type === "aws:eks/cluster:Cluster"
    ? { ...a.inputs, name: a.name, endpoint: "https://x.eks.amazonaws.com", certificateAuthority: { data: "Q0E=" }, identities: [{ oidcs: [{ issuer: "https://oidc.eks/id/X" }] }] }
    : { ...a.inputs, name: a.inputs.name ?? a.name, ...(a.type === "aws:ec2/launchTemplate:LaunchTemplate" ? { latestVersion: 1 } : {}) };

function build(args: AwsClusterArgs) {
  return runWithMocks(
    () => {
      const awsProvider = new aws.Provider("test-aws", { region: "us-east-2" });
      const cluster = new AwsCluster("t", args, { awsProvider });
      return { clusterName: cluster.clusterName, kubeconfig: cluster.kubeconfig, location: cluster.location };
    },
    { project: "components", stack: "aws", state: eksState },
  );
}

describe("AwsCluster under the mock runtime", () => {
  let run: Awaited<ReturnType<typeof build>>;
  beforeAll(async () => {
    run = await build(validArgs());
  });

  it("builds a hardened EKS cluster with the AWS provider it was given", () => {
    const eks = single(run.resources, "aws:eks/cluster:Cluster");
    expect(eks.inputs.version).toBe("1.33");
    expect(eks.inputs.vpcConfig).toMatchObject({ endpointPrivateAccess: true, publicAccessCidrs: ["198.51.100.0/24"] });
    expect(eks.inputs.enabledClusterLogTypes).toEqual(["api", "audit", "authenticator", "controllerManager", "scheduler"]);
    expect(eks.inputs.encryptionConfig).toMatchObject({ resources: ["secrets"] });
    const awsResources = run.resources.filter((r) => r.type.startsWith("aws:"));
    expect(awsResources.length).toBeGreaterThan(20);
    expect(new Set(awsResources.map(providerName))).toEqual(new Set(["test-aws"]));
  });

  it("puts nodes in three private subnets, one per zone, and scales them within bounds", () => {
    const subnets = ofType(run.resources, "aws:ec2/subnet:Subnet").filter((s) => s.name.includes("private"));
    expect(subnets.map((s) => s.inputs.availabilityZone)).toEqual(["us-east-2a", "us-east-2b", "us-east-2c"]);
    expect(subnets.map((s) => s.inputs.cidrBlock)).toEqual(["10.10.0.0/19", "10.10.32.0/19", "10.10.64.0/19"]);
    const group = single(run.resources, "aws:eks/nodeGroup:NodeGroup");
    expect(group.inputs.scalingConfig).toEqual({ minSize: 2, maxSize: 5, desiredSize: 2 });
  });

  it("launches every node group from a template that requires IMDSv2 with hop limit 1 and encrypts the root volume", () => {
    const template = single(run.resources, "aws:ec2/launchTemplate:LaunchTemplate");
    expect(template.inputs.metadataOptions).toEqual({ httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1, instanceMetadataTags: "disabled" });
    expect(template.inputs.blockDeviceMappings).toEqual([{ deviceName: "/dev/xvda", ebs: { volumeSize: 64, volumeType: "gp3", encrypted: "true", deleteOnTermination: "true" } }]);
    const group = single(run.resources, "aws:eks/nodeGroup:NodeGroup");
    expect(group.inputs.launchTemplate).toEqual({ name: "dsc-alpha-general", version: "1" });
    expect(group.inputs.diskSize).toBeUndefined();
  });

  it("can put the API server on the private endpoint only", async () => {
    const args = validArgs();
    const privateOnly = await build({ ...args, aws: { ...args.aws, publicAccessCidrs: undefined, privateEndpointOnly: true } });
    expect(single(privateOnly.resources, "aws:eks/cluster:Cluster").inputs.vpcConfig).toMatchObject({ endpointPrivateAccess: true, endpointPublicAccess: false });
  });

  it("grants only EKS's managed policies and registers an OIDC provider for workload identity", () => {
    const policies = ofType(run.resources, "aws:iam/rolePolicyAttachment:RolePolicyAttachment").map((r) => r.inputs.policyArn);
    expect(policies.sort()).toEqual(
      ["AmazonEKSClusterPolicy", "AmazonEKSWorkerNodePolicy", "AmazonEKS_CNI_Policy", "AmazonEC2ContainerRegistryReadOnly"].map((p) => `arn:aws:iam::aws:policy/${p}`).sort(),
    );
    expect(single(run.resources, "aws:iam/openIdConnectProvider:OpenIdConnectProvider").inputs).toMatchObject({ url: "https://oidc.eks/id/X", clientIdLists: ["sts.amazonaws.com"] });
    expect(single(run.resources, "aws:kms/key:Key").inputs.enableKeyRotation).toBe(true);
  });

  it("tags every taggable resource with the federation tags", () => {
    const taggable = run.resources.filter((r) => r.type.startsWith("aws:") && "tags" in r.inputs);
    expect(taggable.length).toBeGreaterThan(15);
    for (const r of taggable) expect(r.inputs.tags).toMatchObject({ [CLOUD_TAG_KEYS.region]: "alpha", [CLOUD_TAG_KEYS.dsp]: "dsp-1", [CLOUD_TAG_KEYS.consortium]: "dsc" });
  });

  it("exports a secret exec-based kubeconfig and a provider bound to it", () => {
    expect(run.secretOutputNames).toContain("kubeconfig");
    const kubeconfig = JSON.parse(run.outputs.kubeconfig);
    expect(kubeconfig.users[0].user.exec.args).toEqual(expect.arrayContaining(["get-token", "--region", "us-east-2"]));
    expect(single(run.resources, "pulumi:providers:kubernetes").inputs.kubeconfig).toBeDefined();
  });

  it("refuses invalid arguments when constructed", async () => {
    await expect(build({ ...validArgs(), kubernetesVersion: "1.27" })).rejects.toThrow(/kubernetesVersion: Kubernetes 1\.27 is below the supported floor 1\.31; set it to 1\.31 or newer/);
  });
});

describe("AwsCluster argument validation", () => {
  const problems = (patch: (a: AwsClusterArgs) => void) => {
    const a = validArgs();
    patch(a);
    return () => parseArgs("AwsCluster", awsClusterArgsSchema, a);
  };

  it("rejects a region outside the USA, naming the key and the allowed regions", () => {
    expect(problems((a) => (a.aws.region = "eu-west-1" as never))).toThrow(/aws\.region: "eu-west-1" is not a US AWS region; use one of us-east-1, us-east-2/);
  });
  it("rejects zones of another region", () => {
    expect(problems((a) => (a.aws.availabilityZones = ["us-east-2a", "us-east-2b", "us-west-2c"]))).toThrow(/aws\.availabilityZones: every availability zone must belong to the region/);
  });
  it("rejects a node pool whose minimum is above its maximum", () => {
    expect(problems((a) => (a.nodePools[0] = { ...a.nodePools[0], minSize: 6, maxSize: 3 }))).toThrow(/nodePools\[0\]\.minSize: minSize 6 is above maxSize 3; set minSize <= maxSize/);
  });
  it("rejects an API endpoint open to the whole internet", () => {
    expect(problems((a) => (a.aws.publicAccessCidrs = ["0.0.0.0/0"]))).toThrow(/aws\.publicAccessCidrs: 0\.0\.0\.0\/0 opens the API endpoint/);
  });
  it("asks for public CIDRs unless the endpoint is private-only, and refuses them with a private-only endpoint", () => {
    expect(problems((a) => (a.aws.publicAccessCidrs = undefined))).toThrow(/aws\.publicAccessCidrs: list the operator CIDRs .* or set privateEndpointOnly: true/);
    expect(problems((a) => (a.aws.privateEndpointOnly = true))).toThrow(/aws\.publicAccessCidrs: a private-only API endpoint has no public CIDRs/);
    expect(problems((a) => Object.assign(a.aws, { publicAccessCidrs: undefined, privateEndpointOnly: true, privateEndpointAccess: false }))).toThrow(/aws\.privateEndpointAccess: a private-only API endpoint needs the private endpoint/);
  });
  it("names every hardening switch that config turned off", () => {
    const s = awsSettingsSchema.parse({ ...validArgs().aws, secretsEncryption: false, controlPlaneLogTypes: ["api"] });
    expect(awsHardeningExceptions(s)).toEqual(["aws.secretsEncryption", "aws.controlPlaneLogTypes (missing audit, authenticator, controllerManager, scheduler)"]);
    expect(awsHardeningExceptions(awsSettingsSchema.parse(validArgs().aws))).toEqual([]);
  });
});
