/**
 * `dsc rotate`: the DAO Board rotates a DSP out (contracts/README.md, "What the Board can and cannot do").
 * `propose` only announces the rotation (both Board signers, optionally co-signed by the DSPs of the other
 * regions); anyone `execute`s it once the delay has passed; during the delay the other DSPs `cancel` it.
 * The commands are registered here; everything beyond commander loads inside the action, so `dsc --help` stays fast.
 */
import type { Command } from "commander";
import type { Chain } from "../gate/chain";
import { InputError } from "./exit";

interface ChainOpts {
  rpc: string;
  deployment: string;
  json?: boolean;
}

/** What dsc.ts lends the subcommands: its common options, its chain opener and its printer. */
export interface CliKit {
  chainOptions(cmd: Command): Command;
  openChain(o: ChainOpts): Promise<Chain>;
  say(json: boolean | undefined, result: unknown, human: string): void;
}

const when = (seconds: bigint | number) => new Date(Number(seconds) * 1000).toISOString();

/** A rotation module revert (its custom error, decoded), worded for the Board and the DSPs. Pure. */
export function rotationRefusal(name: string, args: readonly unknown[], regions: readonly string[]): string {
  const region = (i: unknown) => regions[Number(i)] ?? `region #${String(i)}`;
  switch (name) {
    case "TooSoon":
      return `too soon: not before ${when(args[0] as bigint)} (the rotation delay, or one rotation per period); try again then`;
    case "Expired":
      return `the rotation's expiry ${when(args[0] as bigint)} has passed or falls inside the delay: propose it again with a later --expires-in`;
    case "RotationPending":
      return `a rotation of ${region(args[0])} is already pending: execute or cancel it first (dsc rotate status)`;
    case "NoPendingRotation":
      return "no rotation is pending: propose one first (dsc rotate propose)";
    case "StaleRotation":
      return `the pending rotation replaces ${String(args[0])}, but that region's DSP is now ${String(args[1])}: it is stale; cancel it and propose again`;
    case "BoardSeatTaken":
      return `the Board already holds the seat of ${region(args[0])}: a Board-only rotation is refused until critical confirms that seat; have the DSPs of the other regions co-sign (--signer-key-file of their owners)`;
    case "UnknownRegion":
      return `there is no region #${String(args[0])}`;
    case "NotAnOwner":
      return `${String(args[0])} is not an owner of the Consortium Safe`;
    default:
      return `the rotation module refused (${name})`;
  }
}

/** Words a revert: ApprovalRefused through the verdict's wording, the module's own errors through rotationRefusal. */
async function refusalOf(chain: Chain, err: unknown, what: string): Promise<Error> {
  const { ourArtifact } = await import("../consortium/artifacts");
  const { Interface } = await import("ethers");
  const { GateRefusal } = await import("../gate/verify");
  const data = (err as { data?: string; info?: { error?: { data?: string } } }).data ?? (err as { info?: { error?: { data?: string } } }).info?.error?.data;
  const parsed = typeof data === "string" ? new Interface(ourArtifact("BoardRotationModule").abi).parseError(data) : null;
  if (!parsed) {
    const { ChainError } = await import("../gate/chain");
    if (err instanceof ChainError) return err;
    return new ChainError(`the chain could not ${what} (${(err as Error).message.split("\n")[0]})`, { cause: err });
  }
  if (parsed.name === "ApprovalRefused") {
    const { explainVerdict, toVerdict } = await import("../consortium/verdict");
    const v = toVerdict([...parsed.args] as never);
    return new GateRefusal([`${what}: ${explainVerdict(v)}`]);
  }
  return new GateRefusal([`${what}: ${rotationRefusal(parsed.name, [...parsed.args], chain.deployment.regions)}`]);
}

async function payerOf(chain: Chain, file: string | undefined) {
  const { readKey } = await import("./inputs");
  const { Wallet } = await import("ethers");
  return new Wallet(readKey(file, "DSC_PAYER_KEY", "payer"), chain.provider);
}

function signerKeys(files: string[]): Promise<string[]> {
  return import("./inputs").then(({ readKey }) => {
    if (files.length > 0) return files.map((f) => readKey(f, "DSC_SIGNER_KEY", "signer"));
    return [readKey(undefined, "DSC_SIGNER_KEY", "signer")];
  });
}

/** Signs typed data as the Consortium's owners whose keys are given (a DSP Safe through its owners, EIP-1271). */
async function signAsOwners(chain: Chain, keys: string[], typedData: import("@safe-global/types-kit").EIP712TypedData): Promise<string> {
  const { ApprovalSigner, signatureSet } = await import("../consortium/approvals");
  const { ownersOfKeys } = await import("./announce");
  const signer = new ApprovalSigner(chain.eip1193 as never, chain.deployment.consortium, chain.contractNetworks);
  const sigs = [];
  for (const owner of await ownersOfKeys(chain, keys)) sigs.push(await signer.signMessage(owner, typedData));
  return signatureSet(sigs);
}

