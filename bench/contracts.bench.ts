/**
 * `npm run bench:contracts`: gas used by the consortium contracts on Hardhat's in-process chain (real Safe v1.5.0
 * contracts, nested DSP Safe signatures made with protocol-kit). Prints one line per operation.
 */
import { Interface, ZeroHash, id, type Contract, type ContractTransactionReceipt } from "ethers";
import { ourArtifact } from "../governance/consortium/artifacts";
import { executeRotation, proposeRotation, rotationToSign } from "../governance/consortium/operations";
import { signatureSet, tierRules } from "../governance/consortium/approvals";
import { deployFixture, KEYS, type Fixture, type OwnerName } from "../contracts/test/fixture";

type Row = [operation: string, signers: string, gas: bigint];

const gasOf = (r: ContractTransactionReceipt | null) => r!.gasUsed;

async function manifestRows(f: Fixture, rules: Contract): Promise<Row[]> {
  const cases: [string, "critical" | "fleet" | "operational", ("alpha" | "beta" | "gamma")[], OwnerName[]][] = [
    ["critical", "critical", ["alpha", "beta", "gamma"], ["dsp1", "dsp2", "dsp3", "board1"]],
    ["fleet", "fleet", ["alpha", "beta", "gamma"], ["dsp1", "dsp2"]],
    ["operational", "operational", ["beta"], ["dsp2"]],
  ];
  const rows: Row[] = [];
  for (const [label, tier, regions, who] of cases) {
    const m = f.manifest({ tier, regions });
    const { proposal, signatures } = await f.approve(m, who);
    rows.push([`TierRules.verify (${label}; estimateGas incl. 21000 base)`, who.join("+"), await rules.verify.estimateGas(m, proposal, signatures)]);
    rows.push([`TierRules.record (${label})`, who.join("+"), gasOf(await (await rules.record(m, proposal, signatures)).wait())]);
  }
  return rows;
}

async function executionRows(f: Fixture): Promise<Row[]> {
  const encode = (name: "Announcements" | "RegionRegistry" | "Guardian", fn: string, args: unknown[]) =>
    new Interface(ourArtifact(name).abi).encodeFunctionData(fn, args);
  const rows: Row[] = [];
  const pause = await (await (f.contract("Guardian", f.wallet(KEYS.agents[0])) as Contract).pause("bench")).wait();
  rows.push(["emergency: Guardian.pause by one agent", "agent-1", gasOf(pause)]);
  const unpause = await f.execSafeTx(
    [{ to: f.deployment.contracts.Guardian, value: "0", data: encode("Guardian", "unpause", []), operation: 0 }],
    ["dsp1", "dsp2", "dsp3", "board1"],
  );
  rows.push(["critical: Safe execTransaction through the guard (unpause)", "dsp1+dsp2+dsp3+board1", gasOf(unpause)]);
  const post = await f.execModuleCall(f.deployment.contracts.Announcements, encode("Announcements", "post", [id("bench"), "ipfs://bench"]), ["dsp1", "dsp3"]);
  rows.push(["fleet: TierModule.execute (announcement)", "dsp1+dsp3", gasOf(post)]);
  const config = await f.execModuleCall(f.deployment.contracts.RegionRegistry, encode("RegionRegistry", "setRegionConfig", [0, ZeroHash, id("cfg")]), ["dsp1"]);
  rows.push(["operational: TierModule.execute (alpha config)", "dsp1", gasOf(config)]);
  rows.push(...(await rotationRows(f)));
  return rows;
}

async function rotationRows(f: Fixture): Promise<Row[]> {
  const sender = f.wallet(KEYS.outsider);
  const expiry = BigInt((await f.now()) + f.deployment.rotationDelaySeconds + 3600);
  const newDsp = (f.owners.dsp4 as { safe: string }).safe;
  const { rotation, typedData } = await rotationToSign(f.deployment, f.provider, { region: 1, newDsp, newAgent: f.wallet(KEYS.agent4).address, expiry });
  const proposed = await proposeRotation(f.deployment, sender, rotation, signatureSet(await f.sign(typedData, ["board1", "board2"])));
  await f.increaseTime(f.deployment.rotationDelaySeconds);
  const executed = await executeRotation(f.deployment, sender);
  return [
    ["rotation: BoardRotationModule.propose (DSP-2 -> DSP-4)", "board1+board2", gasOf(proposed.receipt)],
    ["rotation: BoardRotationModule.execute after the delay", "anyone", gasOf(executed)],
  ];
}

async function main(): Promise<void> {
  const started = Date.now();
  const f = await deployFixture();
  console.log(`consortium deployed on the in-process chain in ${Date.now() - started} ms`);
  const rules = tierRules(f.deployment.contracts.TierRules, f.wallet(KEYS.outsider));
  const rows = [...(await manifestRows(f, rules)), ...(await executionRows(f))];
  const width = Math.max(...rows.map((r) => r[0].length));
  console.log(`${"operation".padEnd(width)}  ${"signers".padEnd(24)}  gas`);
  for (const [op, who, gas] of rows) console.log(`${op.padEnd(width)}  ${who.padEnd(24)}  ${gas.toString().padStart(9)}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
