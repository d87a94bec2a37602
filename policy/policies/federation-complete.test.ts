import { messagesOf } from "../testing/harness";
import { stackRecords } from "../testing/program";
import { federationComplete } from "./federation-complete";

const regions = (...names: string[]) => ({ "federation-complete": { regions: names } });

describe("federation-complete", () => {
  it.each(["alpha", "beta", "gamma"] as const)("passes on the %s stack", async (stack) => {
    expect(await messagesOf(federationComplete, await stackRecords(stack), regions(stack))).toEqual([]);
  });

  it("passes on the local stack and on the three regional stacks taken together", async () => {
    expect(await messagesOf(federationComplete, await stackRecords("local"), regions("alpha", "beta", "gamma"))).toEqual([]);
    const together = [...(await stackRecords("alpha")), ...(await stackRecords("beta")), ...(await stackRecords("gamma"))];
    expect(await messagesOf(federationComplete, together, regions("alpha", "beta", "gamma"))).toEqual([]);
  });

  it("fails when a region of the federation is missing", async () => {
    const partial = [...(await stackRecords("alpha")), ...(await stackRecords("gamma"))];
    expect(await messagesOf(federationComplete, partial, regions("alpha", "beta", "gamma"))).toEqual([
      "Region beta has no cluster; it needs exactly one.",
      "Region beta has no replication layer; it needs exactly one.",
      "Region beta has no Guardian watchers; it needs exactly one.",
    ]);
  });

  it("fails when a stack deploys a layer twice or for a region it does not own", async () => {
    const doubled = [...(await stackRecords("alpha")), ...(await stackRecords("alpha")).map((r) => ({ ...r, urn: `${r.urn}-copy`, parent: r.parent && `${r.parent}-copy`, provider: r.provider && r.provider.replace("::", "-copy::") }))];
    const messages = await messagesOf(federationComplete, doubled, regions("alpha"));
    expect(messages).toContain("Region alpha has 2 replication layers; it needs exactly one.");
    const foreign = [...(await stackRecords("alpha")), ...(await stackRecords("beta"))];
    expect(await messagesOf(federationComplete, foreign, regions("alpha"))).toContain("A replication layer serves region beta, which this stack does not deploy (it deploys alpha).");
  });
});
