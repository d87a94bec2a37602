import { CLOUD_TAG_KEYS, K8S_LABEL_KEYS } from "../../components/labels";
import { edit, ofType } from "../testing/fixtures";
import { messagesOf } from "../testing/harness";
import { stackRecords } from "../testing/program";
import { requiredLabels } from "./required-labels";

describe("required-labels", () => {
  it.each(["alpha", "beta", "gamma", "local"] as const)("passes on the %s stack", async (stack) => {
    expect(await messagesOf(requiredLabels, await stackRecords(stack))).toEqual([]);
  });

  it("fails when a Kubernetes object lacks the DSP label", async () => {
    const records = edit(await stackRecords("alpha"), ofType("kubernetes:networking/v1:NetworkPolicy"), (p) => { delete p.metadata.labels[K8S_LABEL_KEYS.dsp]; });
    expect(await messagesOf(requiredLabels, records)).toEqual([expect.stringMatching(/NetworkPolicy ".*": metadata.labels lacks dsc.federation\/dsp/)]);
  });

  it("fails when a cloud resource's tags name the wrong DSP", async () => {
    const records = edit(await stackRecords("beta"), ofType("azure-native:containerservice:ManagedCluster"), (p) => { p.tags[CLOUD_TAG_KEYS.dsp] = "dsp-1"; });
    expect(await messagesOf(requiredLabels, records)).toEqual([expect.stringContaining('dsc-dsp is "dsp-1", but region beta is run by dsp-2')]);
  });

  it("fails when a GKE cluster has no labels, and names the input it takes them in", async () => {
    const records = edit(await stackRecords("gamma"), ofType("gcp:container/cluster:Cluster"), (p) => { delete p.resourceLabels; });
    expect(await messagesOf(requiredLabels, records)).toEqual([expect.stringContaining("resourceLabels lacks dsc-region, dsc-dsp, dsc-consortium")]);
  });

  it("fails on an unknown region or consortium", async () => {
    const records = edit(await stackRecords("alpha"), ofType("aws:eks/cluster:Cluster"), (p) => {
      p.tags[CLOUD_TAG_KEYS.region] = "delta";
      p.tags[CLOUD_TAG_KEYS.consortium] = "other";
    });
    expect(await messagesOf(requiredLabels, records)).toEqual([
      expect.stringContaining('dsc-region is "delta", not one of alpha, beta, gamma'),
      expect.stringContaining('dsc-consortium is "other", expected "dsc"'),
    ]);
  });

  it("does not ask for labels on types that take none (providers, GKE node pools)", async () => {
    const records = edit(await stackRecords("gamma"), ofType("gcp:container/nodePool:NodePool"), (p) => { p.labels = undefined; });
    expect(await messagesOf(requiredLabels, records)).toEqual([]);
  });
});
