import { edit, ofType } from "../testing/edit";
import { messagesOf } from "../testing/harness";
import { stackRecords } from "../testing/program";
import { GKE_CLUSTER, gkeHardening } from "./gke-hardening";

const breakGke = async (change: (props: Record<string, unknown>) => void) =>
  messagesOf(gkeHardening, edit(await stackRecords("gamma"), ofType(GKE_CLUSTER), change));

describe("gke-hardening", () => {
  it("passes on the gamma stack", async () => {
    expect(await messagesOf(gkeHardening, await stackRecords("gamma"))).toEqual([]);
  });

  it.each([
    ["private nodes are off", (p: Record<string, unknown>) => { p.privateClusterConfig = { enablePrivateNodes: false }; }, "nodes have public IPs"],
    ["Workload Identity is off", (p: Record<string, unknown>) => { delete p.workloadIdentityConfig; }, "Workload Identity is off"],
    ["shielded nodes are off", (p: Record<string, unknown>) => { p.enableShieldedNodes = false; }, "shielded nodes are not enforced"],
    ["secrets are not KMS-encrypted", (p: Record<string, unknown>) => { p.databaseEncryption = { state: "DECRYPTED" }; }, "secrets are not encrypted with Cloud KMS"],
  ])("fails when %s", async (_case, change, message) => {
    expect(await breakGke(change)).toEqual([expect.stringMatching(new RegExp(`Cluster ".*": ${message}`))]);
  });
});
