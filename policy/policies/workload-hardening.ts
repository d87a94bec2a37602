/**
 * Every pod template the stack creates, whoever wrote it, meets the Kubernetes Pod Security Standards `restricted`
 * profile in full (v1.33): only restricted volume types (no hostPath), no host namespaces or host ports, no
 * privileged containers or privilege escalation, capabilities dropped to `ALL` (only NET_BIND_SERVICE may be added),
 * seccomp RuntimeDefault or Localhost, non-root, default /proc mount, no custom SELinux user/role/type beyond the
 * container types, no AppArmor `unconfined`, only safe sysctls. On top of the profile, the federation's own rules:
 * read-only root filesystems and CPU and memory limits. A Helm v3 Release hides its pod templates from the pack, so
 * it is refused: render charts as objects (Chart v4) so every template is checked.
 */
import { ResourceValidationPolicy } from "@pulumi/policy";
import { asArray, asRecord, containersOf, dig, isWorkload, podSpecOf, Props } from "../model";
import { forTypes } from "../resource-policy";

export const HELM_RELEASE = "kubernetes:helm.sh/v3:Release";
const HOST_NAMESPACES = ["hostNetwork", "hostPID", "hostIPC"];
/** The volume types `restricted` allows. */
export const RESTRICTED_VOLUME_TYPES = ["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret"];
const SAFE_SYSCTLS = [
  "kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.ip_unprivileged_port_start", "net.ipv4.tcp_syncookies",
  "net.ipv4.ping_group_range", "net.ipv4.ip_local_reserved_ports", "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout",
  "net.ipv4.tcp_keepalive_intvl", "net.ipv4.tcp_keepalive_probes",
];
const SELINUX_TYPES = ["container_t", "container_init_t", "container_kvm_t", "container_engine_t"];
const SECCOMP_TYPES = ["RuntimeDefault", "Localhost"];

/** SELinux, AppArmor and Windows host-process settings, checked the same at pod and container level. */
function sharedContextProblems(context: unknown): string[] {
  const problems: string[] = [];
  const selinux = asRecord(dig(context, "seLinuxOptions"));
  if (selinux?.user !== undefined || selinux?.role !== undefined) problems.push("sets a custom SELinux user or role: remove seLinuxOptions.user/role");
  if (selinux?.type !== undefined && !SELINUX_TYPES.includes(String(selinux.type))) problems.push(`sets SELinux type ${String(selinux.type)}: use one of ${SELINUX_TYPES.join(", ")}`);
  if (dig(context, "appArmorProfile", "type") === "Unconfined") problems.push('runs without AppArmor: remove appArmorProfile.type "Unconfined"');
  if (dig(context, "windowsOptions", "hostProcess") === true) problems.push("runs as a Windows host process: remove windowsOptions.hostProcess");
  return problems;
}

function containerProblems(name: string, container: Props, podSpec: Props): string[] {
  const own = (key: string) => dig(container, "securityContext", key);
  const inherited = (key: string) => own(key) ?? dig(podSpec, "securityContext", key);
  const problems: string[] = [];
  if (inherited("runAsNonRoot") !== true) problems.push("may run as root: set securityContext.runAsNonRoot true");
  if (inherited("runAsUser") === 0) problems.push("runs as UID 0: set securityContext.runAsUser to a non-zero UID");
  if (own("readOnlyRootFilesystem") !== true) problems.push("has a writable root filesystem: set securityContext.readOnlyRootFilesystem true");
  if (own("allowPrivilegeEscalation") !== false) problems.push("may escalate privileges: set securityContext.allowPrivilegeEscalation false");
  if (own("privileged") === true) problems.push("is privileged: remove securityContext.privileged");
  if (!asArray(dig(container, "securityContext", "capabilities", "drop")).includes("ALL")) problems.push('keeps Linux capabilities: set securityContext.capabilities.drop ["ALL"]');
  const added = asArray(dig(container, "securityContext", "capabilities", "add")).filter((c) => c !== "NET_BIND_SERVICE");
  if (added.length > 0) problems.push(`adds capabilities ${added.join(", ")}: only NET_BIND_SERVICE may be added`);
  const seccomp = dig(inherited("seccompProfile"), "type");
  if (!SECCOMP_TYPES.includes(String(seccomp))) problems.push(`runs ${seccomp === undefined ? "without a seccomp profile" : `with seccomp ${String(seccomp)}`}: set securityContext.seccompProfile.type RuntimeDefault`);
  if (own("procMount") !== undefined && own("procMount") !== "Default") problems.push("unmasks /proc: remove securityContext.procMount");
  problems.push(...sharedContextProblems(dig(container, "securityContext")));
  const hostPorts = asArray(container.ports).filter((p) => typeof dig(p, "hostPort") === "number" && dig(p, "hostPort") !== 0);
  if (hostPorts.length > 0) problems.push("binds a host port: remove ports[].hostPort");
  const missingLimits = ["cpu", "memory"].filter((r) => dig(container, "resources", "limits", r) === undefined);
  if (missingLimits.length > 0) problems.push(`has no ${missingLimits.join(" or ")} limit: set resources.limits`);
  return problems.map((problem) => `container "${name}" ${problem}.`);
}

function volumeProblems(podSpec: Props): string[] {
  return asArray(podSpec.volumes).flatMap((raw) => {
    const volume = asRecord(raw) ?? {};
    const types = Object.keys(volume).filter((key) => key !== "name");
    const refused = types.filter((type) => !RESTRICTED_VOLUME_TYPES.includes(type));
    return refused.map((type) =>
      type === "hostPath"
        ? `volume "${String(volume.name)}" mounts the node's filesystem (hostPath): use an emptyDir, a PersistentVolumeClaim or a projected volume.`
        : `volume "${String(volume.name)}" is of type ${type}, which the restricted profile refuses: use one of ${RESTRICTED_VOLUME_TYPES.join(", ")}.`,
    );
  });
}

export function podSpecProblems(podSpec: Props): string[] {
  const hostProblems = HOST_NAMESPACES.filter((key) => podSpec[key] === true).map((key) => `the pod shares the host namespace (${key}): remove it.`);
  const context = dig(podSpec, "securityContext");
  const sysctls = asArray(dig(context, "sysctls")).map((s) => String(dig(s, "name"))).filter((name) => !SAFE_SYSCTLS.includes(name));
  const podProblems = [
    ...sharedContextProblems(context).map((p) => `the pod ${p}.`),
    ...(sysctls.length > 0 ? [`the pod sets unsafe sysctls ${sysctls.join(", ")}: remove them.`] : []),
  ];
  return [...hostProblems, ...podProblems, ...volumeProblems(podSpec), ...containersOf(podSpec).flatMap(({ name, container }) => containerProblems(name, container, podSpec))];
}

export const workloadHardening: ResourceValidationPolicy = {
  name: "workload-hardening",
  description: "Every pod template meets Pod Security Standards restricted in full, with read-only root filesystems and resource limits.",
  enforcementLevel: "mandatory",
  validateResource: forTypes((type) => isWorkload(type) || type === HELM_RELEASE, (_props, args) => {
    if (args.type === HELM_RELEASE) return ["a Helm v3 Release renders its pod templates where the pack cannot check them: use kubernetes.helm.v4.Chart, which registers every object."];
    const podSpec = podSpecOf(args);
    return podSpec ? podSpecProblems(podSpec) : ["has no pod template spec."];
  }),
};
