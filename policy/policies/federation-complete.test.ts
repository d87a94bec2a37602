import { ResourceRecord } from "../evaluate";
import { messagesOf } from "../testing/harness";
import { stackRecords } from "../testing/program";
import { federationComplete } from "./federation-complete";

const regions = (...names: string[]) => ({ "federation-complete": { regions: names } });
const ALL = regions("alpha", "beta", "gamma");
const isLayer = (name: string) => (r: ResourceRecord) => r.urn.includes(name);

describe("federation-complete", () => {
  it("passes on the three regional stacks taken together, and on the local stack", async () => {
    const together = [...(await stackRecords("alpha")), ...(await stackRecords("beta")), ...(await stackRecords("gamma"))];
    expect(await messagesOf(federationComplete, together, ALL)).toEqual([]);
    expect(await messagesOf(federationComplete, await stackRecords("local"), ALL)).toEqual([]);
  });

  it("fails when a region of the federation is missing", async () => {
    const partial = [...(await stackRecords("alpha")), ...(await stackRecords("gamma"))];
    expect(await messagesOf(federationComplete, partial, ALL)).toEqual([
      "Region beta has no cluster; it needs exactly one.",
      "Region beta has no replication layer; it needs exactly one.",
      "Region beta has no Guardian watchers; it needs exactly one.",
    ]);
  });

  it("fails when the local stack drops one region's watchers", async () => {
    const local = (await stackRecords("local")).filter((r) => !(isLayer("GuardianWatchers")(r) && r.urn.includes("gamma")));
    expect(await messagesOf(federationComplete, local, ALL)).toEqual(["Region gamma has no Guardian watchers; it needs exactly one."]);
  });

  it("fails when a regional stack deploys another region's layer", async () => {
    const foreign = [...(await stackRecords("alpha")), ...(await stackRecords("beta")).filter(isLayer("ReplicationLayer"))];
    expect(await messagesOf(federationComplete, foreign, regions("alpha"))).toEqual(["A replication layer serves region beta, which this stack does not deploy (it deploys alpha)."]);
  });
});