export interface RotationStatus {
  pending: boolean;
  region?: string;
  oldDsp?: string;
  newDsp?: string;
  newAgent?: string;
  coSigned?: boolean;
  digest?: string;
  executableAt?: string;
  expiresAt?: string;
  /** Whether `execute` would pass the delay and expiry checks at the chain's latest block. */
  executableNow?: boolean;
  chainTime: string;
}

export async function rotationStatus(chain: Chain): Promise<RotationStatus> {
  await chain.assertReachable();
  const { pendingRotation } = await import("../consortium/operations");
  const now = BigInt((await chain.provider.getBlock("latest"))!.timestamp);
  const p = await pendingRotation(chain.deployment, chain.provider);
  if (!p || now >= p.expiry) return { pending: false, chainTime: when(now) };
  return {
    pending: true,
    region: chain.deployment.regions[p.region],
    oldDsp: p.oldDsp,
    newDsp: p.newDsp,
    newAgent: p.newAgent,
    coSigned: p.coSigned,
    digest: p.digest,
    executableAt: when(p.eta),
    expiresAt: when(p.expiry),
    executableNow: now >= p.eta,
    chainTime: when(now),
  };
}

export function rotationStatusText(s: RotationStatus): string {
  if (!s.pending) return `no rotation is pending (chain time ${s.chainTime})`;
  const by = s.coSigned ? "co-signed by the other DSPs" : "by the Board alone: the new DSP becomes the Board's seat";
  const exec = s.executableNow ? "it can be executed now (dsc rotate execute)" : `it can be executed from ${s.executableAt}; until then the other DSPs can cancel it`;
  return `pending rotation of ${s.region}: ${s.oldDsp} -> ${s.newDsp} (agent ${s.newAgent}), ${by}; ${exec}; it lapses at ${s.expiresAt}`;
}

