import { edit, ofType } from "../testing/fixtures";
import { messagesOf } from "../testing/harness";
import { stackRecords } from "../testing/program";
import { boundsProblems, nodePoolAutoscaling } from "./node-pool-autoscaling";

describe("node-pool-autoscaling", () => {
  it.each(["alpha", "beta", "gamma"] as const)("passes on the %s stack", async (stack) => {
    expect(await messagesOf(nodePoolAutoscaling, await stackRecords(stack))).toEqual([]);
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

  it("fails when an EKS node group's minimum exceeds its maximum", async () => {
    const records = edit(await stackRecords("alpha"), ofType("aws:eks/nodeGroup:NodeGroup"), (p) => { p.scalingConfig = { minSize: 8, desiredSize: 8, maxSize: 4 }; });
    expect(await messagesOf(nodePoolAutoscaling, records)).toContainEqual(expect.stringMatching(/NodeGroup ".*": scalingConfig minimum 8 is above its maximum 4/));
  });

  it("fails when an AKS pool does not autoscale", async () => {
    const records = edit(await stackRecords("beta"), ofType("azure-native:containerservice:ManagedCluster"), (p) => { p.agentPoolProfiles[0].enableAutoScaling = false; });
    expect(await messagesOf(nodePoolAutoscaling, records)).toEqual([expect.stringContaining("agentPoolProfiles[0] does not autoscale")]);
  });

  it("fails when a GKE pool's maximum is above the configured ceiling", async () => {
    const messages = await messagesOf(nodePoolAutoscaling, await stackRecords("gamma"), { "node-pool-autoscaling": { maxNodes: 3 } });
    expect(messages).toEqual([expect.stringMatching(/NodePool ".*": autoscaling maximum \d+ is above the ceiling 3/)]);
  });
});
