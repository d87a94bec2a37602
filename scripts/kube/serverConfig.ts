/**
 * The files the API server reads at start: Pod Security admission defaults and the audit policy. Pure builders;
 * cluster.ts writes them under `<region>/config/`.
 */
import { stringify } from "yaml";

/** Namespaces of the control plane itself, exempt from Pod Security (nothing of the federation runs there). */
export const POD_SECURITY_EXEMPT_NAMESPACES = ["kube-system"];

/**
 * Every namespace enforces the `restricted` Pod Security level unless it says otherwise with a label, so the
 * federation's namespaces are restricted from the moment they exist. (The ValidatingAdmissionPolicy of
 * bootstrap.ts stops a federation namespace from labelling itself out of it.)
 */
export function admissionConfiguration(): string {
  const level = { level: "restricted", version: "latest" };
  return stringify({
    apiVersion: "apiserver.config.k8s.io/v1",
    kind: "AdmissionConfiguration",
    plugins: [
      {
        name: "PodSecurity",
        configuration: {
          apiVersion: "pod-security.admission.config.k8s.io/v1",
          kind: "PodSecurityConfiguration",
          defaults: {
            enforce: level.level,
            "enforce-version": level.version,
            audit: level.level,
            "audit-version": level.version,
            warn: level.level,
            "warn-version": level.version,
          },
          exemptions: { usernames: [], runtimeClasses: [], namespaces: POD_SECURITY_EXEMPT_NAMESPACES },
        },
      },
    ],
  });
}

/** Users whose reads are the steady noise of a running cluster (controllers, scheduler, kwok). */
export const QUIET_READERS = ["system:kube-controller-manager", "system:kube-scheduler", "dsc-kwok", "system:apiserver"];

/**
 * Who changed what, without secrets in the log: writes are logged with their request body, except Secrets,
 * ConfigMaps and tokens, which are logged at Metadata level (who, what, when; never the values).
 */
export function auditPolicy(): string {
  const reads = ["get", "list", "watch"];
  return stringify({
    apiVersion: "audit.k8s.io/v1",
    kind: "Policy",
    omitStages: ["RequestReceived"],
    rules: [
      { level: "None", users: QUIET_READERS, verbs: reads },
      { level: "None", userGroups: ["system:serviceaccounts:kube-system"], verbs: reads },
      { level: "None", resources: [{ group: "coordination.k8s.io", resources: ["leases"] }] },
      { level: "None", nonResourceURLs: ["/healthz*", "/readyz*", "/livez*", "/version"] },
      { level: "Metadata", resources: [{ group: "", resources: ["secrets", "configmaps", "serviceaccounts/token"] }] },
      { level: "Request", verbs: ["create", "update", "patch", "delete", "deletecollection"] },
      { level: "Metadata" },
    ],
  });
}
