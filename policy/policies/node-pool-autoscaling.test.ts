import { edit, ofType } from "../testing/edit";
import { messagesOf } from "../testing/harness";
import { stackRecords } from "../testing/program";
import { boundsProblems, nodePoolAutoscaling } from "./node-pool-autoscaling";

describe("node-pool-autoscaling", () => {
  it("passes on the gamma stack", async () => {
    expect(await messagesOf(nodePoolAutoscaling, await stackRecords("gamma"))).toEqual([]);
  });

  it("names every broken bound", () => {
    expect(boundsProblems("pool", { min: 0, max: 200, desired: 300 }, 100)).toEqual([
      "pool minimum 0 can scale to zero nodes: keep at least 1.",
      "pool maximum 200 is above the ceiling 100.",
      "pool desired size 300 is outside 0..200.",
    ]);
    expect(boundsProblems("pool", { min: 5, max: 2 }, 100)).toEqual(["pool minimum 5 is above its maximum 2."]);
    expect(boundsProblems("pool", { min: undefined, max: 3 }, 100)).toEqual(["pool has no autoscaling bounds: set a minimum and a maximum node count."]);
  });

  it("fails when a GKE pool's minimum exceeds its maximum", async () => {
    const records = edit(await stackRecords("gamma"), ofType("gcp:container/nodePool:NodePool"), (p) => { p.autoscaling = { minNodeCount: 8, maxNodeCount: 4 }; });
    expect(await messagesOf(nodePoolAutoscaling, records)).toContainEqual(expect.stringMatching(/^gcp:container\/nodePool:NodePool ".*": autoscaling minimum 8 is above its maximum 4/));
  });

  it("fails when a GKE pool does not autoscale", async () => {
    const records = edit(await stackRecords("gamma"), ofType("gcp:container/nodePool:NodePool"), (p) => { delete p.autoscaling; });
    expect(await messagesOf(nodePoolAutoscaling, records)).toContainEqual(expect.stringContaining("autoscaling has no autoscaling bounds"));
  });

  it("fails when a pool's maximum is above the configured ceiling", async () => {
    const messages = await messagesOf(nodePoolAutoscaling, await stackRecords("gamma"), { "node-pool-autoscaling": { maxNodes: 1 } });
    expect(messages).toContainEqual(expect.stringMatching(/NodePool ".*": autoscaling maximum \d+ is above the ceiling 1/));
  });
});
