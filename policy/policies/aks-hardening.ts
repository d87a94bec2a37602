/** AKS: Kubernetes RBAC backed by Entra ID (Azure AD) with Azure RBAC, and no local (certificate) accounts. */
import { ResourceValidationPolicy } from "@pulumi/policy";
import { dig } from "../model";
import { forTypes } from "../resource-policy";

export const AKS_CLUSTER = "azure-native:containerservice:ManagedCluster";

export const aksHardening: ResourceValidationPolicy = {
  name: "aks-hardening",
  description: "AKS clusters use managed Azure AD with Azure RBAC, keep Kubernetes RBAC on and disable local accounts.",
  enforcementLevel: "mandatory",
  validateResource: forTypes([AKS_CLUSTER], (props) => {
    const problems: string[] = [];
    if (dig(props, "aadProfile", "managed") !== true) problems.push("Azure AD integration is off: set aadProfile.managed true.");
    if (dig(props, "aadProfile", "enableAzureRBAC") !== true) problems.push("Azure RBAC is off: set aadProfile.enableAzureRBAC true.");
    if (props.enableRBAC === false) problems.push("Kubernetes RBAC is disabled: remove enableRBAC false.");
    if (props.disableLocalAccounts !== true) problems.push("local accounts are enabled: set disableLocalAccounts true.");
    return problems;
  }),
};
