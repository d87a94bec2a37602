import { edit, ofType } from "../testing/edit";
import { stackRecords } from "../testing/program";
import { analyzeWithEngine } from "./analyze";

describe("the pack under the real engine (pulumi policy analyze over the mocked beta stack)", () => {
  it("fails on exactly the broken hardening setting and passes every other policy on the real program's resources", async () => {
    const records = edit(await stackRecords("beta"), ofType("azure-native:containerservice:ManagedCluster"), (p) => { p.disableLocalAccounts = false; });
    const verdict = await analyzeWithEngine("beta", records);
    expect(verdict.code).toBe(1);
    expect(verdict.output).toContain("local accounts are enabled: set disableLocalAccounts true.");
    expect(verdict.output.match(/- \[mandatory\]\s+\S+/g)).toEqual([expect.stringMatching(/aks-hardening$/)]);
    expect(verdict.output).toContain("one or more mandatory policy violations were found");
  }, 180_000);
});