export function rotateCommands(dsc: Command, kit: CliKit): void {
  const collect = (v: string, all: string[]) => [...all, v];
  const rotate = dsc
    .command("rotate")
    .description("the DAO Board's rotation of a DSP: propose, then execute after the delay; the other DSPs can cancel")
    .addHelpText("after", "\nExample: dsc rotate propose --region beta --new-dsp 0x… --new-agent 0x… --signer-key-file board1.key --signer-key-file board2.key && dsc rotate status");

  kit.chainOptions(
    rotate
      .command("propose")
      .description("announce a rotation, signed by both Board signers (and, to co-sign, the owners of the other regions' DSPs)")
      .requiredOption("--region <region>", "the region whose DSP is replaced (alpha, beta, gamma)")
      .requiredOption("--new-dsp <address>", "the new DSP's Safe")
      .requiredOption("--new-agent <address>", "the new DSP's agent")
      .option("--signer-key-file <file>", "a Board member's or a DSP Safe owner's key (repeat; or env DSC_SIGNER_KEY for one)", collect, [])
      .option("--payer-key-file <file>", "a funded key paying the transaction (or env DSC_PAYER_KEY)")
      .option("--expires-in <seconds>", "seconds until the rotation lapses unexecuted (default: the delay plus 7 days)")
      .addHelpText("after", "\nExample: dsc rotate propose --region beta --new-dsp 0x… --new-agent 0x… --signer-key-file board1.key --signer-key-file board2.key --payer-key-file payer.key"),
  ).action(async (o: ChainOpts & { region: string; newDsp: string; newAgent: string; signerKeyFile: string[]; payerKeyFile?: string; expiresIn?: string }) => {
    const { requireAddress } = await import("./inputs");
    const { REGIONS } = await import("../consortium/manifest");
    const region = REGIONS.indexOf(o.region as never);
    if (region < 0) throw new InputError(`--region ${o.region} is not one of ${REGIONS.join(", ")}`);
    requireAddress(o.newDsp, "--new-dsp");
    requireAddress(o.newAgent, "--new-agent");
    const expiresIn = o.expiresIn === undefined ? undefined : Number(o.expiresIn);
    if (expiresIn !== undefined && (!Number.isInteger(expiresIn) || expiresIn <= 0)) throw new InputError(`--expires-in ${o.expiresIn} is not a positive number of seconds`);
    const keys = await signerKeys(o.signerKeyFile);
    const chain = await kit.openChain(o);
    const payer = await payerOf(chain, o.payerKeyFile);
    await chain.assertReachable();
    const d = chain.deployment;
    if ((await chain.contract("TierRules").dspOf(region)).toLowerCase() === o.newDsp.toLowerCase()) {
      throw new InputError(`--new-dsp ${o.newDsp} is already the DSP of ${o.region}`);
    }
    const { proposeRotation, rotationToSign } = await import("../consortium/operations");
    const now = (await chain.provider.getBlock("latest"))!.timestamp;
    const expiry = BigInt(now + (expiresIn ?? d.rotationDelaySeconds + 7 * 24 * 3600));
    const { rotation, typedData } = await rotationToSign(d, chain.provider, { region, newDsp: o.newDsp, newAgent: o.newAgent, expiry });
    const signatures = await signAsOwners(chain, keys, typedData);
    let r;
    try {
      r = await proposeRotation(d, payer, rotation, signatures);
    } catch (err) {
      throw await refusalOf(chain, err, "the rotation module refused the proposal");
    }
    kit.say(o.json, { region: o.region, oldDsp: rotation.oldDsp, newDsp: o.newDsp, newAgent: o.newAgent, digest: r.digest, coSigned: r.coSigned, executableAt: when(r.eta), transaction: r.receipt.hash },
      `proposed: ${o.region} ${rotation.oldDsp} -> ${o.newDsp}${r.coSigned ? " (co-signed)" : " (Board alone: the Board's seat)"}; executable from ${when(r.eta)} (${r.receipt.hash})`);
  });

  kit.chainOptions(
    rotate
      .command("execute")
      .description("execute the pending rotation once its delay has passed (anyone may)")
      .option("--payer-key-file <file>", "a funded key paying the transaction (or env DSC_PAYER_KEY)")
      .addHelpText("after", "\nExample: dsc rotate execute --payer-key-file payer.key --json"),
  ).action(async (o: ChainOpts & { payerKeyFile?: string }) => {
    const chain = await kit.openChain(o);
    const payer = await payerOf(chain, o.payerKeyFile);
    const before = await rotationStatus(chain);
    const { executeRotation } = await import("../consortium/operations");
    let receipt;
    try {
      receipt = await executeRotation(chain.deployment, payer);
    } catch (err) {
      throw await refusalOf(chain, err, "the rotation module refused to execute");
    }
    kit.say(o.json, { executed: true, region: before.region, oldDsp: before.oldDsp, newDsp: before.newDsp, transaction: receipt.hash },
      `executed: ${before.region} is now served by ${before.newDsp}; ${before.oldDsp} is revoked for good (${receipt.hash})`);
  });

  kit.chainOptions(
    rotate
      .command("cancel")
      .description("cancel the pending rotation with the signatures of the DSPs of the other regions (their owners' keys)")
      .option("--signer-key-file <file>", "a DSP Safe owner's key (repeat; or env DSC_SIGNER_KEY for one)", collect, [])
      .option("--payer-key-file <file>", "a funded key paying the transaction (or env DSC_PAYER_KEY)")
      .addHelpText("after", "\nExample: dsc rotate cancel --signer-key-file dsp1-owner1.key --signer-key-file dsp1-owner2.key --signer-key-file dsp3-owner1.key --payer-key-file payer.key"),
  ).action(async (o: ChainOpts & { signerKeyFile: string[]; payerKeyFile?: string }) => {
    const keys = await signerKeys(o.signerKeyFile);
    const chain = await kit.openChain(o);
    const payer = await payerOf(chain, o.payerKeyFile);
    const s = await rotationStatus(chain);
    if (!s.pending) {
      const { GateRefusal } = await import("../gate/verify");
      throw new GateRefusal([rotationRefusal("NoPendingRotation", [], chain.deployment.regions)]);
    }
    const { cancelRotation, cancelToSign } = await import("../consortium/operations");
    const signatures = await signAsOwners(chain, keys, cancelToSign(chain.deployment, s.digest!));
    let receipt;
    try {
      receipt = await cancelRotation(chain.deployment, payer, signatures);
    } catch (err) {
      throw await refusalOf(chain, err, "the rotation module refused the cancellation (it needs the DSPs of every region but the one rotated)");
    }
    kit.say(o.json, { cancelled: true, region: s.region, newDsp: s.newDsp, transaction: receipt.hash }, `cancelled the rotation of ${s.region} to ${s.newDsp} (${receipt.hash})`);
  });

  kit.chainOptions(
    rotate
      .command("status")
      .description("the pending rotation, and when it can be executed")
      .addHelpText("after", "\nExample: dsc rotate status --json"),
  ).action(async (o: ChainOpts) => {
    const chain = await kit.openChain(o);
    const s = await rotationStatus(chain);
    kit.say(o.json, s, rotationStatusText(s));
  });

}
