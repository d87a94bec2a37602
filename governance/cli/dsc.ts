/**
 * `dsc`, the governance CLI over governance/gate and governance/consortium. Every module beyond commander loads
 * inside the command that needs it, so `dsc --help` answers at once. Progress goes to stderr; the result to
 * stdout (one JSON document with --json). Exit codes: governance/cli/exit.ts, documented in governance/README.md.
 */
import path from "node:path";
import { Command, CommanderError, InvalidArgumentError } from "commander";
import { EXIT, InputError, exitCodeOf } from "./exit";
import { federationCommands } from "./federation";
import { rotateCommands } from "./rotate";

const ROOT = path.resolve(__dirname, "..", "..");
const DEFAULT_DEPLOYMENT = path.join(ROOT, ".state", "consortium.json");

interface ChainOpts {
  rpc: string;
  deployment: string;
  json?: boolean;
}

function chainOptions(cmd: Command): Command {
  return cmd
    .option("--rpc <url>", "JSON-RPC URL of the chain (env DSC_RPC_URL)", process.env.DSC_RPC_URL ?? "http://127.0.0.1:8545")
    .option("--deployment <file>", "the consortium's deployment file", process.env.DSC_DEPLOYMENT ?? DEFAULT_DEPLOYMENT)
    .option("--json", "print the result as one JSON document");
}

