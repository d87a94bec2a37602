import { appLabels, federationCloudTags, federationK8sLabels } from "./labels";

describe("federation labels", () => {
  const owner = { region: "beta", dsp: "dsp-2" };
  it("carries region, DSP and consortium under the Kubernetes and the cloud keys", () => {
    expect(federationK8sLabels(owner)).toEqual({ "dsc.federation/region": "beta", "dsc.federation/dsp": "dsp-2", "dsc.federation/consortium": "dsc" });
    expect(federationCloudTags(owner)).toEqual({ "dsc-region": "beta", "dsc-dsp": "dsp-2", "dsc-consortium": "dsc" });
  });
  it("keeps cloud tags valid as GCP labels (lower case, digits, - and _)", () => {
    for (const [k, v] of Object.entries(federationCloudTags(owner))) {
      expect(k).toMatch(/^[a-z][a-z0-9_-]{0,62}$/);
      expect(v).toMatch(/^[a-z0-9_-]{0,63}$/);
    }
  });
  it("adds the app selector to the federation labels", () => {
    expect(appLabels(owner, "replication")).toMatchObject({ "app.kubernetes.io/name": "replication", "dsc.federation/dsp": "dsp-2" });
  });
});
