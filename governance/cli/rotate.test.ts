/**
 * `dsc rotate` in process against the real contracts on Hardhat served on a loopback port: the Board proposes,
 * the delay refuses an early execution, after it the rotation executes and `dsc status` shows the new DSP; the
 * other DSPs cancel; bad input and refusals give one clear line and their exit code.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import hre from "hardhat";
import { JsonRpcServer } from "hardhat/internal/hardhat-network/jsonrpc/server";
import { BrowserProvider, Wallet, type Eip1193Provider } from "ethers";
import { addressOf } from "../consortium/approvals";
import { createSafe, deployConsortium, type Deployment } from "../consortium/deploy";
import { DEV_KEYS, devConsortiumConfig } from "../consortium/dev-keys";
import { loadTierTable } from "../gate/tierTable";
import { writeDeployment } from "./deploy";
import { EXIT } from "./exit";
import { runDsc } from "./testing/run";
import { rotationRefusal } from "./rotate";

let eip1193: Eip1193Provider;
let server: JsonRpcServer;
let dir: string;
let deployment: Deployment;
let dsp4: string;
let common: string[];
let pay: string[];
let snap: string;
const keyFile: Record<string, string> = {};

const dsc = runDsc;
const keys = (...names: string[]) => names.flatMap((n) => ["--signer-key-file", keyFile[n]]);

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "dsc-rotate-"));
  eip1193 = hre.network.provider as unknown as Eip1193Provider;
  server = new JsonRpcServer({ hostname: "127.0.0.1", port: 0, provider: hre.network.provider });
  const rpc = `http://127.0.0.1:${(await server.listen()).port}`;
  for (const key of [DEV_KEYS.deployer, ...DEV_KEYS.agents]) await eip1193.request({ method: "hardhat_setBalance", params: [addressOf(key), "0x56BC75E2D63100000"] });
  const deployer = new Wallet(DEV_KEYS.deployer, new BrowserProvider(eip1193, undefined, { polling: false, cacheTimeout: -1 }));
  deployment = await deployConsortium(deployer, { ...devConsortiumConfig(), tierTableDigest: loadTierTable().digest });
  dsp4 = await createSafe(deployer, deployment.safeContracts, DEV_KEYS.dsp4.map(addressOf), 1, 4n);
  const deploymentFile = path.join(dir, "consortium.json");
  writeDeployment(deploymentFile, deployment);
  const named = { board1: DEV_KEYS.board[0], board2: DEV_KEYS.board[1], dsp1a: DEV_KEYS.dsp1[0], dsp1b: DEV_KEYS.dsp1[1], dsp3: DEV_KEYS.dsp3[0], payer: DEV_KEYS.deployer };
  for (const [name, key] of Object.entries(named)) {
    keyFile[name] = path.join(dir, `${name}.key`);
    fs.writeFileSync(keyFile[name], key + "\n", { mode: 0o600 });
  }
  common = ["--rpc", rpc, "--deployment", deploymentFile];
  pay = [...common, "--payer-key-file", keyFile.payer];
}, 120_000);
afterAll(async () => {
  await server.close();
  fs.rmSync(dir, { recursive: true, force: true });
});
beforeEach(async () => {
  snap = (await eip1193.request({ method: "evm_snapshot", params: [] })) as string;
});
afterEach(async () => {
  await eip1193.request({ method: "evm_revert", params: [snap] });
});

const propose = (...extra: string[]) => dsc("rotate", "propose", "--region", "beta", "--new-dsp", dsp4, "--new-agent", addressOf(DEV_KEYS.agent4), ...extra, ...pay, "--json");

test("--help on rotate and each of its commands, with an example", async () => {
  for (const cmd of [[], ["propose"], ["execute"], ["cancel"], ["status"]]) {
    const r = await dsc("rotate", ...cmd, "--help");
    expect(r.code).toBe(EXIT.ok);
    expect(r.out).toMatch(/Example/);
  }
});

test("the Board proposes; execute is refused before the delay; after it the rotation executes and dsc status shows the new DSP", async () => {
  const oldDsp = deployment.dsps[1].safe;
  const proposed = await propose(...keys("board1", "board2"));
  expect(proposed).toMatchObject({ code: EXIT.ok, err: "" });
  expect(JSON.parse(proposed.out)).toMatchObject({ region: "beta", oldDsp, newDsp: dsp4, coSigned: false });

  const pending = JSON.parse((await dsc("rotate", "status", ...common, "--json")).out);
  expect(pending).toMatchObject({ pending: true, region: "beta", oldDsp, newDsp: dsp4, executableNow: false, executableAt: JSON.parse(proposed.out).executableAt });
  expect((await dsc("rotate", "status", ...common)).out).toMatch(/^pending rotation of beta: .* it can be executed from .*; until then the other DSPs can cancel it/);

  const early = await dsc("rotate", "execute", ...pay);
  expect(early.code).toBe(EXIT.refused);
  expect(early.err).toMatch(/the rotation module refused to execute: too soon: not before \d{4}-\d\d-\d\dT/);

  await eip1193.request({ method: "evm_increaseTime", params: [deployment.rotationDelaySeconds] });
  await eip1193.request({ method: "evm_mine", params: [] });
  expect(JSON.parse((await dsc("rotate", "status", ...common, "--json")).out).executableNow).toBe(true);
  const executed = await dsc("rotate", "execute", ...pay, "--json");
  expect(executed).toMatchObject({ code: EXIT.ok, err: "" });
  expect(JSON.parse(executed.out)).toMatchObject({ executed: true, region: "beta", oldDsp, newDsp: dsp4 });

  const status = JSON.parse((await dsc("status", ...common, "--json")).out);
  expect(status.dsps[1]).toMatchObject({ region: "beta", safe: dsp4, agent: addressOf(DEV_KEYS.agent4) });
  expect(JSON.parse((await dsc("rotate", "status", ...common, "--json")).out)).toMatchObject({ pending: false });
  expect((await dsc("rotate", "execute", ...pay)).err).toMatch(/no rotation is pending/);
});

test("one Board signer is refused in words; the other regions' DSPs cancel a pending rotation, one of them cannot", async () => {
  const one = await propose(...keys("board1"));
  expect(one.code).toBe(EXIT.refused);
  expect(one.err).toMatch(/refused the proposal: DAO Board group fell short: 1 of the 2 Board signers required signed/);

  expect((await propose(...keys("board1", "board2"))).code).toBe(EXIT.ok);
  const alone = await dsc("rotate", "cancel", ...keys("dsp1a", "dsp1b"), ...pay);
  expect(alone.code).toBe(EXIT.refused);
  expect(alone.err).toMatch(/refused the cancellation .*: the DSP of region gamma \(0x[0-9a-fA-F]{40}\) must sign/);
  const cancelled = await dsc("rotate", "cancel", ...keys("dsp1a", "dsp1b", "dsp3"), ...pay, "--json");
  expect(cancelled).toMatchObject({ code: EXIT.ok, err: "" });
  expect(JSON.parse((await dsc("rotate", "status", ...common, "--json")).out)).toMatchObject({ pending: false });
  expect((await dsc("rotate", "cancel", ...keys("dsp1a", "dsp1b", "dsp3"), ...pay)).code).toBe(EXIT.refused);
});

test.each([
  ["a bad --new-dsp address", ["rotate", "propose", "--region", "beta", "--new-dsp", "0x1234", "--new-agent", "0x" + "ab".repeat(20)], /^dsc: --new-dsp 0x1234 is not a 0x-prefixed 20-byte address\n$/],
  ["an unknown region", ["rotate", "propose", "--region", "delta", "--new-dsp", "0x" + "ab".repeat(20), "--new-agent", "0x" + "ab".repeat(20)], /^dsc: --region delta is not one of alpha, beta, gamma\n$/],
  ["no signer key", ["rotate", "propose", "--region", "beta", "--new-dsp", "0x" + "ab".repeat(20), "--new-agent", "0x" + "ab".repeat(20)], /no signer key: pass --signer-key-file <file> or set DSC_SIGNER_KEY/],
  ["a non-number --expires-in", ["rotate", "propose", "--region", "beta", "--new-dsp", "0x" + "ab".repeat(20), "--new-agent", "0x" + "ab".repeat(20), "--expires-in", "soon"], /--expires-in soon is not a positive number of seconds/],
])("%s: exit 2 with one clear line", async (_what, args, message) => {
  const r = await dsc(...args, ...pay);
  expect(r.code).toBe(EXIT.badInput);
  expect(r.err).toMatch(message);
});

test("a new DSP that already is the region's DSP is bad input; an unreachable chain exits 4", async () => {
  const same = await dsc("rotate", "propose", "--region", "beta", "--new-dsp", deployment.dsps[1].safe, "--new-agent", addressOf(DEV_KEYS.agent4), ...keys("board1", "board2"), ...pay);
  expect(same).toMatchObject({ code: EXIT.badInput, err: expect.stringMatching(/is already the DSP of beta/) });
  const down = await dsc("rotate", "status", ...common.map((a) => (a.startsWith("http://") ? "http://127.0.0.1:9" : a)));
  expect(down.code).toBe(EXIT.chainUnreachable);
});

test("rotationRefusal words each of the module's errors", () => {
  const regions = ["alpha", "beta", "gamma"];
  expect(rotationRefusal("TooSoon", [1_800_000_000n], regions)).toBe("too soon: not before 2027-01-15T08:00:00.000Z (the rotation delay, or one rotation per period); try again then");
  expect(rotationRefusal("RotationPending", [2n], regions)).toMatch(/rotation of gamma is already pending/);
  expect(rotationRefusal("BoardSeatTaken", [1n], regions)).toMatch(/holds the seat of beta/);
  expect(rotationRefusal("StaleRotation", ["0xA", "0xB"], regions)).toMatch(/replaces 0xA, but that region's DSP is now 0xB/);
  expect(rotationRefusal("Expired", [1_800_000_000n], regions)).toMatch(/expiry 2027-01-15T08:00:00.000Z has passed/);
  expect(rotationRefusal("UnknownRegion", [7n], regions)).toBe("there is no region #7");
  expect(rotationRefusal("SomethingNew", [], regions)).toBe("the rotation module refused (SomethingNew)");
});
