import { edit, ofType } from "../testing/edit";
import { messagesOf } from "../testing/harness";
import { stackRecords } from "../testing/program";
import { replicationLayer } from "./replication-layer";

const alpha = () => stackRecords("alpha");

describe("replication-layer", () => {
  it("passes on the alpha stack", async () => {
    expect(await messagesOf(replicationLayer, await alpha())).toEqual([]);
  });

  it("fails with fewer than 3 replicas", async () => {
    const records = edit(await alpha(), ofType("kubernetes:apps/v1:StatefulSet"), (p) => { p.spec.replicas = 2; });
    expect(await messagesOf(replicationLayer, records)).toEqual([
      expect.stringMatching(/StatefulSet ".*" runs 2 replicas; the federation needs at least 3/),
      expect.stringContaining("lets 1 of 2 replicas go at once; allow at most 0"),
    ]);
  });

  it("fails without persistent volumes", async () => {
    const records = edit(await alpha(), ofType("kubernetes:apps/v1:StatefulSet"), (p) => { delete p.spec.volumeClaimTemplates; });
    expect(await messagesOf(replicationLayer, records)).toEqual([expect.stringContaining("has no volumeClaimTemplates with a storage request")]);
  });

  it("fails when the PodDisruptionBudget is gone or lets a majority go", async () => {
    const records = await alpha();
    const withoutPdb = records.filter((r) => r.type !== "kubernetes:policy/v1:PodDisruptionBudget");
    expect(await messagesOf(replicationLayer, withoutPdb)).toEqual([expect.stringMatching(/ReplicationLayer ".*": no PodDisruptionBudget selects the replication pods/)]);
    const loose = edit(records, ofType("kubernetes:policy/v1:PodDisruptionBudget"), (p) => { p.spec.maxUnavailable = 2; });
    expect(await messagesOf(replicationLayer, loose)).toEqual([expect.stringContaining("lets 2 of 3 replicas go at once; allow at most 1")]);
  });

  it("fails when the NetworkPolicy selects other pods", async () => {
    const records = edit(await alpha(), ofType("kubernetes:networking.k8s.io/v1:NetworkPolicy"), (p) => { p.spec.podSelector = { matchLabels: { app: "other" } }; });
    expect(await messagesOf(replicationLayer, records)).toEqual([expect.stringContaining("no NetworkPolicy selects the replication pods")]);
  });

  it("fails when the stack has no replication layer at all", async () => {
    const records = (await alpha()).filter((r) => !r.urn.includes("ReplicationLayer"));
    expect(await messagesOf(replicationLayer, records)).toEqual(["The stack has no replication layer (dsc:workload:ReplicationLayer)."]);
  });

  it("fails when the data API port is put on the peer load balancer", async () => {
    const records = edit(await stackRecords("alpha"), (r) => r.name === "alpha-replication-peer", (p) => { p.spec.ports.push({ name: "api", port: 8080, targetPort: "api" }); });
    expect(await messagesOf(replicationLayer, records)).toEqual([expect.stringMatching(/Service "alpha-replication-peer" puts ports other than the peer port on a load balancer/)]);
  });
});
