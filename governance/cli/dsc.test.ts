/**
 * The dsc CLI in process: happy paths against the real contracts on Hardhat served on a loopback port, and bad
 * input giving one clear line and the documented exit code. (`dsc change` / `dsc up` on the engine: test/engine/gate.test.ts.)
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import hre from "hardhat";
import { JsonRpcServer } from "hardhat/internal/hardhat-network/jsonrpc/server";
import { BrowserProvider, Wallet, type Eip1193Provider } from "ethers";
import { addressOf } from "../consortium/approvals";
import { deployConsortium } from "../consortium/deploy";
import { DEV_KEYS, devConsortiumConfig } from "../consortium/dev-keys";
import { bundlePath } from "../gate/bundle";
import { Chain } from "../gate/chain";
import { writeBundle } from "../gate/change";
import { classifyPlan } from "../gate/classify";
import { loadTierTable } from "../gate/tierTable";
import { writeDeployment } from "./deploy";
import { EXIT } from "./exit";
import { runDsc } from "./testing/run";

let server: JsonRpcServer;
let rpc: string;
let dir: string;
let deploymentFile: string;

const dsc = runDsc;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "dsc-cli-"));
  const eip1193 = hre.network.provider as unknown as Eip1193Provider;
  server = new JsonRpcServer({ hostname: "127.0.0.1", port: 0, provider: hre.network.provider });
  rpc = `http://127.0.0.1:${(await server.listen()).port}`;
  for (const key of [DEV_KEYS.deployer, ...DEV_KEYS.agents]) await eip1193.request({ method: "hardhat_setBalance", params: [addressOf(key), "0x56BC75E2D63100000"] });
  const d = await deployConsortium(new Wallet(DEV_KEYS.deployer, new BrowserProvider(eip1193, undefined, { polling: false, cacheTimeout: -1 })), { ...devConsortiumConfig(), tierTableDigest: loadTierTable().digest });
  deploymentFile = path.join(dir, "consortium.json");
  writeDeployment(deploymentFile, d);
}, 120_000);
afterAll(async () => {
  await server.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test("--help on every command, with an example, exits 0", async () => {
  for (const cmd of [[], ["change"], ["sign"], ["verify"], ["up"], ["status"], ["pause"], ["unpause"], ["announce"], ["verify-announcement"], ["consortium", "deploy"]]) {
    const r = await dsc(...cmd, "--help");
    expect(r.code).toBe(EXIT.ok);
    expect(r.out).toMatch(/Example/);
  }
});

test("status: owners, groups, rules, pause state, agents and the tier table digest; --json parses", async () => {
  const r = await dsc("status", "--rpc", rpc, "--deployment", deploymentFile, "--json");
  expect(r.code).toBe(EXIT.ok);
  const s = JSON.parse(r.out);
  expect(s).toMatchObject({ paused: false, tierTableDigest: loadTierTable().digest, threshold: 4 });
  expect(s.dsps.map((d: { name: string }) => d.name)).toEqual(["DSP-1", "DSP-2", "DSP-3"]);
  expect(s.rules).toContainEqual({ tier: "critical", dsps: 3, board: 1, regionDsp: false });
  // The regions come from a status page; one that does not answer is said so, the rest still prints.
  const away = await dsc("status", "--rpc", rpc, "--deployment", deploymentFile, "--status-page", "http://127.0.0.1:9/");
  expect([away.code, away.out]).toEqual([EXIT.ok, expect.stringMatching(/not paused[\s\S]*\n {2}regions: http:\/\/127\.0\.0\.1:9\/ not answering/)]);
});

test("sign: a bundle gets a Board signature from a key file, and the same key again changes nothing", async () => {
  const chain = new Chain(hre.network.provider as unknown as Eip1193Provider, JSON.parse(fs.readFileSync(deploymentFile, "utf8")));
  const b = path.join(dir, "bundle");
  fs.mkdirSync(b);
  fs.writeFileSync(bundlePath(b, "plan"), "{}");
  await writeBundle({
    bundleDir: b, chain, agentKey: DEV_KEYS.agents[0], classification: classifyPlan([], loadTierTable().table), tierTableDigest: loadTierTable().digest,
    claim: { tier: "critical", regions: ["alpha", "beta", "gamma"] },
    fields: { project: "dsc-federation", stack: "local", planDigest: "0x" + "11".repeat(32), sourceCommit: "a".repeat(40), lockfileDigest: "0x" + "22".repeat(32), configDigest: "0x" + "33".repeat(32), expiry: Math.floor(Date.now() / 1000) + 3600 },
  });
  const keyFile = path.join(dir, "board1.key");
  fs.writeFileSync(keyFile, DEV_KEYS.board[0] + "\n", { mode: 0o600 });
  const first = await dsc("sign", b, "--key-file", keyFile, "--rpc", rpc, "--deployment", deploymentFile, "--json");
  expect(first.code).toBe(EXIT.ok);
  expect(JSON.parse(first.out)).toMatchObject({ signatures: 1, notes: [expect.stringMatching(/added the signature of Board member/)] });
  // commander would keep only the last of two; the second signer would be lost without a word.
  const twice = await dsc("sign", b, "--key-file", keyFile, "--key-file", path.join(dir, "board2.key"), "--rpc", rpc, "--deployment", deploymentFile);
  expect(twice).toMatchObject({ code: EXIT.badInput, err: expect.stringMatching(/--key-file is given twice .*run dsc sign once per signer/) });
  const again = await dsc("sign", b, "--key-file", keyFile, "--rpc", rpc, "--deployment", deploymentFile);
  expect(again.out).toMatch(/already signed: nothing changed/);

  const badKey = path.join(dir, "bad.key");
  fs.writeFileSync(badKey, "not a key");
  const bad = await dsc("sign", b, "--key-file", badKey, "--rpc", rpc, "--deployment", deploymentFile);
  expect(bad).toMatchObject({ code: EXIT.badInput, err: expect.stringMatching(/^dsc: signer key file .* must hold one 0x-prefixed 32-byte hex private key\n$/) });
  const outsider = path.join(dir, "outsider.key");
  fs.writeFileSync(outsider, DEV_KEYS.outsider);
  expect((await dsc("sign", b, "--key-file", outsider, "--rpc", rpc, "--deployment", deploymentFile)).err).toMatch(/neither a Board member nor an owner of a DSP Safe/);
  const imp = path.join(dir, "import.json");
  fs.writeFileSync(imp, JSON.stringify({ signer: "0x12", data: "0x" }));
  expect(await dsc("sign", b, "--import", imp, "--rpc", rpc, "--deployment", deploymentFile)).toMatchObject({ code: EXIT.badInput, err: expect.stringMatching(/signer 0x12 is not a 0x-prefixed 20-byte address/) });
});

test.each([
  ["a missing bundle", ["sign", "/nonexistent/bundle", "--rpc", "RPC", "--deployment", "DEPLOYMENT"], EXIT.badInput, /bundle \/nonexistent\/bundle does not exist/],
  ["a malformed bundle", ["sign", "MALFORMED", "--rpc", "RPC", "--deployment", "DEPLOYMENT"], EXIT.badInput, /manifest.json is not JSON/],
  ["an unknown stack", ["verify", "MALFORMED", "--stack", "delta", "--rpc", "RPC", "--deployment", "DEPLOYMENT"], EXIT.badInput, /unknown stack delta: there is no Pulumi.delta.yaml/],
  ["no key at all", ["up", "MALFORMED", "--stack", "local", "--rpc", "RPC", "--deployment", "DEPLOYMENT"], EXIT.badInput, /no payer key: pass --payer-key-file <file> or set DSC_PAYER_KEY/],
  ["a missing deployment file", ["status", "--rpc", "RPC", "--deployment", "/nonexistent.json"], EXIT.badInput, /deployment file \/nonexistent.json/],
  ["an unreachable RPC", ["status", "--rpc", "http://127.0.0.1:9", "--deployment", "DEPLOYMENT"], EXIT.chainUnreachable, /the chain at http:\/\/127.0.0.1:9 is unreachable/],
  ["an unknown command", ["deploy-everything"], EXIT.badInput, /unknown command/],
])("%s gives one clear line and its exit code", async (_what, args, code, message) => {
  const malformed = path.join(dir, "malformed");
  fs.mkdirSync(malformed, { recursive: true });
  fs.writeFileSync(path.join(malformed, "manifest.json"), "{");
  const r = await dsc(...args.map((a) => (a === "RPC" ? rpc : a === "DEPLOYMENT" ? deploymentFile : a === "MALFORMED" ? malformed : a)), "--json");
  expect(r.code).toBe(code);
  expect(r.err).toMatch(message);
  if (code !== EXIT.badInput || !/unknown command/.test(String(message))) expect(JSON.parse(r.out)).toMatchObject({ exitCode: code });
});

test("announce at fleet with two DSPs, then anyone verifies it; unknown content is refused", async () => {
  const content = path.join(dir, "notice.md");
  fs.writeFileSync(content, "The federation moves to replication 0.2.0.\n");
  const keyFiles = [...DEV_KEYS.dsp2, DEV_KEYS.dsp3[0]].map((k, i) => {
    const f = path.join(dir, `owner-${i}.key`);
    fs.writeFileSync(f, k);
    return f;
  });
  const payer = path.join(dir, "payer.key");
  fs.writeFileSync(payer, DEV_KEYS.deployer);
  const common = ["--rpc", rpc, "--deployment", deploymentFile, "--json"];
  const posted = await dsc("announce", "--content-file", content, "--uri", "https://dsc.example/notice", ...keyFiles.flatMap((f) => ["--key-file", f]), "--payer-key-file", payer, ...common);
  expect(posted).toMatchObject({ code: EXIT.ok, err: "" });
  const checked = await dsc("verify-announcement", "--content-file", content, ...common);
  expect(JSON.parse(checked.out)).toMatchObject({ posted: true, uri: "https://dsc.example/notice", contentHash: JSON.parse(posted.out).contentHash });
  const other = path.join(dir, "other.md");
  fs.writeFileSync(other, "never said");
  expect((await dsc("verify-announcement", "--content-file", other, ...common)).code).toBe(EXIT.refused);
  const one = await dsc("announce", "--content-file", other, "--uri", "u", "--key-file", keyFiles[0], "--payer-key-file", payer, ...common);
  expect(one).toMatchObject({ code: EXIT.refused, err: expect.stringMatching(/fleet approval needs 2 of 3 DSPs/) });
});

test("unpause: refused without a Board member, naming who signed; with all three DSPs and one Board member it lifts an agent's pause; again it has nothing to do", async () => {
  const chainArgs = ["--rpc", rpc, "--deployment", deploymentFile];
  const file = (name: string, key: string) => {
    const f = path.join(dir, `${name}.key`);
    fs.writeFileSync(f, key + "\n", { mode: 0o600 });
    return ["--key-file", f];
  };
  const dsps = [...file("dsp1a", DEV_KEYS.dsp1[0]), ...file("dsp1b", DEV_KEYS.dsp1[1]), ...file("dsp2", DEV_KEYS.dsp2[0]), ...file("dsp3", DEV_KEYS.dsp3[0])];
  const payer = ["--payer-key-file", file("payer", DEV_KEYS.deployer)[1]];
  const paused = await dsc("pause", "--reason", "drift in gamma: the unpause test", "--agent-key-file", file("agent3", DEV_KEYS.agents[2])[1], ...chainArgs);
  expect(paused.code).toBe(EXIT.ok);

  const refused = await dsc("unpause", ...dsps, ...payer, ...chainArgs);
  expect(refused.code).toBe(EXIT.refused);
  expect(refused.err).toMatch(/critical transaction and needs 3 of 3 DSPs and 1 of 2 Board members; signed for DSP-1, DSP-2, DSP-3/);
  expect(JSON.parse((await dsc("status", ...chainArgs, "--json")).out).paused).toBe(true);

  const lifted = await dsc("unpause", ...dsps, ...file("board1", DEV_KEYS.board[0]), ...payer, ...chainArgs, "--json");
  expect(lifted.code).toBe(EXIT.ok);
  const gamma = JSON.parse(fs.readFileSync(deploymentFile, "utf8")).dsps[2].safe as string;
  expect(JSON.parse(lifted.out)).toMatchObject({ unpaused: true, pausedBy: gamma });
  expect(JSON.parse((await dsc("status", ...chainArgs, "--json")).out).paused).toBe(false);

  expect(await dsc("unpause", ...dsps, ...payer, ...chainArgs)).toMatchObject({ code: EXIT.ok, out: "nothing to do: the federation is not paused\n" });
  expect(await dsc("unpause", ...payer, ...chainArgs)).toMatchObject({ code: EXIT.badInput });
});
