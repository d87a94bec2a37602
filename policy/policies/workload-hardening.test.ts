import { AnyProps, edit, ofType } from "../testing/edit";
import { messagesOf } from "../testing/harness";
import { stackRecords } from "../testing/program";
import { workloadHardening } from "./workload-hardening";

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
});
