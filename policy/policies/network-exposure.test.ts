import { edit, ofType } from "../testing/edit";
import { messagesOf } from "../testing/harness";
import { stackRecords } from "../testing/program";
import { NETWORK_POLICY, networkExposure, SERVICE } from "./network-exposure";

const isPeerService = (r: { type: string; name: string }) => r.type === SERVICE && r.name.endsWith("-replication-peer");

describe("network-exposure", () => {
  it.each(["alpha", "beta", "gamma", "local"] as const)("passes on the %s stack", async (stack) => {
    expect(await messagesOf(networkExposure, await stackRecords(stack))).toEqual([]);
  });

  it("fails a LoadBalancer without source ranges, and one open to 0.0.0.0/0", async () => {
    const alpha = await stackRecords("alpha");
    expect(await messagesOf(networkExposure, edit(alpha, isPeerService, (p) => { delete p.spec.loadBalancerSourceRanges; })))
      .toEqual([expect.stringMatching(/^kubernetes:core\/v1:Service "alpha-replication-peer" is a LoadBalancer open to every address/)]);
    expect(await messagesOf(networkExposure, edit(alpha, isPeerService, (p) => { p.spec.loadBalancerSourceRanges = ["192.0.2.32/28", "0.0.0.0/0"]; })))
      .toEqual([expect.stringContaining("is a LoadBalancer admitting 0.0.0.0/0")]);
  });

  it("fails when the data API Service is turned into a LoadBalancer without ranges", async () => {
    const records = edit(await stackRecords("alpha"), (r) => r.name === "alpha-replication-api", (p) => { p.spec.type = "LoadBalancer"; });
    expect(await messagesOf(networkExposure, records)).toEqual([expect.stringContaining('"alpha-replication-api" is a LoadBalancer open to every address')]);
  });

  it("fails a federation namespace without a default-deny NetworkPolicy", async () => {
    const records = (await stackRecords("beta")).filter((r) => r.name !== "beta-replication-default-deny");
    expect(await messagesOf(networkExposure, records)).toEqual([
      expect.stringMatching(/^kubernetes:core\/v1:Namespace "beta-replication-ns" has no NetworkPolicy that denies ingress by default/),
    ]);
  });

  it("does not count a policy that selects some pods, or admits traffic, as default-deny", async () => {
    const deny = (r: { type: string; name: string }) => r.type === NETWORK_POLICY && r.name === "beta-guardian-default-deny";
    const beta = await stackRecords("beta");
    expect(await messagesOf(networkExposure, edit(beta, deny, (p) => { p.spec.podSelector = { matchLabels: { app: "x" } }; })))
      .toEqual([expect.stringContaining("has no NetworkPolicy that denies ingress by default")]);
    expect(await messagesOf(networkExposure, edit(beta, deny, (p) => { p.spec.ingress = [{}]; })))
      .toEqual([expect.stringContaining("has no NetworkPolicy that denies ingress by default")]);
  });

  it("fails an object placed in a namespace the stack does not guard (e.g. default)", async () => {
    const records = edit(await stackRecords("gamma"), ofType("kubernetes:apps/v1:Deployment"), (p) => { p.metadata.namespace = "default"; });
    expect(await messagesOf(networkExposure, records)).toEqual([expect.stringMatching(/^namespace "default" \(holding kubernetes:apps\/v1:Deployment ".*"\) has no NetworkPolicy/)]);
  });
});
