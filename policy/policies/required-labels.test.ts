import { CLOUD_TAG_KEYS, K8S_LABEL_KEYS } from "../../components/labels";
import { edit, ofType } from "../testing/edit";
import { messagesOf } from "../testing/harness";
import { stackRecords } from "../testing/program";
import { requiredLabels } from "./required-labels";

describe("required-labels", () => {
  it("passes on the gamma stack", async () => {
    expect(await messagesOf(requiredLabels, await stackRecords("gamma"))).toEqual([]);
  });

  it("fails when a Kubernetes object lacks the DSP label", async () => {
    const records = edit(await stackRecords("gamma"), (r) => r.name === "gamma-replication-netpol", (p) => { delete p.metadata.labels[K8S_LABEL_KEYS.dsp]; });
    expect(await messagesOf(requiredLabels, records)).toEqual([expect.stringMatching(/^kubernetes:networking.k8s.io\/v1:NetworkPolicy ".*": metadata.labels lacks dsc.federation\/dsp/)]);
  });

  it("fails when a cloud resource's labels name the wrong DSP", async () => {
    const records = edit(await stackRecords("gamma"), ofType("gcp:kms/cryptoKey:CryptoKey"), (p) => { p.labels[CLOUD_TAG_KEYS.dsp] = "dsp-1"; });
    expect(await messagesOf(requiredLabels, records)).toEqual([expect.stringContaining('dsc-dsp is "dsp-1", but region gamma is run by dsp-3')]);
  });

  it("fails when a GKE cluster has no labels, and names the input it takes them in", async () => {
    const records = edit(await stackRecords("gamma"), ofType("gcp:container/cluster:Cluster"), (p) => { delete p.resourceLabels; });
    expect(await messagesOf(requiredLabels, records)).toEqual([expect.stringContaining("resourceLabels lacks dsc-region, dsc-dsp, dsc-consortium")]);
  });

  it("fails on an unknown region or consortium", async () => {
    const records = edit(await stackRecords("gamma"), ofType("gcp:container/cluster:Cluster"), (p) => {
      p.resourceLabels[CLOUD_TAG_KEYS.region] = "delta";
      p.resourceLabels[CLOUD_TAG_KEYS.consortium] = "other";
    });
    expect(await messagesOf(requiredLabels, records)).toEqual([
      expect.stringContaining('dsc-region is "delta", not one of alpha, beta, gamma'),
      expect.stringContaining('dsc-consortium is "other", expected "dsc"'),
    ]);
  });
});
