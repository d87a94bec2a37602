/** EKS control planes: secrets envelope-encrypted with KMS, control-plane logs on, API endpoint not open to the world. */
import { ResourceValidationPolicy } from "@pulumi/policy";
import { asArray, dig, Props } from "../model";
import { forTypes } from "../resource-policy";

export const EKS_CLUSTER = "aws:eks/cluster:Cluster";
export const REQUIRED_EKS_LOGS = ["api", "audit", "authenticator"];

function encryptionProblems(props: Props): string[] {
  const configs = [props.encryptionConfig].flat().filter(Boolean);
  const encryptsSecrets = configs.some((c) => asArray(dig(c, "resources")).includes("secrets") && typeof dig(c, "provider", "keyArn") === "string");
  return encryptsSecrets ? [] : ['secrets are not envelope-encrypted: set encryptionConfig { resources: ["secrets"], provider.keyArn: <KMS key> }.'];
}

function loggingProblems(props: Props): string[] {
  const enabled = asArray(props.enabledClusterLogTypes);
  const missing = REQUIRED_EKS_LOGS.filter((log) => !enabled.includes(log));
  return missing.length === 0 ? [] : [`control-plane logging misses ${missing.join(", ")}: add them to enabledClusterLogTypes.`];
}

function endpointProblems(props: Props): string[] {
  if (dig(props, "vpcConfig", "endpointPublicAccess") === false) return [];
  const cidrs = asArray(dig(props, "vpcConfig", "publicAccessCidrs"));
  if (cidrs.length > 0 && !cidrs.includes("0.0.0.0/0")) return [];
  return ["the API endpoint is public to 0.0.0.0/0: set vpcConfig.endpointPublicAccess false, or restrict vpcConfig.publicAccessCidrs."];
}

export const eksHardening: ResourceValidationPolicy = {
  name: "eks-hardening",
  description: "EKS clusters encrypt secrets with KMS, log the control plane and restrict the API endpoint.",
  enforcementLevel: "mandatory",
  validateResource: forTypes([EKS_CLUSTER], (props) => [...encryptionProblems(props), ...loggingProblems(props), ...endpointProblems(props)]),
};
