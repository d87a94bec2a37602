import { AGENT_KEY, edit, ofType } from "../testing/fixtures";
import { messagesOf } from "../testing/harness";
import { stackRecords } from "../testing/program";
import { agentKeySecret } from "./agent-key-secret";

const SECRET = "kubernetes:core/v1:Secret";
const isAgentKeySecret = (r: { type: string; props: Record<string, unknown> }) => r.type === SECRET && JSON.stringify(r.props).includes("agent-key\":");

describe("agent-key-secret", () => {
  it.each(["alpha", "beta", "gamma", "local"] as const)("passes on the %s stack", async (stack) => {
    expect(await messagesOf(agentKeySecret, await stackRecords(stack))).toEqual([]);
  });

  it("fails when the key is also passed as an env literal", async () => {
    const key = (await stackRecords("alpha")).filter(isAgentKeySecret).map((r) => (r.props.stringData as Record<string, string>)["agent-key"])[0];
    const records = edit(await stackRecords("alpha"), ofType("kubernetes:apps/v1:Deployment"), (p) => {
      p.spec.template.spec.containers[0].env.push({ name: "DSC_AGENT_KEY", value: key });
    });
    expect(await messagesOf(agentKeySecret, records)).toEqual([
      expect.stringMatching(/Deployment ".*" carries the agent key \(or a private-key literal\) at spec\.template\.spec\.containers\[0\]\.env\[\d\]\.value/),
    ]);
  });

  it("fails when a private key literal sits in a ConfigMap", async () => {
    const records = [...(await stackRecords("alpha"))];
    records.push({ type: "kubernetes:core/v1:ConfigMap", name: "leak", urn: "urn:pulumi:alpha::dsc::kubernetes:core/v1:ConfigMap::leak", props: { data: { PRIVATE_KEY: AGENT_KEY.replace("ab", "cd") } } });
    expect(await messagesOf(agentKeySecret, records)).toEqual([expect.stringContaining('ConfigMap "leak" carries the agent key (or a private-key literal) at data.PRIVATE_KEY')]);
  });

  it("fails when the Secret holds something that is not a private key", async () => {
    const records = edit(await stackRecords("gamma"), isAgentKeySecret, (p) => { p.stringData["agent-key"] = "changeme"; });
    expect(await messagesOf(agentKeySecret, records)).toEqual([expect.stringContaining("the agent key must be a 0x-prefixed 32-byte hex private key")]);
  });

  it("fails when the watcher does not read the key from its Secret", async () => {
    const records = edit(await stackRecords("beta"), ofType("kubernetes:apps/v1:Deployment"), (p) => { p.spec.template.spec.volumes = []; });
    expect(await messagesOf(agentKeySecret, records)).toEqual([expect.stringMatching(/Deployment ".*" does not read the agent key from Secret "guardian-agent-key"/)]);
  });

  it("fails when the agent key Secret is missing", async () => {
    const records = (await stackRecords("beta")).filter((r) => !isAgentKeySecret(r));
    expect(await messagesOf(agentKeySecret, records)).toEqual([expect.stringMatching(/GuardianWatchers ".*" has 0 Secrets holding "agent-key"; it needs exactly one/)]);
  });
});
