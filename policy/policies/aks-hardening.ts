/**
 * AKS: a private API server, Kubernetes RBAC backed by Entra ID (Azure AD) with Azure RBAC, no local
 * (certificate) accounts, and Container Insights shipping to Log Analytics.
 */
import { ResourceValidationPolicy } from "@pulumi/policy";
import { HardeningConfig, hardeningConfigSchema, HardeningFinding, standingProblems } from "../hardening";
import { dig, Props } from "../model";
import { forTypes } from "../resource-policy";

export const AKS_CLUSTER = "azure-native:containerservice:ManagedCluster";

function findings(props: Props): HardeningFinding[] {
  const found: HardeningFinding[] = [];
  if (dig(props, "apiServerAccessProfile", "enablePrivateCluster") !== true) {
    found.push({ switch: "azure.privateCluster", problem: "the API server has a public endpoint: set apiServerAccessProfile.enablePrivateCluster true." });
  }
  if (dig(props, "aadProfile", "managed") !== true || dig(props, "aadProfile", "enableAzureRBAC") !== true) {
    found.push({ switch: "azure.azureAdRbac", problem: "Entra ID with Azure RBAC is off: set aadProfile.managed true and aadProfile.enableAzureRBAC true." });
  }
  if (props.enableRBAC === false) found.push({ switch: "azure.kubernetesRbac", problem: "Kubernetes RBAC is disabled: remove enableRBAC false." });
  if (props.disableLocalAccounts !== true) found.push({ switch: "azure.disableLocalAccounts", problem: "local accounts are enabled: set disableLocalAccounts true." });
  const insights = dig(props, "addonProfiles", "omsagent");
  if (dig(insights, "enabled") !== true || typeof dig(insights, "config", "logAnalyticsWorkspaceResourceID") !== "string") {
    found.push({ switch: "azure.monitoring", problem: "Container Insights is off: enable addonProfiles.omsagent with a Log Analytics workspace." });
  }
  return found;
}

export const aksHardening: ResourceValidationPolicy = {
  name: "aks-hardening",
  description: "AKS clusters have a private API server, use Entra ID with Azure RBAC, keep Kubernetes RBAC on, disable local accounts and ship to Container Insights.",
  enforcementLevel: "mandatory",
  configSchema: hardeningConfigSchema,
  validateResource: forTypes([AKS_CLUSTER], (props, args) => standingProblems("aks-hardening", findings(props), args.getConfig<HardeningConfig>(), args.urn)),
};
