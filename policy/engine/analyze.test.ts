import { edit, ofType } from "../testing/edit";
import { stackRecords } from "../testing/program";
import { analyzeWithEngine } from "./analyze";
import { policyPackCommand } from "./language-host";

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

describe("the policy-pack language host", () => {
  it("runs run-policy-pack like the Node.js host: plugin args first, the pack directory last, in the pack directory", () => {
    const command = policyPackCommand({ args: ["127.0.0.1:1234"], programDirectory: __dirname, typescript: true, env: ["A=b=c"] });
    expect(command.args.slice(1)).toEqual(["127.0.0.1:1234", __dirname]);
    expect(command.args[0]).toMatch(/@pulumi\/pulumi\/cmd\/run-policy-pack\/index\.js$/);
    expect(command.cwd).toBe(__dirname);
    expect(command.env).toEqual({ A: "b=c", PULUMI_NODEJS_TYPESCRIPT: "true" });
  });
});
