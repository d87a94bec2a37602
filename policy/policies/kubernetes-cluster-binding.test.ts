import { edit, ofType } from "../testing/fixtures";
import { messagesOf } from "../testing/harness";
import { stackRecords } from "../testing/program";
import { kubernetesClusterBinding } from "./kubernetes-cluster-binding";

describe("kubernetes-cluster-binding", () => {
  it.each(["alpha", "beta", "gamma", "local"] as const)("passes on the %s stack", async (stack) => {
    expect(await messagesOf(kubernetesClusterBinding, await stackRecords(stack))).toEqual([]);
  });

  it("fails when a Kubernetes object uses the default provider", async () => {
    const records = edit(await stackRecords("alpha"), ofType("kubernetes:apps/v1:Deployment"), (_props, record) => { delete record.provider; });
    expect(await messagesOf(kubernetesClusterBinding, records)).toEqual([
      expect.stringMatching(/kubernetes:apps\/v1:Deployment ".*" does not use a Kubernetes provider built by this stack's cluster component \(provider: default\)/),
    ]);
  });

  it("fails when a provider is built outside any cluster component (e.g. from another stack's kubeconfig)", async () => {
    const records = edit(await stackRecords("alpha"), ofType("pulumi:providers:kubernetes"), (_props, record) => { delete record.parent; });
    expect(await messagesOf(kubernetesClusterBinding, records)).toContainEqual(expect.stringContaining("does not use a Kubernetes provider built by this stack's cluster component"));
  });

  it("fails when the local stack sends a beta object to alpha's cluster", async () => {
    const local = await stackRecords("local");
    const alphaProvider = local.find((r) => r.type === "pulumi:providers:kubernetes" && r.name.startsWith("alpha"));
    const records = edit(local, (r) => r.type === "kubernetes:apps/v1:StatefulSet" && r.name.startsWith("beta"), (_props, record) => {
      record.provider = `${alphaProvider?.urn}::id`;
    });
    const messages = await messagesOf(kubernetesClusterBinding, records);
    expect(messages).toContainEqual(expect.stringMatching(/belongs to region beta but is sent to .*alpha-cluster", the cluster of alpha/));
    expect(messages).toContainEqual(expect.stringMatching(/serves several regions \(alpha, beta\)/));
  });
});
