/** The watcher as a process: settings refused at start one line each, evidence over HTTP, SIGTERM stops it cleanly. */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Wallet } from "ethers";
import { KEYS } from "../../../contracts/test/fixture";
import { startTestChain, until, type TestChain } from "./testing/chain";

const MAIN = join(__dirname, "main.ts");
const NODE_ARGS = ["-r", "ts-node/register/transpile-only", MAIN];
let chain: TestChain;

beforeAll(async () => {
  chain = await startTestChain();
}, 60_000);
afterAll(async () => {
  await chain?.close();
});

test("bad or missing settings: exit 2, one line per problem naming flag and variable, nothing else started", () => {
  const run = spawnSync(process.execPath, [...NODE_ARGS, "--region", "delta", "--guardian-address", "0x12", "--poll-interval", "soon"], { env: { PATH: process.env.PATH }, encoding: "utf8", timeout: 30_000 });
  expect(run.status).toBe(2);
  const lines = run.stderr.trim().split("\n");
  expect(lines[0]).toBe("watcher: invalid settings");
  expect(lines.at(-1)).toBe("Run with --help for usage.");
  const problems = lines.slice(1, -1).map((l) => l.trim());
  expect(problems).toEqual([
    expect.stringMatching(/^region: .*\(--region or DSC_REGION\)$/),
    expect.stringMatching(/^chainRpcUrl: .*\(--chain-rpc-url or DSC_CHAIN_RPC_URL\)$/),
    expect.stringMatching(/^guardianAddress: must be a 20-byte hex address .*\(--guardian-address or DSC_GUARDIAN_ADDRESS\)$/),
    expect.stringMatching(/^consortiumSafeAddress: .*DSC_CONSORTIUM_SAFE_ADDRESS\)$/),
    expect.stringMatching(/^tierRulesAddress: .*DSC_TIER_RULES_ADDRESS\)$/),
    expect.stringMatching(/^agentKeyFile: .*DSC_AGENT_KEY_FILE\)$/),
    expect.stringMatching(/^pollInterval: "soon" is not a duration/),
  ]);
}, 40_000);

test("--help lists every setting with its environment variable", () => {
  const run = spawnSync(process.execPath, [...NODE_ARGS, "--help"], { encoding: "utf8", timeout: 30_000 });
  expect(run.status).toBe(0);
  for (const v of ["DSC_REGION", "DSC_CHAIN_RPC_URL", "DSC_TIER_RULES_ADDRESS", "DSC_AGENT_KEY_FILE", "DSC_KUBECONFIG", "DSC_REPLICATION_TOKEN_FILE", "DSC_PEER_REPLICATION_URLS"]) expect(run.stdout).toContain(v);
}, 40_000);

describe("a running watcher process", () => {
  let child: ChildProcess;
  let port = 0;
  let stderr = "";
  beforeAll(async () => {
    const dir = mkdtempSync(join(chain.root, "proc-"));
    writeFileSync(join(dir, "agent.key"), KEYS.agents[0]);
    const d = chain.f.deployment;
    // Configured through the environment only, as the pod is.
    child = spawn(process.execPath, NODE_ARGS, {
      env: {
        PATH: process.env.PATH,
        DSC_REGION: "alpha",
        DSC_LISTEN: "127.0.0.1:0",
        DSC_DETECTORS: "consortium",
        DSC_CHAIN_RPC_URL: chain.rpcUrl,
        DSC_GUARDIAN_ADDRESS: d.contracts.Guardian,
        DSC_CONSORTIUM_SAFE_ADDRESS: d.consortium,
        DSC_TIER_RULES_ADDRESS: d.contracts.TierRules,
        DSC_AGENT_KEY_FILE: join(dir, "agent.key"),
        DSC_STATE_DIR: join(dir, "state"),
        DSC_POLL_INTERVAL: "200ms",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout!.on("data", (c: Buffer) => (out += c.toString()));
    child.stderr!.on("data", (c: Buffer) => (stderr += c.toString()));
    port = await until("the watcher to log its port", () => {
      const started = out.split("\n").filter((l) => l.includes('"watcher started"'))[0];
      return started ? (JSON.parse(started) as { port: number }).port : undefined;
    }, 40_000);
  }, 60_000);
  afterAll(() => {
    if (child.exitCode === null) child.kill("SIGKILL");
  });

  const get = (path: string) => fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(5000) });

  test("serves its status, metrics and probes", async () => {
    expect((await get("/healthz")).status).toBe(200);
    await until("ready", async () => ((await get("/readyz")).status === 200 ? true : undefined));
    const status = (await (await get("/v1/status")).json()) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(status).toMatchObject({ region: "alpha", ready: true, guardian: { paused: false, state: "idle" } });
    expect(status.agent).toBe(new Wallet(KEYS.agents[0]).address);
    expect(status.detectors.consortium).toMatchObject({ enabled: true, state: "polling" });
    expect(status.detectors.drift).toMatchObject({ enabled: false, state: "off" });
    const metrics = await (await get("/metrics")).text();
    expect(metrics).toMatch(/dsc_watcher_checks_total\{detector="consortium"\} \d+/);
    expect(metrics).toContain("dsc_watcher_guardian_paused 0");
    expect((await get("/nowhere")).status).toBe(404);
  });

  test("SIGTERM stops it cleanly: exit 0", async () => {
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(stderr).toBe("");
  }, 20_000);
});
