/**
 * The pack's placement rules are its own: here the program's list of US AWS regions is widened to take in
 * eu-west-1 (as one careless edit of components/cluster/locations.ts would), the program then accepts alpha in
 * Ireland, and the pack still refuses it.
 */
import { evaluatePolicies, toPolicyResources } from "./evaluate";
import { isolationPlacement } from "./policies/isolation-placement";
import { programRecords } from "./program";
import { regionRule } from "./regions";

jest.mock("../components/cluster/locations", () => {
  const actual = jest.requireActual<typeof import("../components/cluster/locations")>("../components/cluster/locations");
  return { ...actual, US_AWS_REGIONS: [...actual.US_AWS_REGIONS, "eu-west-1"] };
});

describe("placement rules owned by the pack", () => {
  it("refuses alpha in eu-west-1 even when the program's list of allowed regions has been widened to accept it", async () => {
    const aws = { region: "eu-west-1", availabilityZones: ["eu-west-1a", "eu-west-1b", "eu-west-1c"], vpcCidr: "10.10.0.0/16", publicAccessCidrs: ["198.51.100.0/24"] };
    const records = await programRecords("alpha", { config: { "dsc:aws": JSON.stringify(aws) } });
    expect(records.find((r) => r.type === "pulumi:providers:aws")?.props.region).toBe("eu-west-1"); // the program took it
    const [result] = await evaluatePolicies([isolationPlacement], toPolicyResources(records), { "isolation-placement": { regions: ["alpha"] } });
    expect(result.violations.map((v) => v.message)).toContainEqual(expect.stringMatching(/^pulumi:providers:aws ".*" is placed in "eu-west-1", outside its region \(alpha: AWS US regions/));
  });

  it("refuses a placement file that leaves a region without locations", () => {
    expect(() => regionRule("beta", { cloud: "azure", dsp: "dsp-2", geography: "Europe", locations: [] })).toThrow(/regions\.beta needs a cloud .* and at least one location/);
    expect(() => regionRule("beta", undefined)).toThrow(/regions\.beta/);
  });

  it("allows a GCP zone of a listed region only where the file says so", () => {
    const withZones = regionRule("gamma", { cloud: "gcp", dsp: "dsp-3", geography: "Asia", locations: ["asia-east1"], zonesOfLocations: true });
    const without = regionRule("gamma", { cloud: "gcp", dsp: "dsp-3", geography: "Asia", locations: ["asia-east1"] });
    expect([withZones.allowsLocation("asia-east1-b"), without.allowsLocation("asia-east1-b"), withZones.allowsLocation("europe-west1-b")]).toEqual([true, false, false]);
  });
});
