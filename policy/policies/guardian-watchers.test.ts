import { edit, ofType } from "../testing/edit";
import { messagesOf } from "../testing/harness";
import { stackRecords } from "../testing/program";
import { guardianWatchers } from "./guardian-watchers";

describe("guardian-watchers", () => {
  it("passes on the beta stack", async () => {
    expect(await messagesOf(guardianWatchers, await stackRecords("beta"))).toEqual([]);
  });

  it("fails when the watcher Deployment is missing", async () => {
    const records = (await stackRecords("beta")).filter((r) => r.type !== "kubernetes:apps/v1:Deployment");
    expect(await messagesOf(guardianWatchers, records)).toEqual([expect.stringMatching(/GuardianWatchers ".*" has 0 Deployments; it must run exactly one watcher Deployment/)]);
  });

  it("fails when two watchers would race", async () => {
    const records = edit(await stackRecords("beta"), ofType("kubernetes:apps/v1:Deployment"), (p) => { p.spec.replicas = 2; });
    expect(await messagesOf(guardianWatchers, records)).toEqual([expect.stringContaining("runs 2 watcher replicas; run exactly 1")]);
  });

  it("fails when the stack has no watchers", async () => {
    const records = (await stackRecords("beta")).filter((r) => !r.urn.includes("GuardianWatchers"));
    expect(await messagesOf(guardianWatchers, records)).toEqual(["The stack has no Guardian watchers (dsc:workload:GuardianWatchers)."]);
  });
});