async function openChain(o: ChainOpts) {
  const { Chain, httpEip1193, readDeploymentFile } = await import("../gate/chain");
  let deployment;
  try {
    deployment = readDeploymentFile(o.deployment);
  } catch (err) {
    throw new InputError((err as Error).message);
  }
  if (!/^https?:\/\//.test(o.rpc)) throw new InputError(`--rpc ${o.rpc} is not an http(s) URL`);
  return new Chain(httpEip1193(o.rpc), deployment);
}

/** An option parser that refuses a second use (commander would keep the last one silently). */
const onlyOnce = (flag: string, hint: string) => (value: string, previous: string | undefined): string => {
  if (previous !== undefined) throw new InvalidArgumentError(`${flag} is given twice (${previous}, ${value}): ${hint}`);
  return value;
};

function say(json: boolean | undefined, result: unknown, human: string): void {
  process.stdout.write(json ? JSON.stringify(result, (_k, v) => (typeof v === "bigint" ? v.toString() : v), 2) + "\n" : human + "\n");
}

const progress = (json?: boolean) => (line: string) => {
  if (!json && line.trim()) process.stderr.write(`[dsc] ${line}\n`);
};

async function workspace(stack: string, configFile?: string) {
  const { requireStack } = await import("./inputs");
  const { openGateWorkspace } = await import("../gate/workspace");
  requireStack(stack, ROOT);
  return openGateWorkspace(stack, { configFile });
}

export function program(): Command {
  const dsc = new Command("dsc")
    .description("Govern the DSC federation: changes, signatures, verification and the gate that applies them")
    .exitOverride()
    .showHelpAfterError()
    .addHelpText("after", "\nExit codes: 0 done, 1 failed, 2 bad input, 3 refused by governance, 4 chain unreachable.\nExample: dsc change alpha --bundle changes/alpha-42 && dsc sign changes/alpha-42 --key-file dsp1.key && dsc up changes/alpha-42 --stack alpha");

  chainOptions(
    dsc
      .command("change <stack>")
      .description("preview the stack with a saved plan and write a change bundle for signers")
      .option("--bundle <dir>", "where to write the bundle (default .state/changes/<stack>-<time>)")
      .option("--agent-key-file <file>", "the proposing agent's key (or env DSC_AGENT_KEY)")
      .option("--config-file <file>", "the stack config file the engine uses")
      .option("--expires-in <seconds>", "seconds until the manifest expires", "604800")
      .addHelpText("after", "\nExample: DSC_AGENT_KEY=$(cat agent.key) dsc change alpha --bundle changes/alpha-42"),
  ).action(async (stack: string, o: ChainOpts & { bundle?: string; agentKeyFile?: string; configFile?: string; expiresIn: string }) => {
    const { readKey } = await import("./inputs");
    const agentKey = readKey(o.agentKeyFile, "DSC_AGENT_KEY", "agent");
    const expiresIn = Number(o.expiresIn);
    if (!Number.isInteger(expiresIn) || expiresIn <= 0) throw new InputError(`--expires-in ${o.expiresIn} is not a positive number of seconds`);
    const chain = await openChain(o);
    const ws = await workspace(stack, o.configFile);
    const bundleDir = path.resolve(o.bundle ?? path.join(ROOT, ".state", "changes", `${stack}-${new Date().toISOString().replace(/[:.]/g, "-")}`));
    const { makeChange } = await import("../gate/change");
    const r = await makeChange({ ws, chain, bundleDir, agentKey, expiresIn, progress: progress(o.json) });
    if (r.nothingToChange) return say(o.json, { stack, nothingToChange: true, unchanged: r.unchanged }, `stack ${stack}: nothing to change (${r.unchanged} resources unchanged)`);
    for (const n of r.notes) progress(o.json)(n);
    const m = r.manifest.manifest;
    say(o.json, { stack, bundle: bundleDir, tier: m.tier, regions: m.regions, digest: r.manifest.digest, safeMessageHash: r.manifest.safeMessageHash }, `bundle ${bundleDir}: tier ${m.tier}, regions ${m.regions.join(", ")}; owners sign ${r.manifest.safeMessageHash}`);
  });

  chainOptions(
    dsc
      .command("sign <bundle>")
      .description("add one owner's signature (a Board key, a DSP Safe owner's key) or import signatures made elsewhere")
      .option("--key-file <file>", "the signer's key (or env DSC_SIGNER_KEY); one per run", onlyOnce("--key-file", "run dsc sign once per signer"))
      .option("--import <file>", "JSON {\"signatures\": \"0x…\"} (a Safe-format set, e.g. protocol-kit's encodedSignatures()) or {\"signer\": \"0x…\", \"data\": \"0x…\"}")
      .addHelpText("after", "\nExamples: dsc sign changes/alpha-42 --key-file ~/dsp1-owner1.key\n          dsc sign changes/alpha-42 --import safe-wallet-signatures.json"),
  ).action(async (bundle: string, o: ChainOpts & { keyFile?: string; import?: string }) => {
    const { requireDir, readKey, requireAddress } = await import("./inputs");
    requireDir(bundle, "bundle");
    const { readManifestFile, readSignatures, writeJson } = await import("../gate/bundle");
    const { importSignatures, readOwners, signWithKey } = await import("../gate/signing");
    const m = readManifestFile(bundle);
    const chain = await openChain(o);
    await chain.assertReachable();
    const owners = await readOwners(chain);
    let r;
    if (o.import !== undefined) {
      const { readFileSync, existsSync } = await import("node:fs");
      if (!existsSync(o.import)) throw new InputError(`--import ${o.import} does not exist`);
      let imported: { signatures: string } | { signer: string; data: string };
      try {
        imported = JSON.parse(readFileSync(o.import, "utf8"));
      } catch (err) {
        throw new InputError(`--import ${o.import} is not JSON: ${(err as Error).message}`);
      }
      if ("signer" in imported) requireAddress(imported.signer, "signer");
      try {
        r = await importSignatures(readSignatures(bundle), m, imported, owners, chain);
      } catch (err) {
        if ((err as Error).name === "ChainError") throw err;
        throw new InputError((err as Error).message);
      }
    } else {
      try {
        r = await signWithKey(readSignatures(bundle), m, readKey(o.keyFile, "DSC_SIGNER_KEY", "signer"), owners);
      } catch (err) {
        if ((err as Error).name === "InputError") throw err;
        throw new InputError((err as Error).message);
      }
    }
    writeJson(bundle, "signatures", r.file);
    say(o.json, { bundle, notes: r.notes, signatures: r.file.signatures.length }, r.notes.join("\n"));
  });

  chainOptions(
    dsc
      .command("verify <bundle>")
      .description("verify a bundle now, against the checkout, the stack and the chain; applies nothing")
      .requiredOption("--stack <stack>", "the stack the bundle is to be applied to")
      .option("--config-file <file>", "the stack config file the engine uses")
      .addHelpText("after", "\nExample: dsc verify changes/alpha-42 --stack alpha --json"),
  ).action(async (bundle: string, o: ChainOpts & { stack: string; configFile?: string }) => {
    const { requireDir } = await import("./inputs");
    requireDir(bundle, "bundle");
    const chain = await openChain(o);
    const ws = await workspace(o.stack, o.configFile);
    const { verifyForStack, GateRefusal } = await import("../gate/verify");
    const v = await verifyForStack(bundle, ws, chain);
    if (v.reasons.length > 0) throw new GateRefusal(v.reasons);
    say(o.json, { bundle, approved: true, tier: v.manifestFile.manifest.tier, regions: v.manifestFile.manifest.regions }, `approved: tier ${v.manifestFile.manifest.tier}, the signature set satisfies its rule`);
  });

  chainOptions(
    dsc
      .command("up <bundle>")
      .description("the gate: verify, record the approval on-chain once, apply exactly the signed plan")
      .requiredOption("--stack <stack>", "the stack to apply the bundle to")
      .option("--payer-key-file <file>", "a funded key paying the record transaction (or env DSC_PAYER_KEY)")
      .option("--config-file <file>", "the stack config file the engine uses")
      .addHelpText("after", "\nExample: DSC_PAYER_KEY=$(cat payer.key) dsc up changes/alpha-42 --stack alpha"),
  ).action(async (bundle: string, o: ChainOpts & { stack: string; payerKeyFile?: string; configFile?: string }) => {
    const { requireDir, readKey } = await import("./inputs");
    requireDir(bundle, "bundle");
    const payerKey = readKey(o.payerKeyFile, "DSC_PAYER_KEY", "payer");
    const chain = await openChain(o);
    const ws = await workspace(o.stack, o.configFile);
    const { applyBundle } = await import("../gate/apply");
    const outcome = await applyBundle({ ws, chain, rpcUrl: o.rpc, bundleDir: bundle, payerKey, progress: progress(o.json) });
    say(o.json, outcome, `${outcome.result}: ${JSON.stringify(outcome.resourceChanges ?? {})} (recorded in ${outcome.recordTransaction})`);
    if (outcome.result !== "succeeded") process.exitCode = EXIT.failed;
  });

  chainOptions(
    dsc
      .command("status")
      .description("owners, groups, rules, pause state, agents, the tier-table digest, the last recorded manifest per stack, pending bundles, and the regions' health, links and digests")
      .option("--changes <dir>", "the change bundles to list as pending (default .state/changes, or $DSC_STATE_DIR/changes)")
      .option("--status-page <url>", "the federation's status page, for the regions' health, links and digests (default: the local federation's, when one runs)")
      .addHelpText("after", "\nExample: dsc status --rpc http://127.0.0.1:8545 --json"),
  ).action(async (o: ChainOpts & { changes?: string; statusPage?: string }) => {
    const { consortiumStatus, statusText } = await import("./status");
    const { federationLines, readFederationView } = await import("./federationView");
    const { isAlive, readRunRecord } = await import("../federation/stateDir");
    const chain = await openChain(o);
    const state = process.env.DSC_STATE_DIR || path.join(ROOT, ".state");
    const s = await consortiumStatus(chain, path.resolve(o.changes ?? path.join(state, "changes")));
    const run = readRunRecord(state);
    const statusPage = o.statusPage ?? (run !== undefined && isAlive(run.pid) ? run.endpoints.statusPage : undefined);
    const federation = statusPage === undefined ? undefined : await readFederationView(statusPage);
    const regions = federation === undefined ? ["  regions: no local federation runs (npm start), and no --status-page given"] : federation.ok ? federationLines(federation.view) : [`  regions: ${federation.error}`];
    say(o.json, { ...s, ...(federation === undefined ? {} : { federation: federation.ok ? federation.view : { error: federation.error } }) }, [statusText(s), ...regions].join("\n"));
  });

  chainOptions(
    dsc
      .command("pause")
      .description("pause the federation through the Guardian (an agent's key; only critical changes pass until unpaused)")
      .requiredOption("--reason <text>", "why: kept in the Guardian's event")
      .option("--agent-key-file <file>", "a current agent's key (or env DSC_AGENT_KEY)")
      .addHelpText("after", "\nExample: dsc pause --reason 'unapproved drift in beta' --agent-key-file agent2.key"),
  ).action(async (o: ChainOpts & { reason: string; agentKeyFile?: string }) => {
    const { readKey } = await import("./inputs");
    const key = readKey(o.agentKeyFile, "DSC_AGENT_KEY", "agent");
    const chain = await openChain(o);
    await chain.assertReachable();
    const { Wallet } = await import("ethers");
    const guardian = chain.contract("Guardian").connect(new Wallet(key, chain.provider)) as import("ethers").Contract;
    if (!(await chain.contract("AgentRegistry").isAgent(new Wallet(key).address))) {
      const { GateRefusal } = await import("../gate/verify");
      throw new GateRefusal([`${new Wallet(key).address} is not a current agent: only a DSP's agent may pause`]);
    }
    const receipt = await (await guardian.pause(o.reason)).wait();
    say(o.json, { paused: true, reason: o.reason, transaction: receipt.hash }, `paused: ${o.reason} (${receipt.hash})`);
  });

  const collect = (v: string, all: string[]) => [...all, v];
  chainOptions(
    dsc
      .command("unpause")
      .description("lift the Guardian's pause: a critical Consortium Safe transaction signed by all three DSPs and one Board member")
      .option("--key-file <file>", "an owner's key (repeat: DSP Safe owners of all three DSPs, one Board member)", collect, [])
      .option("--payer-key-file <file>", "a funded key paying the transaction (or env DSC_PAYER_KEY)")
      .addHelpText("after", "\nExample: dsc unpause --key-file dsp1.key --key-file dsp2.key --key-file dsp3.key --key-file board1.key --payer-key-file payer.key"),
  ).action(async (o: ChainOpts & { keyFile: string[]; payerKeyFile?: string }) => {
    const { readKey } = await import("./inputs");
    if (o.keyFile.length === 0) throw new InputError("give the owners' keys with --key-file <file> (repeat it): all three DSPs and one Board member");
    const keys = o.keyFile.map((f) => readKey(f, "DSC_SIGNER_KEY", "signer"));
    const payer = readKey(o.payerKeyFile, "DSC_PAYER_KEY", "payer");
    const chain = await openChain(o);
    await chain.assertReachable();
    const { unpause } = await import("./unpause");
    const r = await unpause(chain, keys, payer);
    say(o.json, r, r.unpaused ? `unpaused (the pause was set by ${r.pausedBy}; ${r.transaction})` : `nothing to do: ${r.reason}`);
  });

  chainOptions(
    dsc
      .command("announce")
      .description("post an announcement for the Consortium Safe (fleet: approved by the owners whose key files are given)")
      .requiredOption("--content-file <file>", "the announcement's content (its keccak256 is posted)")
      .requiredOption("--uri <uri>", "where the content is published")
      .option("--key-file <file>", "an owner's key (repeat: Board members, DSP Safe owners)", collect, [])
      .option("--payer-key-file <file>", "a funded key paying the transaction (or env DSC_PAYER_KEY)")
      .addHelpText("after", "\nExample: dsc announce --content-file notice.md --uri https://dsc.example/notice --key-file dsp2.key --key-file dsp3.key"),
  ).action(async (o: ChainOpts & { contentFile: string; uri: string; keyFile: string[]; payerKeyFile?: string }) => {
    const { readKey } = await import("./inputs");
    const { existsSync, readFileSync } = await import("node:fs");
    if (!existsSync(o.contentFile)) throw new InputError(`--content-file ${o.contentFile} does not exist`);
    if (o.keyFile.length === 0) throw new InputError("give the owners' keys with --key-file <file> (repeat it)");
    const keys = o.keyFile.map((f) => readKey(f, "DSC_SIGNER_KEY", "signer"));
    const payer = readKey(o.payerKeyFile, "DSC_PAYER_KEY", "payer");
    const chain = await openChain(o);
    await chain.assertReachable();
    const { announce } = await import("./announce");
    const r = await announce(chain, readFileSync(o.contentFile), o.uri, keys, payer);
    say(o.json, r, `announced ${r.contentHash} at ${o.uri} (${r.transaction})`);
  });

  chainOptions(
    dsc
      .command("verify-announcement")
      .description("check on-chain that the Consortium posted an announcement with this content")
      .requiredOption("--content-file <file>", "the content to check")
      .addHelpText("after", "\nExample: dsc verify-announcement --content-file notice.md --json"),
  ).action(async (o: ChainOpts & { contentFile: string }) => {
    const { existsSync, readFileSync } = await import("node:fs");
    if (!existsSync(o.contentFile)) throw new InputError(`--content-file ${o.contentFile} does not exist`);
    const chain = await openChain(o);
    await chain.assertReachable();
    const { verifyAnnouncement } = await import("./announce");
    const r = await verifyAnnouncement(chain, readFileSync(o.contentFile));
    if (!r.posted) {
      const { GateRefusal } = await import("../gate/verify");
      throw new GateRefusal([`the Consortium has not announced content ${r.contentHash}`]);
    }
    say(o.json, r, `announced by the Consortium at ${new Date(r.postedAt * 1000).toISOString()}: ${r.uri}`);
  });

  const consortium = dsc.command("consortium").description("the Consortium Safe's contracts");
  chainOptions(
    consortium
      .command("deploy")
      .description("deploy the consortium (Safe v1.5.0, DSP Safes, TierRules with this tier table's digest, …) and write the deployment file")
      .requiredOption("--config <file>", "JSON: { dsps: [{ name, region, owners, threshold, agent }], board: [addresses] }")
      .option("--deployer-key-file <file>", "the key paying for the deployment (or env DSC_DEPLOYER_KEY)")
      .option("--out <file>", "the deployment file to write", DEFAULT_DEPLOYMENT)
      .addHelpText("after", "\nExample: dsc consortium deploy --config consortium.json --deployer-key-file deployer.key --out .state/consortium.json"),
  ).action(async (o: ChainOpts & { config: string; deployerKeyFile?: string; out: string }) => {
    const { readKey } = await import("./inputs");
    const key = readKey(o.deployerKeyFile, "DSC_DEPLOYER_KEY", "deployer");
    const { deployToRpc } = await import("./deploy");
    const d = await deployToRpc({ rpc: o.rpc, configFile: o.config, key, out: o.out, progress: progress(o.json) });
    say(o.json, d, `deployed: Consortium Safe ${d.consortium}, TierRules ${d.contracts.TierRules}; wrote ${o.out}`);
  });

  rotateCommands(dsc, { chainOptions, openChain, say });
  federationCommands(dsc);

  return dsc;
}

/** Runs the CLI; resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  try {
    await program().parseAsync(argv);
    return Number(process.exitCode ?? EXIT.ok);
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === "commander.helpDisplayed" || err.code === "commander.version" || err.code === "commander.help") return EXIT.ok;
      return EXIT.badInput;
    }
    const code = exitCodeOf(err);
    const json = argv.includes("--json");
    const message = (err as Error).message;
    const reasons = (err as { reasons?: string[] }).reasons;
    if (json) process.stdout.write(JSON.stringify({ error: message, reasons, exitCode: code }) + "\n");
    process.stderr.write(`dsc: ${message}\n`);
    return code;
  }
}

if (require.main === module) {
  void main(process.argv).then((code) => process.exit(code));
}
