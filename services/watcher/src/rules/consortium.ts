/**
 * The consortium rule: which changes to the Consortium Safe's owners, threshold, guard, modules and fallback
 * handler, to the agent registry and to the signer groups in TierRules came through an accepted path.
 *
 * Every such change is made by the Consortium Safe itself (the contracts are `onlyConsortium`), inside one of its
 * executions, and the Safe emits the execution's outcome after the change's own events:
 * - `ExecutionSuccess`: a direct Safe transaction. It passed the transaction guard in force when it started,
 *   which holds it to `critical`; with no guard set, a direct transaction needs only the Safe's threshold, so it
 *   is not the guarded path.
 * - `ExecutionFromModuleSuccess(module)`: a module call, which bypasses the transaction guard. Only the Board's
 *   rotation module may change owners, groups and agents this way, and only the kinds of change a rotation makes.
 * A change attributed to neither is refused as well.
 */
import type { Breach } from "../breach";

export const ZERO_ADDRESS = "0x0000000000000000000000000000000000000000";

/** One decoded log of a watched contract, as the chain edge hands it over. Addresses are lower-case. */
export interface ConsortiumLog {
  readonly txHash: string;
  readonly logIndex: number;
  readonly blockNumber: number;
  readonly source: "safe" | "agents" | "tierRules";
  readonly name: string;
  readonly args: Readonly<Record<string, string>>;
}

export const SAFE_CHANGES = ["AddedOwner", "RemovedOwner", "ChangedThreshold", "ChangedGuard", "ChangedModuleGuard", "EnabledModule", "DisabledModule", "ChangedFallbackHandler"] as const;
export const AGENT_CHANGES = ["AgentMinted", "AgentBurned"] as const;
export const GROUP_CHANGES = ["DspReplaced", "BoardSignerReplaced", "RuleChanged", "TierTableDigestSet"] as const;
/** What `BoardRotationModule.rotate` does: swap a DSP Safe among the owners, replace it in TierRules, re-mint the agent. */
const ROTATION_CHANGES = new Set(["AddedOwner", "RemovedOwner", "DspReplaced", "AgentBurned", "AgentMinted"]);

export interface ChainContext {
  /** The Safe's transaction guard before the first transaction judged (zero when none). */
  readonly guard: string;
  /** Modules identified as the Board's rotation module (see chain.ts for how). */
  readonly rotationModules: ReadonlySet<string>;
}

export function isChange(log: ConsortiumLog): boolean {
  const names: readonly string[] = log.source === "safe" ? SAFE_CHANGES : log.source === "agents" ? AGENT_CHANGES : GROUP_CHANGES;
  return names.includes(log.name);
}

/** What a change did, in words for the log and the pause reason. */
export function describeChange(log: ConsortiumLog): { object: string; what: string } {
  const a = log.args;
  switch (log.name) {
    case "AddedOwner":
      return { object: "Consortium Safe owners", what: `owner ${a.owner} added` };
    case "RemovedOwner":
      return { object: "Consortium Safe owners", what: `owner ${a.owner} removed` };
    case "ChangedThreshold":
      return { object: "Consortium Safe threshold", what: `threshold set to ${a.threshold}` };
    case "ChangedGuard":
      return { object: "Consortium Safe guard", what: `guard set to ${a.guard}` };
    case "ChangedModuleGuard":
      return { object: "Consortium Safe module guard", what: `module guard set to ${a.moduleGuard}` };
    case "EnabledModule":
      return { object: "Consortium Safe modules", what: `module ${a.module} enabled` };
    case "DisabledModule":
      return { object: "Consortium Safe modules", what: `module ${a.module} disabled` };
    case "ChangedFallbackHandler":
      return { object: "Consortium Safe fallback handler", what: `fallback handler set to ${a.handler}` };
    case "AgentMinted":
      return { object: "agent registry", what: `agent ${a.agent} minted for DSP ${a.dsp}` };
    case "AgentBurned":
      return { object: "agent registry", what: `agent ${a.agent} of DSP ${a.dsp} burned` };
    case "DspReplaced":
      return { object: "TierRules signer groups", what: `DSP of region ${a.region} replaced: ${a.oldDsp} -> ${a.newDsp}` };
    case "BoardSignerReplaced":
      return { object: "TierRules signer groups", what: `Board signer replaced: ${a.oldSigner} -> ${a.newSigner}` };
    case "RuleChanged":
      return { object: "TierRules rules", what: `rule of tier ${a.tier} changed` };
    default:
      return { object: log.source, what: log.name };
  }
}

export interface Judgement {
  readonly breaches: Breach[];
  /** Changes that came through an accepted path (reported in the status, not paused for). */
  readonly accepted: number;
  readonly context: ChainContext;
}

/**
 * Judges the logs of consecutive blocks (in chain order) starting from `context`; returns the breaches and the
 * context after them. Pure: the same logs and context always give the same answer.
 */
export function judgeConsortiumLogs(logs: readonly ConsortiumLog[], context: ChainContext): Judgement {
  const breaches: Breach[] = [];
  let accepted = 0;
  let guard = context.guard;
  const byTx = new Map<string, ConsortiumLog[]>();
  for (const log of logs) byTx.set(log.txHash, [...(byTx.get(log.txHash) ?? []), log]);
  for (const txLogs of byTx.values()) {
    const ordered = [...txLogs].sort((x, y) => x.logIndex - y.logIndex);
    let pending: ConsortiumLog[] = [];
    // The guard checked by an execution is the one set when that execution began.
    const settle = (path: { kind: "direct" } | { kind: "module"; module: string } | { kind: "none" }): void => {
      for (const change of pending) {
        const refusal = refusalOf(change, path, guard, context.rotationModules);
        const { object, what } = describeChange(change);
        if (refusal === undefined) accepted++;
        else breaches.push({ detector: "consortium", object, what: `${what} ${refusal} (tx ${change.txHash})`, key: `${change.txHash}:${change.logIndex}` });
      }
      for (const change of pending) if (change.name === "ChangedGuard") guard = change.args.guard.toLowerCase();
      pending = [];
    };
    for (const log of ordered) {
      if (log.source === "safe" && log.name === "ExecutionSuccess") settle({ kind: "direct" });
      else if (log.source === "safe" && log.name === "ExecutionFromModuleSuccess") settle({ kind: "module", module: log.args.module.toLowerCase() });
      else if (isChange(log)) pending.push(log);
    }
    settle({ kind: "none" });
  }
  return { breaches, accepted, context: { guard, rotationModules: context.rotationModules } };
}

function refusalOf(change: ConsortiumLog, path: { kind: "direct" } | { kind: "module"; module: string } | { kind: "none" }, guard: string, rotation: ReadonlySet<string>): string | undefined {
  switch (path.kind) {
    case "direct":
      return guard === ZERO_ADDRESS ? "by a Safe transaction while no guard was set, so not held to the critical tier" : undefined;
    case "module":
      if (!rotation.has(path.module)) return `through module ${path.module}, which bypasses the guard and is not the Board's rotation module`;
      return ROTATION_CHANGES.has(change.name) ? undefined : `through the Board's rotation module, which never makes this kind of change`;
    case "none":
      return "outside any execution of the Consortium Safe";
  }
}
