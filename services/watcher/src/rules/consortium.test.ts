import { ConsortiumLog, ZERO_ADDRESS, judgeConsortiumLogs } from "./consortium";

const GUARD = "0x" + "9".repeat(40);
const ROTATION = "0x" + "7".repeat(40);
const ROGUE = "0x" + "6".repeat(40);
const ctx = { guard: GUARD, rotationModules: new Set([ROTATION]) };

let index = 0;
function log(txHash: string, source: ConsortiumLog["source"], name: string, args: Record<string, string> = {}): ConsortiumLog {
  return { txHash, logIndex: index++, blockNumber: 10, source, name, args };
}
const owner = (n: string) => "0x" + n.repeat(40);

describe("the consortium rule", () => {
  test("changes inside a direct Safe transaction under the guard are accepted", () => {
    const logs = [log("0xa", "safe", "AddedOwner", { owner: owner("1") }), log("0xa", "safe", "ChangedThreshold", { threshold: "5" }), log("0xa", "safe", "ExecutionSuccess", { txHash: "0x1" })];
    const j = judgeConsortiumLogs(logs, ctx);
    expect(j.breaches).toEqual([]);
    expect(j.accepted).toBe(2);
  });

  test("a direct transaction while no guard is set is a breach for each change, naming it", () => {
    const logs = [log("0xb", "safe", "RemovedOwner", { owner: owner("2") }), log("0xb", "safe", "ExecutionSuccess", {})];
    const j = judgeConsortiumLogs(logs, { ...ctx, guard: ZERO_ADDRESS });
    expect(j.breaches).toHaveLength(1);
    expect(j.breaches[0]).toMatchObject({ detector: "consortium", object: "Consortium Safe owners", key: `0xb:${logs[0].logIndex}` });
    expect(j.breaches[0].what).toMatch(/owner 0x2{40} removed by a Safe transaction while no guard was set/);
  });

  test("an owner added through a module that is not the rotation module is a breach", () => {
    const logs = [log("0xc", "safe", "AddedOwner", { owner: owner("3") }), log("0xc", "safe", "ExecutionFromModuleSuccess", { module: ROGUE })];
    const [b] = judgeConsortiumLogs(logs, ctx).breaches;
    expect(b.what).toMatch(new RegExp(`owner 0x3{40} added through module ${ROGUE}, which bypasses the guard`));
    expect(b.what).toContain("(tx 0xc)");
  });

  test("a rotation through the Board's module is accepted, in all its steps", () => {
    const done = () => log("0xd", "safe", "ExecutionFromModuleSuccess", { module: ROTATION.toUpperCase().replace("0X", "0x") });
    const logs = [
      log("0xd", "safe", "RemovedOwner", { owner: owner("1") }),
      log("0xd", "safe", "AddedOwner", { owner: owner("4") }),
      done(),
      log("0xd", "tierRules", "DspReplaced", { region: "0", oldDsp: owner("1"), newDsp: owner("4") }),
      done(),
      log("0xd", "agents", "AgentBurned", { tokenId: "1", agent: owner("a"), dsp: owner("1") }),
      done(),
      log("0xd", "agents", "AgentMinted", { tokenId: "4", agent: owner("b"), dsp: owner("4") }),
      done(),
    ];
    const j = judgeConsortiumLogs(logs, ctx);
    expect(j.breaches).toEqual([]);
    expect(j.accepted).toBe(5);
  });

  test("the rotation module doing something a rotation never does is a breach", () => {
    const logs = [log("0xe", "safe", "ChangedThreshold", { threshold: "1" }), log("0xe", "safe", "ExecutionFromModuleSuccess", { module: ROTATION })];
    expect(judgeConsortiumLogs(logs, ctx).breaches[0].what).toMatch(/threshold set to 1 through the Board's rotation module, which never makes this kind of change/);
  });

  test("each kind of change is watched: guard, module guard, modules, fallback handler, agents, groups", () => {
    const kinds: Array<[ConsortiumLog["source"], string, Record<string, string>, RegExp]> = [
      ["safe", "ChangedGuard", { guard: ZERO_ADDRESS }, /guard set to 0x0{40}/],
      ["safe", "ChangedModuleGuard", { moduleGuard: owner("5") }, /module guard set/],
      ["safe", "EnabledModule", { module: owner("5") }, /module 0x5{40} enabled/],
      ["safe", "DisabledModule", { module: ROTATION }, /disabled/],
      ["safe", "ChangedFallbackHandler", { handler: owner("5") }, /fallback handler set/],
      ["agents", "AgentMinted", { agent: owner("5"), dsp: owner("6") }, /agent 0x5{40} minted for DSP/],
      ["agents", "AgentBurned", { agent: owner("5"), dsp: owner("6") }, /burned/],
      ["tierRules", "DspReplaced", { region: "2", oldDsp: owner("1"), newDsp: owner("2") }, /DSP of region 2 replaced/],
      ["tierRules", "BoardSignerReplaced", { oldSigner: owner("1"), newSigner: owner("2") }, /Board signer replaced/],
      ["tierRules", "RuleChanged", { tier: "1" }, /rule of tier 1 changed/],
    ];
    for (const [source, name, args, wording] of kinds) {
      const logs = [log(`0x${name}`, source, name, args), log(`0x${name}`, "safe", "ExecutionFromModuleSuccess", { module: ROGUE })];
      const breaches = judgeConsortiumLogs(logs, ctx).breaches;
      expect(breaches).toHaveLength(1);
      expect(breaches[0].what).toMatch(wording);
    }
  });

  test("events that are not changes (transfers, approvals, manifests) are not judged", () => {
    const logs = [log("0xf", "agents", "Transfer", {}), log("0xf", "agents", "Locked", {}), log("0xf", "tierRules", "ManifestRecorded", {}), log("0xf", "safe", "ExecutionSuccess", {})];
    expect(judgeConsortiumLogs(logs, { ...ctx, guard: ZERO_ADDRESS })).toMatchObject({ breaches: [], accepted: 0 });
  });

  test("a change with no execution of the Safe after it is a breach", () => {
    expect(judgeConsortiumLogs([log("0x10", "safe", "AddedOwner", { owner: owner("8") })], ctx).breaches[0].what).toMatch(/outside any execution of the Consortium Safe/);
  });

  test("removing the guard is judged under the old guard; later direct transactions are judged without it", () => {
    const logs = [
      log("0x11", "safe", "ChangedGuard", { guard: ZERO_ADDRESS }),
      log("0x11", "safe", "ExecutionSuccess", {}),
      log("0x12", "safe", "AddedOwner", { owner: owner("9") }),
      log("0x12", "safe", "ExecutionSuccess", {}),
    ];
    const j = judgeConsortiumLogs(logs, ctx);
    expect(j.breaches.map((b) => b.what)).toEqual([expect.stringMatching(/owner 0x9{40} added by a Safe transaction while no guard was set/)]);
    expect(j.context.guard).toBe(ZERO_ADDRESS);
    expect(j.accepted).toBe(1);
  });

  test("a guard set back by a critical transaction guards what follows", () => {
    const logs = [log("0x13", "safe", "ChangedGuard", { guard: GUARD }), log("0x13", "safe", "ExecutionSuccess", {}), log("0x14", "safe", "AddedOwner", { owner: owner("1") }), log("0x14", "safe", "ExecutionSuccess", {})];
    const j = judgeConsortiumLogs(logs, { ...ctx, guard: ZERO_ADDRESS });
    expect(j.breaches).toHaveLength(1);
    expect(j.breaches[0].what).toMatch(/guard set to/);
    expect(j.context.guard).toBe(GUARD);
  });

  test("logs are attributed in log order whatever order they arrive in", () => {
    const added = log("0x15", "safe", "AddedOwner", { owner: owner("2") });
    const viaModule = log("0x15", "safe", "ExecutionFromModuleSuccess", { module: ROGUE });
    expect(judgeConsortiumLogs([viaModule, added], ctx).breaches).toHaveLength(1);
  });

  test("the same logs always give the same breaches and keys", () => {
    const logs = [log("0x16", "safe", "AddedOwner", { owner: owner("3") }), log("0x16", "safe", "ExecutionFromModuleSuccess", { module: ROGUE })];
    expect(judgeConsortiumLogs(logs, ctx)).toEqual(judgeConsortiumLogs(logs, ctx));
  });
});
