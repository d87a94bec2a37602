import { ResourceRecord } from "../evaluate";
import { AnyProps, edit, ofType } from "../testing/edit";
import { messagesOf } from "../testing/harness";
import { stackRecords } from "../testing/program";
import { HELM_RELEASE, workloadHardening } from "./workload-hardening";

const STS = "kubernetes:apps/v1:StatefulSet";
const breakContainer = async (change: (container: AnyProps) => void) =>
  messagesOf(workloadHardening, edit(await stackRecords("alpha"), ofType(STS), (p) => change(p.spec.template.spec.containers[0])));

describe("workload-hardening", () => {
  it("passes on the alpha stack", async () => {
    expect(await messagesOf(workloadHardening, await stackRecords("alpha"))).toEqual([]);
  });

  it.each([
    ["may run as root", (c: AnyProps) => { c.securityContext.runAsNonRoot = false; }, "may run as root"],
    ["writes its root filesystem", (c: AnyProps) => { c.securityContext.readOnlyRootFilesystem = false; }, "has a writable root filesystem"],
    ["may escalate", (c: AnyProps) => { delete c.securityContext.allowPrivilegeEscalation; }, "may escalate privileges"],
    ["keeps capabilities", (c: AnyProps) => { c.securityContext.capabilities = { drop: ["NET_RAW"] }; }, "keeps Linux capabilities"],
    ["has no memory limit", (c: AnyProps) => { delete c.resources.limits.memory; }, "has no memory limit"],
    ["is privileged", (c: AnyProps) => { c.securityContext.privileged = true; }, "is privileged"],
    ["runs as UID 0", (c: AnyProps) => { c.securityContext.runAsUser = 0; }, "runs as UID 0"],
    ["adds a capability", (c: AnyProps) => { c.securityContext.capabilities.add = ["NET_ADMIN"]; }, "adds capabilities NET_ADMIN: only NET_BIND_SERVICE"],
    ["turns seccomp off", (c: AnyProps) => { c.securityContext.seccompProfile = { type: "Unconfined" }; }, "runs with seccomp Unconfined"],
    ["unmasks /proc", (c: AnyProps) => { c.securityContext.procMount = "Unmasked"; }, "unmasks /proc"],
    ["sets an SELinux role", (c: AnyProps) => { c.securityContext.seLinuxOptions = { role: "sysadm_r" }; }, "sets a custom SELinux user or role"],
    ["runs without AppArmor", (c: AnyProps) => { c.securityContext.appArmorProfile = { type: "Unconfined" }; }, "runs without AppArmor"],
    ["binds a host port", (c: AnyProps) => { c.ports[0].hostPort = 8080; }, "binds a host port"],
  ])("fails when a container %s", async (_case, change, message) => {
    expect(await breakContainer(change)).toEqual([expect.stringMatching(new RegExp(`StatefulSet ".*": container ".*" ${message}`))]);
  });

  it("fails on a root init container and on host networking", async () => {
    const records = edit(await stackRecords("alpha"), ofType("kubernetes:apps/v1:Deployment"), (p) => {
      p.spec.template.spec.hostNetwork = true;
      p.spec.template.spec.initContainers = [{ name: "setup", image: "busybox:1.36.1" }];
    });
    const messages = await messagesOf(workloadHardening, records);
    expect(messages).toContainEqual(expect.stringContaining("the pod shares the host namespace (hostNetwork)"));
    expect(messages).toContainEqual(expect.stringContaining('container "setup" has a writable root filesystem'));
  });

  it("fails on a hostPath volume, another refused volume type, and unsafe sysctls", async () => {
    const records = edit(await stackRecords("alpha"), ofType(STS), (p) => {
      p.spec.template.spec.volumes.push({ name: "node", hostPath: { path: "/var/lib/kubelet" } }, { name: "nfs", nfs: { server: "x", path: "/" } });
      p.spec.template.spec.securityContext.sysctls = [{ name: "kernel.msgmax", value: "1" }, { name: "net.ipv4.tcp_syncookies", value: "1" }];
    });
    expect(await messagesOf(workloadHardening, records)).toEqual([
      expect.stringContaining("the pod sets unsafe sysctls kernel.msgmax"),
      expect.stringContaining('volume "node" mounts the node\'s filesystem (hostPath)'),
      expect.stringContaining('volume "nfs" is of type nfs, which the restricted profile refuses'),
    ]);
  });

  it("checks ephemeral (debug) containers too", async () => {
    const records = edit(await stackRecords("alpha"), ofType(STS), (p) => { p.spec.template.spec.ephemeralContainers = [{ name: "debug", image: "busybox:1.36.1", securityContext: { privileged: true } }]; });
    expect(await messagesOf(workloadHardening, records)).toContainEqual(expect.stringContaining('container "debug" is privileged'));
  });

  describe("on every pod template the stack creates, not only the federation's components", () => {
    const KINDS: [string, (podSpec: AnyProps) => AnyProps][] = [
      ["kubernetes:apps/v1:DaemonSet", (spec) => ({ spec: { template: { spec } } })],
      ["kubernetes:apps/v1:Deployment", (spec) => ({ spec: { template: { spec } } })],
      ["kubernetes:batch/v1:Job", (spec) => ({ spec: { template: { spec } } })],
      ["kubernetes:batch/v1:CronJob", (spec) => ({ spec: { jobTemplate: { spec: { template: { spec } } } } })],
      ["kubernetes:core/v1:Pod", (spec) => ({ spec })],
      ["kubernetes:core/v1:PodTemplate", (spec) => ({ template: { spec } })],
    ];
    const thirdParty = async (type: string, wrap: (spec: AnyProps) => AnyProps, breakIt: boolean): Promise<ResourceRecord> => {
      const sts = (await stackRecords("alpha")).find((r) => r.type === STS) as ResourceRecord;
      const spec = structuredClone((sts.props as AnyProps).spec.template.spec);
      if (breakIt) spec.volumes.push({ name: "root", hostPath: { path: "/" } });
      return { type, name: "vendor-agent", urn: `urn:pulumi:alpha::dsc-federation::${type}::vendor-agent`, props: wrap(spec) };
    };
    it.each(KINDS)("%s: a hostPath volume fails, the hardened spec passes", async (type, wrap) => {
      expect(await messagesOf(workloadHardening, [await thirdParty(type, wrap, true)])).toEqual([expect.stringMatching(new RegExp(`^${type} "vendor-agent": volume "root" mounts the node's filesystem`))]);
      expect(await messagesOf(workloadHardening, [await thirdParty(type, wrap, false)])).toEqual([]);
    });
    it("refuses a Helm v3 Release, whose pod templates the pack cannot see", async () => {
      const release = { type: HELM_RELEASE, name: "vendor", urn: `urn:pulumi:alpha::dsc-federation::${HELM_RELEASE}::vendor`, props: { chart: "vendor" } };
      expect(await messagesOf(workloadHardening, [release])).toEqual([expect.stringContaining("a Helm v3 Release renders its pod templates where the pack cannot check them")]);
    });
  });
});
