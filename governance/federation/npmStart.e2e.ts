/**
 * The README's first command as a user runs it: `bash scripts/local-up.sh` (what `npm start` runs) as a real process
 * group with a fresh state folder (DSC_STATE_DIR under a temp folder), then, in order on that one federation: ready;
 * a write through alpha read through gamma; alpha's node killed with -9 while beta and gamma keep serving, restarted
 * by the supervisor and converged; a drift breach paused by a watcher; SIGINT and no process left. The status page
 * is driven in headless Chromium along the way (no console error, three healthy regions, alpha down after its kill,
 * the pause), with a screenshot under the state folder and a copy at .state/federation-page.png.
 *
 * NOT YET RUN: written while the toolchain was being built cold on this machine, so it has never passed and is kept
 * out of the suite (its name does not end in .test.ts). Run it by hand once `npm run toolchain` is done:
 *   npx jest --testMatch '**' --testPathIgnorePatterns '/node_modules/' governance/federation/npmStart.e2e.ts
 * and rename it to npmStart.e2e.test.ts when it passes. Not covered yet: the operational change in beta signed as
 * DSP-2, the fleet change refused while paused, the Board-signed critical unpause.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
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

  it("a drift breach in alpha's cluster: a watcher pauses the federation, and the page shows it", async () => {
    const kubectl = path.join(PROJECT_ROOT, ".toolchain", "bin", "kubectl");
    execFileSync(kubectl, ["--kubeconfig", path.join(state, "kube", "alpha", "kubeconfig"), "-n", "dsc-replication-alpha", "label", "statefulset/replication", "backdoor=1"]);
    const status = () =>
      JSON.parse(
        execFileSync(process.execPath, [path.join(PROJECT_ROOT, "governance", "cli", "bin", "dsc"), "status", "--json", "--rpc", record.endpoints.rpc, "--deployment", path.join(state, "consortium.json")], { cwd: PROJECT_ROOT, encoding: "utf8" }),
      ) as { paused: boolean };
    await until("the Guardian paused", 120_000, () => status().paused || undefined);
    await page!.waitForSelector('#guardian[data-state="paused"]', { timeout: 30_000 });
    expect(await page!.locator("#guardian").textContent()).toMatch(/drift/);
    expect(problems).toEqual([]);
    const shot = path.join(state, "federation-page.png");
    await page!.screenshot({ path: shot, fullPage: true });
    mkdirSync(path.join(PROJECT_ROOT, ".state"), { recursive: true });
    copyFileSync(shot, path.join(PROJECT_ROOT, ".state", "federation-page.png"));
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
