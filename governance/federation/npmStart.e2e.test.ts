/**
 * The README's first command as a user runs it: `bash scripts/local-up.sh` (what `npm start` runs) as a real process
 * group with a fresh state folder (DSC_STATE_DIR under a temp folder), then, in order on that one federation: ready;
 * a write through alpha read through gamma; alpha's node killed with -9 while beta and gamma keep serving, restarted
 * by the supervisor and converged; a drift breach paused by a watcher; SIGINT and no process left. The status page
 * is driven in headless Chromium along the way (no console error, three healthy regions, alpha down after its kill,
 * the pause), with a screenshot under the state folder and a copy at .state/federation-page.png.
 *
 * In between, on that federation, the gate as the ready summary tells a user to use it: an operational change of
 * beta alone signed by DSP-2 and applied with `dsc up`; after the breach, a fleet change refused while paused and
 * applied once a Board-signed critical unpause lifts the pause.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { parseDocument } from "yaml";
import { requireToolchain } from "../../test/engine/toolchain";
import { PROJECT_ROOT } from "../gate/workspace";
import { readRunRecord, isAlive, type RunRecord } from "./stateDir";

const CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];
const START_MS = 15 * 60_000; // a fresh state folder: clusters made and the stack created, under suite load
jest.setTimeout(START_MS + 60_000);

let scratch: string;
let state: string;
let up: ChildProcess | undefined;
let outFile: string;
let browser: Browser | undefined;
let page: Page | undefined;
const problems: string[] = [];
let record: RunRecord;
let token: string;
let seen: number[] = [];

const output = () => readFileSync(outFile, "utf8");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, ms: number, probe: () => Promise<T | undefined> | T | undefined): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    await sleep(500);
  }
  throw new Error(`${what}: not within ${ms} ms${last ? ` (last: ${(last as Error).message})` : ""}\n--- npm start output (tail) ---\n${existsSync(outFile) ? output().slice(-4000) : ""}`);
}

const api = (region: string, doc: string, init?: RequestInit) =>
  fetch(`${record.endpoints.replication[region]}/v1/collections/notes/docs/${doc}`, {
    ...init,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    signal: AbortSignal.timeout(5000),
  });

const readDoc = async (region: string, doc: string) => {
  const res = await api(region, doc);
  return res.status === 200 ? await res.text() : undefined;
};

const kubectl = (region: string, ...args: string[]) =>
  execFileSync(path.join(PROJECT_ROOT, ".toolchain", "bin", "kubectl"), ["--kubeconfig", path.join(state, "kube", region, "kubeconfig"), ...args], { encoding: "utf8", timeout: 30_000 });

/** `npx dsc …` as the ready summary tells a user to run it (its exports set), with the output of both streams. */
function dsc(...args: string[]): { code: number | null; out: string } {
  const env = { ...userEnv(), DSC_STATE_DIR: state, DSC_RPC_URL: record.endpoints.rpc, DSC_DEPLOYMENT: path.join(state, "consortium.json") };
  const r = spawnSync(process.execPath, [path.join(PROJECT_ROOT, "governance", "cli", "bin", "dsc"), ...args], { cwd: PROJECT_ROOT, env, encoding: "utf8", timeout: 300_000 });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}
const key = (name: string) => path.join(state, "local", "keys", `${name}.key`);
const configFile = () => path.join(state, "local", "Pulumi.local.yaml");

/**
 * Edits the local stack's config file in place (what the user edits). Failsafe schema: every scalar stays the
 * string it was written as (the core schema reads the 0x… addresses as hex numbers and writes them back changed).
 */
function editConfig(at: string[], value: unknown): void {
  const doc = parseDocument(readFileSync(configFile(), "utf8"), { schema: "failsafe" });
  doc.setIn(["config", ...at], doc.createNode(value));
  writeFileSync(configFile(), doc.toString());
}

/** dsc change, each signer's dsc sign, dsc up: the up's result. */
function change(name: string, agent: string, signers: string[]): { bundle: string; made: string; up: { code: number | null; out: string } } {
  const bundle = path.join(state, "changes", name);
  const made = dsc("change", "local", "--config-file", configFile(), "--bundle", bundle, "--agent-key-file", key(agent));
  expect([made.code, made.out]).toEqual([0, expect.stringContaining(`bundle ${bundle}`)]);
  for (const signer of signers) expect(dsc("sign", bundle, "--key-file", key(signer)).code).toBe(0);
  return { bundle, made: made.out, up: applyBundle(bundle) };
}
const applyBundle = (bundle: string) => dsc("up", bundle, "--stack", "local", "--config-file", configFile(), "--payer-key-file", key("deployer"));

/** Every pid in this process group and every process whose command line names the state folder. */
function leftovers(): string[] {
  const ps = execFileSync("ps", ["-eo", "pid=,pgid=,args="], { encoding: "utf8" });
  return ps
    .split("\n")
    .filter((l) => l.trim() !== "")
    .filter((l) => {
      const [pid, pgid] = l.trim().split(/\s+/).map(Number);
      return pid !== process.pid && (l.includes(state) || (up?.pid !== undefined && pgid === up.pid) || seen.includes(pid));
    });
}

