import { configSetAllArgs, NOT_DEPLOYED } from "./local-config";

const keys = ["0x" + "1".repeat(64), "0x" + "2".repeat(64), "0x" + "3".repeat(64)];
const base = { agentKeys: keys, peerSecret: "s".repeat(64), rpcUrl: "http://127.0.0.1:8545" };

describe("configSetAllArgs", () => {
  it("sets agent keys and the peer secret as secrets, chain settings as plain text, by path", () => {
    const args = configSetAllArgs(base);
    expect(args[0]).toBe("--path");
    expect(args).toEqual(
      expect.arrayContaining([
        "--secret", `dsc:watcherAgentKeys.alpha=${keys[0]}`,
        "--secret", `dsc:watcherAgentKeys.gamma=${keys[2]}`,
        "--secret", `dsc:replicationPeerSecret=${"s".repeat(64)}`,
        "--plaintext", "dsc:chain.rpcUrl=http://127.0.0.1:8545",
      ]),
    );
    const secretValues = args.filter((_, i) => args[i - 1] === "--secret");
    expect(secretValues).toHaveLength(4);
    expect(args.filter((_, i) => args[i - 1] === "--plaintext").join(" ")).not.toMatch(/watcherAgentKeys|PeerSecret/);
  });

  it("uses the deployment's Guardian and Consortium Safe, or the zero address when nothing is deployed", () => {
    const guardian = "0x" + "a".repeat(40);
    const safe = "0x" + "b".repeat(40);
    const deployed = configSetAllArgs({ ...base, deployment: { consortium: safe, contracts: { Guardian: guardian } } });
    expect(deployed).toContain(`dsc:chain.guardianAddress=${guardian}`);
    expect(deployed).toContain(`dsc:chain.consortiumSafeAddress=${safe}`);
    const bare = configSetAllArgs(base);
    expect(bare).toContain(`dsc:chain.guardianAddress=${NOT_DEPLOYED}`);
    expect(bare).toContain(`dsc:chain.consortiumSafeAddress=${NOT_DEPLOYED}`);
  });

  it("rejects a deployment file without the addresses, and too few agent keys", () => {
    expect(() => configSetAllArgs({ ...base, deployment: { consortium: "0x1" } })).toThrow(/contracts.Guardian/);
    expect(() => configSetAllArgs({ ...base, agentKeys: keys.slice(0, 2) })).toThrow(/one agent key per region/);
  });
});
