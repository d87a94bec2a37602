/**
 * EKS: secrets envelope-encrypted with KMS, every control-plane log type on, the private endpoint on and the public
 * one off or CIDR-restricted, NetworkPolicy enforced by the VPC CNI add-on, and every node group launched from a
 * template that requires IMDSv2 with hop limit 1. A stack policy: the add-on and the launch templates are resources
 * of their own, matched to the cluster by the names they carry.
 */
import { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { describe } from "../federation";
import { HardeningConfig, hardeningConfigSchema, HardeningFinding, standingProblems } from "../hardening";
import { asArray, dig, Props } from "../model";

export const EKS_CLUSTER = "aws:eks/cluster:Cluster";
export const EKS_NODE_GROUP = "aws:eks/nodeGroup:NodeGroup";
export const EKS_ADDON = "aws:eks/addon:Addon";
export const LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate";
/** Every log type EKS offers; the pack's own list (the program's may shrink, this does not). */
export const REQUIRED_EKS_LOGS = ["api", "audit", "authenticator", "controllerManager", "scheduler"];

function clusterFindings(props: Props): HardeningFinding[] {
  const findings: HardeningFinding[] = [];
  const configs = [props.encryptionConfig].flat().filter(Boolean);
  if (!configs.some((c) => asArray(dig(c, "resources")).includes("secrets") && typeof dig(c, "provider", "keyArn") === "string")) {
    findings.push({ switch: "aws.secretsEncryption", problem: 'secrets are not envelope-encrypted: set encryptionConfig { resources: ["secrets"], provider.keyArn: <KMS key> }.' });
  }
  const missing = REQUIRED_EKS_LOGS.filter((log) => !asArray(props.enabledClusterLogTypes).includes(log));
  if (missing.length > 0) findings.push({ switch: "aws.controlPlaneLogTypes", problem: `control-plane logging misses ${missing.join(", ")}: add them to enabledClusterLogTypes.` });
  if (dig(props, "vpcConfig", "endpointPrivateAccess") !== true) {
    findings.push({ switch: "aws.privateEndpointAccess", problem: "the private API endpoint is off: set vpcConfig.endpointPrivateAccess true (nodes then reach the API server inside the VPC)." });
  }
  const cidrs = asArray(dig(props, "vpcConfig", "publicAccessCidrs"));
  if (dig(props, "vpcConfig", "endpointPublicAccess") !== false && (cidrs.length === 0 || cidrs.includes("0.0.0.0/0"))) {
    findings.push({ switch: "aws.publicAccessCidrs", problem: "the API endpoint is public to 0.0.0.0/0: set vpcConfig.endpointPublicAccess false, or restrict vpcConfig.publicAccessCidrs." });
  }
  return findings;
}

/** The VPC CNI enforces NetworkPolicy only when its add-on says so. */
function enforcesNetworkPolicy(addon: PolicyResource): boolean {
  if (addon.props.addonName !== "vpc-cni") return false;
  try {
    return String((JSON.parse(String(addon.props.configurationValues ?? "{}")) as Record<string, unknown>).enableNetworkPolicy) === "true";
  } catch {
    return false;
  }
}

/** Matched by name when both are known; a stack with a single cluster needs no name to tell them apart. */
const belongsTo = (clusterName: unknown, clusters: number) => (value: unknown) => (clusters === 1 && value === undefined) || (clusterName !== undefined && value === clusterName);

function nodeGroupFindings(group: PolicyResource, templates: PolicyResource[]): HardeningFinding[] {
  const ref = dig(group.props, "launchTemplate");
  const template = templates.find((t) => (dig(ref, "name") !== undefined && t.props.name === dig(ref, "name")) || (dig(ref, "id") !== undefined && t.props.id === dig(ref, "id")));
  const imds = "the nodes' instance metadata allows IMDSv1 or more than one hop, so pods can take the node role's credentials";
  const fix = 'launch the node group from a template with metadataOptions { httpTokens: "required", httpPutResponseHopLimit: 1 }';
  if (!template) return [{ switch: "aws.imdsv2", problem: `${describe(group)}: ${imds}: ${fix}.` }];
  const options = dig(template.props, "metadataOptions");
  const enforced = dig(options, "httpTokens") === "required" && dig(options, "httpPutResponseHopLimit") === 1;
  return enforced ? [] : [{ switch: "aws.imdsv2", problem: `${describe(group)} uses ${describe(template)}, where ${imds}: ${fix}.` }];
}

export const eksHardening: StackValidationPolicy = {
  name: "eks-hardening",
  description: "EKS clusters encrypt secrets with KMS, log the whole control plane, keep the private endpoint on and the public one restricted, enforce NetworkPolicy, and require IMDSv2 with hop limit 1 on every node group.",
  enforcementLevel: "mandatory",
  configSchema: hardeningConfigSchema,
  validateStack: (args, report) => {
    const config = args.getConfig<HardeningConfig>();
    const ofType = (type: string) => args.resources.filter((r) => r.type === type);
    const clusters = ofType(EKS_CLUSTER);
    const templates = ofType(LAUNCH_TEMPLATE);
    for (const cluster of clusters) {
      const mine = belongsTo(cluster.props.name, clusters.length);
      const findings = clusterFindings(cluster.props);
      if (!ofType(EKS_ADDON).some((addon) => mine(addon.props.clusterName) && enforcesNetworkPolicy(addon))) {
        findings.push({ switch: "aws.networkPolicyEnforcement", problem: 'NetworkPolicy is not enforced: add the vpc-cni add-on with configurationValues {"enableNetworkPolicy": "true"}.' });
      }
      const groups = ofType(EKS_NODE_GROUP).filter((g) => mine(g.props.clusterName));
      findings.push(...groups.flatMap((group) => nodeGroupFindings(group, templates)));
      for (const problem of standingProblems("eks-hardening", findings, config, cluster.urn)) report(`${describe(cluster)}: ${problem}`, cluster.urn);
    }
  },
};
