import { ResourceRecord } from "../evaluate";
import { edit, ofType } from "../testing/edit";
import { messagesOf } from "../testing/harness";
import { stackRecords } from "../testing/program";
import { agentKeySecret } from "./agent-key-secret";

const isAgentKeySecret = (r: ResourceRecord) => r.type === "kubernetes:core/v1:Secret" && typeof (r.props.stringData as Record<string, unknown> | undefined)?.["agent-key"] === "string";
const DEPLOYMENT = ofType("kubernetes:apps/v1:Deployment");

describe("agent-key-secret", () => {
  it("passes on the alpha stack", async () => {
    expect(await messagesOf(agentKeySecret, await stackRecords("alpha"))).toEqual([]);
  });

  it("fails when the key is also passed as an env literal", async () => {
    const records = await stackRecords("alpha");
    const key = (records.find(isAgentKeySecret)?.props.stringData as Record<string, string>)["agent-key"];
    const leaked = edit(records, DEPLOYMENT, (p) => { p.spec.template.spec.containers[0].env.push({ name: "DSC_AGENT_KEY", value: key }); });
    expect(await messagesOf(agentKeySecret, leaked)).toEqual([
      expect.stringMatching(/^kubernetes:apps\/v1:Deployment ".*" carries the agent key \(or a private-key literal\) at spec\.template\.spec\.containers\[0\]\.env\[\d+\]\.value/),
    ]);
  });

  it("fails when a private key literal sits in a ConfigMap", async () => {
    const records = edit(await stackRecords("alpha"), ofType("kubernetes:core/v1:ConfigMap"), (p) => { p.data.PRIVATE_KEY = `0x${"cd".repeat(32)}`; });
    expect(await messagesOf(agentKeySecret, records)).toEqual([expect.stringMatching(/ConfigMap ".*" carries the agent key \(or a private-key literal\) at data\.PRIVATE_KEY/)]);
  });

  it("fails when the Secret holds something that is not a private key", async () => {
    const records = edit(await stackRecords("alpha"), isAgentKeySecret, (p) => { p.stringData["agent-key"] = "changeme"; });
    expect(await messagesOf(agentKeySecret, records)).toEqual([expect.stringContaining("the agent key must be a 0x-prefixed 32-byte hex private key")]);
  });

  it("fails when the watcher does not read the key from its Secret", async () => {
    const records = edit(await stackRecords("alpha"), DEPLOYMENT, (p) => { p.spec.template.spec.volumes = []; });
    expect(await messagesOf(agentKeySecret, records)).toEqual([expect.stringMatching(/Deployment ".*" does not read the agent key from Secret "guardian-agent-key"/)]);
  });

  it("fails when the agent key Secret is missing", async () => {
    const records = (await stackRecords("alpha")).filter((r) => !isAgentKeySecret(r));
    expect(await messagesOf(agentKeySecret, records)).toEqual([expect.stringMatching(/GuardianWatchers ".*" has 0 Secrets holding "agent-key"; it needs exactly one/)]);
  });
});
