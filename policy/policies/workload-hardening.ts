/**
 * Workload hardening for every pod template: non-root, read-only root filesystem, no privilege escalation,
 * all capabilities dropped, CPU and memory limits, no privileged containers or host namespaces.
 */
import { ResourceValidationPolicy } from "@pulumi/policy";
import { asArray, containersOf, dig, isWorkload, podSpecOf, Props } from "../model";
import { forTypes } from "../resource-policy";

const HOST_NAMESPACES = ["hostNetwork", "hostPID", "hostIPC"];

function containerProblems(name: string, container: Props, podSpec: Props): string[] {
  const security = (key: string) => dig(container, "securityContext", key);
  const runsAsNonRoot = security("runAsNonRoot") ?? dig(podSpec, "securityContext", "runAsNonRoot");
  const problems: string[] = [];
  if (runsAsNonRoot !== true) problems.push("may run as root: set securityContext.runAsNonRoot true");
  if (security("readOnlyRootFilesystem") !== true) problems.push("has a writable root filesystem: set securityContext.readOnlyRootFilesystem true");
  if (security("allowPrivilegeEscalation") !== false) problems.push("may escalate privileges: set securityContext.allowPrivilegeEscalation false");
  if (security("privileged") === true) problems.push("is privileged: remove securityContext.privileged");
  if (!asArray(dig(container, "securityContext", "capabilities", "drop")).includes("ALL")) problems.push('keeps Linux capabilities: set securityContext.capabilities.drop ["ALL"]');
  const missingLimits = ["cpu", "memory"].filter((r) => dig(container, "resources", "limits", r) === undefined);
  if (missingLimits.length > 0) problems.push(`has no ${missingLimits.join(" or ")} limit: set resources.limits`);
  return problems.map((problem) => `container "${name}" ${problem}.`);
}

export function podSpecProblems(podSpec: Props): string[] {
  const hostProblems = HOST_NAMESPACES.filter((key) => podSpec[key] === true).map((key) => `the pod shares the host namespace (${key}): remove it.`);
  return [...hostProblems, ...containersOf(podSpec).flatMap(({ name, container }) => containerProblems(name, container, podSpec))];
}

export const workloadHardening: ResourceValidationPolicy = {
  name: "workload-hardening",
  description: "Pods run non-root with read-only root filesystems, no privilege escalation, no capabilities and resource limits.",
  enforcementLevel: "mandatory",
  validateResource: forTypes(isWorkload, (_props, args) => {
    const podSpec = podSpecOf(args);
    return podSpec ? podSpecProblems(podSpec) : ["has no pod template spec."];
  }),
};