/** This environment without the project's own settings (as a user's shell has it). */
function userEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("DSC_") && !k.startsWith("PULUMI_")));
}

beforeAll(() => {
  requireToolchain();
  scratch = mkdtempSync(path.join(os.tmpdir(), "dsc-npm-start-"));
  state = path.join(scratch, "state");
  outFile = path.join(scratch, "npm-start.log");
});

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  if (up?.pid !== undefined && isAlive(up.pid)) {
    try {
      process.kill(-up.pid, "SIGINT");
    } catch {
      /* gone */
    }
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline && isAlive(up.pid)) await sleep(500);
  }
  // Whatever is still there (a failed step), by the pids this test saw and the process group it made.
  for (const line of leftovers()) {
    const pid = Number(line.trim().split(/\s+/)[0]);
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      /* gone */
    }
  }
  if (up?.pid !== undefined) {
    try {
      process.kill(-up.pid, "SIGKILL");
    } catch {
      /* gone */
    }
  }
  rmSync(scratch, { recursive: true, force: true });
});

describe("npm start, as a user runs it", () => {
  it("starts the whole federation and prints the ready summary", async () => {
    const fd = openSync(outFile, "a");
    const chainPort = 18545 + Math.floor(Math.random() * 1000);
    up = spawn("bash", ["scripts/local-up.sh"], {
      cwd: PROJECT_ROOT,
      env: { ...userEnv(), DSC_STATE_DIR: state, DSC_CHAIN_PORT: String(chainPort) },
      stdio: ["ignore", fd, fd],
      detached: true, // its own process group, as a terminal's foreground job: SIGINT goes to the group
    });
    const ready = await until("the ready summary", START_MS, () => /^ready in ([\d.]+) s/m.exec(output()) ?? undefined);
    console.log(`npm start (fresh state folder) to ready: ${ready[1]} s`);
    record = await until("the run record", 10_000, () => readRunRecord(state));
    expect(Object.keys(record.endpoints.replication)).toEqual(["alpha", "beta", "gamma"]);
    expect(output()).toContain(`status page  ${record.endpoints.statusPage}`);
    expect(output()).toMatch(/try next:/);
    token = readFileSync(record.tokenFile, "utf8").trim();
    seen = Object.values(record.children);
    expect(seen).toHaveLength(7);

    browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    page.on("console", (m) => m.type() === "error" && problems.push(`console: ${m.text()}`));
    page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
    await page.goto(record.endpoints.statusPage);
    await page.waitForSelector('#map g[data-health="healthy"] >> nth=2', { timeout: 60_000 });
    expect(problems).toEqual([]);
    // dsc status shows the same regions in the terminal, read from this federation's status page.
    const text = await until("dsc status with three healthy regions", 30_000, () => {
      const out = dsc("status").out;
      return ["alpha", "beta", "gamma"].every((r) => new RegExp(`^    ${r}: healthy, digest `, "m").test(out)) ? out : undefined;
    });
    expect(text).toMatch(/^ {4}alpha ↔ beta: up/m);
  });

  it("a write through alpha is read through gamma", async () => {
    expect((await api("alpha", "n1", { method: "PUT", body: JSON.stringify({ hello: "from alpha" }) })).status).toBe(200);
    expect(await until("n1 in gamma", 60_000, () => readDoc("gamma", "n1"))).toContain('"hello":"from alpha"');
  });

  it("kill -9 of alpha's node: beta and gamma keep serving, the page shows alpha down, the supervisor restarts it and it converges", async () => {
    const alphaPid = record.children["replication-alpha"];
    process.kill(alphaPid, "SIGKILL");
    const killedAt = Date.now();
    await page!.waitForSelector('#map g[data-region="alpha"][data-health="down"]', { timeout: 15_000 });
    console.log(`status page: alpha shown down ${Date.now() - killedAt} ms after kill -9`);
    expect((await api("beta", "n2", { method: "PUT", body: JSON.stringify({ hello: "from beta while alpha is down" }) })).status).toBe(200);
    expect(await until("n2 in gamma", 60_000, () => readDoc("gamma", "n2"))).toContain("from beta while alpha is down");

    const restarted = await until("alpha's node restarted", 60_000, () => {
      const r = readRunRecord(state);
      const pid = r?.children["replication-alpha"];
      return pid !== undefined && pid !== alphaPid ? pid : undefined;
    });
    seen.push(restarted);
    expect(await until("n2 in alpha after its restart", 90_000, () => readDoc("alpha", "n2"))).toContain("from beta while alpha is down");
    expect(await readDoc("alpha", "n1")).toContain('"hello":"from alpha"');
    await page!.waitForSelector('#map g[data-region="alpha"][data-health="healthy"]', { timeout: 60_000 });
  });

  it("an operational change of beta alone, signed by DSP-2 only, is applied with dsc up", () => {
    editConfig(["dsc:local", "regions", "beta", "replicationResources"], { cpuRequest: "300m", cpuLimit: "1500m", memoryRequest: "384Mi", memoryLimit: "2Gi" });
    const { made, up } = change("beta-resources", "agent2", ["dsp2-owner1"]);
    expect(made).toMatch(/tier operational, regions beta;/);
    expect([up.code, up.out]).toEqual([0, expect.stringMatching(/succeeded: \{"same":\d+,"update":1\} \(recorded in 0x[0-9a-f]{64}\)/)]);
    const limits = kubectl("beta", "-n", "dsc-replication-beta", "get", "statefulset/replication", "-o", "jsonpath={.spec.template.spec.containers[0].resources.limits}");
    expect(JSON.parse(limits)).toEqual({ cpu: "1500m", memory: "2Gi" });
    expect(JSON.parse(kubectl("alpha", "-n", "dsc-replication-alpha", "get", "statefulset/replication", "-o", "jsonpath={.spec.template.spec.containers[0].resources.limits}"))).not.toEqual({ cpu: "1500m", memory: "2Gi" });
  });

  const status = () => JSON.parse(dsc("status", "--json").out) as { paused: boolean };

  it("a drift breach in alpha's cluster: a watcher pauses the federation, and the page shows it", async () => {
    kubectl("alpha", "-n", "dsc-replication-alpha", "label", "statefulset/replication", "backdoor=1");
    await until("the Guardian paused", 120_000, () => status().paused || undefined);
    await page!.waitForSelector('#guardian[data-state="paused"]', { timeout: 30_000 });
    expect(await page!.locator("#guardian").textContent()).toMatch(/drift/);
    expect(problems).toEqual([]);
    const shot = path.join(state, "federation-page.png");
    await page!.screenshot({ path: shot, fullPage: true });
    mkdirSync(path.join(PROJECT_ROOT, ".state"), { recursive: true });
    copyFileSync(shot, path.join(PROJECT_ROOT, ".state", "federation-page.png"));
  });

  it("while paused a fleet change with its two DSPs' signatures is refused; after a critical unpause (three DSPs and a Board member) it applies", async () => {
    editConfig(["dsc:images", "replication"], "ghcr.io/dsc-federation/replication:0.1.1");
    const fleet = change("fleet-image", "agent1", ["dsp1-owner1", "dsp1-owner2", "dsp2-owner1"]);
    expect(fleet.made).toMatch(/tier fleet, regions alpha, beta, gamma;/);
    expect(fleet.up.code).not.toBe(0);
    expect(fleet.up.out).toMatch(/refused:[\s\S]*the federation is paused by the Guardian: only a critical approval can be recorded until a critical unpause/);
    // The status page lists the refused bundle as pending: its tier, its signers, nothing missing.
    const row = page!.locator('#bundles tr[data-bundle="fleet-image"]');
    await row.waitFor({ timeout: 15_000 });
    expect(await row.textContent()).toMatch(/fleet.*DSP-1, DSP-2.*nothing: ready for dsc up/);
    kubectl("alpha", "-n", "dsc-replication-alpha", "label", "statefulset/replication", "backdoor-"); // the operator undoes the drift first
    const unpaused = dsc("unpause", ...["dsp1-owner1", "dsp1-owner2", "dsp2-owner1", "dsp3-owner1", "board1"].flatMap((k) => ["--key-file", key(k)]), "--payer-key-file", key("deployer"));
    expect([unpaused.code, unpaused.out]).toEqual([0, expect.stringMatching(/^unpaused /m)]);
    expect(status().paused).toBe(false);
    await page!.waitForSelector('#guardian[data-state="running"]', { timeout: 30_000 });
    const again = applyBundle(fleet.bundle);
    expect([again.code, again.out]).toEqual([0, expect.stringMatching(/succeeded: \{"same":\d+,"update":3\}/)]);
    await page!.locator('#bundles tr[data-bundle="fleet-image"]').waitFor({ state: "detached", timeout: 15_000 });
    expect(kubectl("gamma", "-n", "dsc-replication-gamma", "get", "statefulset/replication", "-o", "jsonpath={.spec.template.spec.containers[0].image}")).toBe("ghcr.io/dsc-federation/replication:0.1.1");
    expect(problems).toEqual([]);
  });

  it("a second npm start on the running federation says so and starts nothing", () => {
    const out = execFileSync("bash", ["scripts/local-up.sh"], { cwd: PROJECT_ROOT, env: { ...userEnv(), DSC_STATE_DIR: state }, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 60_000 });
    expect(out).toMatch(/^ready in/m);
    expect(readRunRecord(state)?.pid).toBe(record.pid);
  });

  it("SIGINT stops everything: no process of the federation is left", async () => {
    await browser?.close();
    browser = undefined;
    process.kill(-up!.pid!, "SIGINT");
    await until("npm start to exit", 120_000, () => (up!.exitCode !== null || up!.signalCode !== null ? true : undefined));
    expect(output()).toMatch(/stopping the federation's processes/);
    expect(output()).toMatch(/stopping the clusters/);
    const left = await until("no process left", 30_000, () => (leftovers().length === 0 ? [] : undefined)).catch(() => leftovers());
    expect(left).toEqual([]);
    expect(readRunRecord(state)).toBeUndefined();
  });
});
