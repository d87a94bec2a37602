import { edit, ofType } from "../testing/edit";
import { messagesOf } from "../testing/harness";
import { stackRecords } from "../testing/program";
import { kubernetesClusterBinding } from "./kubernetes-cluster-binding";

const K8S_PROVIDER = "pulumi:providers:kubernetes";

describe("kubernetes-cluster-binding", () => {
  it("passes on the alpha stack", async () => {
    expect(await messagesOf(kubernetesClusterBinding, await stackRecords("alpha"))).toEqual([]);
  });

  it("fails when a Kubernetes object uses the default provider", async () => {
    const records = edit(await stackRecords("alpha"), ofType("kubernetes:apps/v1:Deployment"), (_props, record) => { delete record.provider; });
    expect(await messagesOf(kubernetesClusterBinding, records)).toEqual([
      expect.stringMatching(/^kubernetes:apps\/v1:Deployment ".*" does not use a Kubernetes provider built by this stack's cluster component \(provider: default\)/),
    ]);
  });

  it("fails when the provider is built outside the cluster component (e.g. from another stack's kubeconfig)", async () => {
    const records = edit(await stackRecords("alpha"), ofType(K8S_PROVIDER), (_props, record) => { delete record.parent; });
    expect(await messagesOf(kubernetesClusterBinding, records)).toContainEqual(expect.stringContaining("does not use a Kubernetes provider built by this stack's cluster component"));
  });

  it("fails when another region's object is sent to this region's cluster", async () => {
    const alpha = await stackRecords("alpha");
    const provider = alpha.find((r) => r.type === K8S_PROVIDER);
    const betaStatefulSet = edit(await stackRecords("beta"), ofType("kubernetes:apps/v1:StatefulSet"), (_props, record) => { record.provider = `${provider?.urn}::id`; })
      .filter((r) => r.type === "kubernetes:apps/v1:StatefulSet");
    const messages = await messagesOf(kubernetesClusterBinding, [...alpha, ...betaStatefulSet]);
    expect(messages).toContainEqual(expect.stringMatching(/StatefulSet ".*" belongs to region beta but is sent to dsc:cluster:AwsCluster ".*", the cluster of alpha/));
    expect(messages).toContainEqual(expect.stringMatching(/serves several regions \(alpha, beta\)/));
  });
});
