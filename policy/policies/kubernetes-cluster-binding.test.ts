import { ResourceRecord } from "../evaluate";
import { edit, ofType } from "../testing/edit";
import { messagesOf } from "../testing/harness";
import { stackRecords } from "../testing/program";
import { K8S_PROVIDER, kubeconfigServers, kubernetesClusterBinding } from "./kubernetes-cluster-binding";

const only = (...regions: string[]) => ({ "kubernetes-cluster-binding": { regions } });
const alphaMessages = async (records: ResourceRecord[]) => messagesOf(kubernetesClusterBinding, records, only("alpha"));

describe("kubernetes-cluster-binding", () => {
  it.each(["alpha", "beta", "gamma"] as const)("passes on the %s stack", async (stack) => {
    expect(await messagesOf(kubernetesClusterBinding, await stackRecords(stack), only(stack))).toEqual([]);
  });

  it("passes on the local stack, whose providers render YAML and reach no cluster", async () => {
    expect(await messagesOf(kubernetesClusterBinding, await stackRecords("local"), only("alpha", "beta", "gamma"))).toEqual([]);
  });

  it("judges a provider by what it reaches, not by its parent or name", async () => {
    const moved = edit(await stackRecords("alpha"), ofType(K8S_PROVIDER), (_props, record) => { delete record.parent; record.name = "anything"; });
    expect(await alphaMessages(moved)).toEqual([]);
  });

  it("fails when a Kubernetes object uses the default provider", async () => {
    const records = edit(await stackRecords("alpha"), ofType("kubernetes:apps/v1:Deployment"), (_props, record) => { delete record.provider; });
    expect(await alphaMessages(records)).toEqual([expect.stringMatching(/^kubernetes:apps\/v1:Deployment ".*" does not use a Kubernetes provider of this stack \(provider: default\)/)]);
  });

  it("fails when the cluster component's provider is given a hand-written kubeconfig, even inside the component", async () => {
    const records = edit(await stackRecords("alpha"), ofType(K8S_PROVIDER), (props, record) => {
      props.kubeconfig = "apiVersion: v1\nclusters:\n- cluster:\n    server: https://beta.example.org\n";
      delete record.propertyDependencies;
    });
    expect(await alphaMessages(records)).toEqual([expect.stringMatching(/^pulumi:providers:kubernetes "alpha-k8s" reaches a cluster this stack does not build/)]);
  });

  it("fails when a second provider is built from the same cluster", async () => {
    const alpha = await stackRecords("alpha");
    const provider = alpha.find((r) => r.type === K8S_PROVIDER) as ResourceRecord;
    const second = { ...structuredClone(provider), name: "extra", urn: `${provider.urn}-extra` };
    expect(await alphaMessages([...alpha, second])).toEqual([expect.stringMatching(/^pulumi:providers:kubernetes "extra" is a second provider built from the cluster/)]);
  });

  it("fails when the provider is built from a cluster of another region", async () => {
    const records = edit(await stackRecords("alpha"), ofType("aws:eks/cluster:Cluster"), (props) => { props.tags["dsc-region"] = "beta"; });
    expect(await alphaMessages(records)).toContainEqual(expect.stringMatching(/"alpha-k8s" is built from aws:eks\/cluster:Cluster ".*", which is not a cluster of this stack's region\(s\) alpha/));
  });

  it("accepts a local provider whose kubeconfig names only a loopback API server, and refuses one that names another", async () => {
    const local = async (server: string) => messagesOf(kubernetesClusterBinding, edit(await stackRecords("local"), (r) => r.name === "alpha-k8s", (props) => {
      delete props.renderYamlToDirectory;
      props.kubeconfig = JSON.stringify({ clusters: [{ name: "alpha", cluster: { server } }] });
    }), only("alpha", "beta", "gamma"));
    expect(await local("https://127.0.0.1:6443")).toEqual([]);
    expect(await local("https://10.0.0.7:6443")).toEqual([expect.stringContaining('"alpha-k8s" reaches a cluster this stack does not build')]);
  });

  it("fails when another region's object is sent to this region's cluster", async () => {
    const alpha = await stackRecords("alpha");
    const provider = alpha.find((r) => r.type === K8S_PROVIDER);
    const betaStatefulSet = edit(await stackRecords("beta"), ofType("kubernetes:apps/v1:StatefulSet"), (_props, record) => { record.provider = `${provider?.urn}::id`; })
      .filter((r) => r.type === "kubernetes:apps/v1:StatefulSet");
    const messages = await alphaMessages([...alpha, ...betaStatefulSet]);
    expect(messages).toContainEqual(expect.stringMatching(/StatefulSet ".*" belongs to region beta but is sent to aws:eks\/cluster:Cluster ".*", the cluster of alpha/));
    expect(messages).toContainEqual(expect.stringMatching(/serves several regions \(alpha, beta\)/));
  });

  it("reads the API servers of YAML and JSON kubeconfigs", () => {
    expect(kubeconfigServers("clusters:\n- cluster:\n    server: https://a:443\n- cluster:\n    server: \"https://b\"\n")).toEqual(["https://a:443", "https://b"]);
    expect(kubeconfigServers(JSON.stringify({ clusters: [{ cluster: { server: "https://c" } }] }))).toEqual(["https://c"]);
  });
});
