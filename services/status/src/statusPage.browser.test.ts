/**
 * The status page end to end, with real parts: the consortium on a Hardhat chain served on a loopback JSON-RPC
 * port, three real replication node processes (tokens, peer mutual TLS), the status page run by its own CLI as a
 * process, and Debian's Chromium (headless, via playwright-core) reading it. Writes .state/status-page.png.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Contract } from "ethers";
import { chromium, type Browser, type Page } from "playwright-core";
import { writeDeploymentFile } from "../../../governance/consortium/deploy";
import { ourArtifact } from "../../../governance/consortium/artifacts";
import { KEYS } from "../../../contracts/test/fixture";
import { Cluster } from "../../replication/src/testing/cluster";
import { startTestChain, until, type TestChain } from "../../watcher/src/testing/chain";

const ROOT = join(__dirname, "..", "..", "..");
const SCREENSHOT = join(ROOT, ".state", "status-page.png");
const CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

jest.setTimeout(180_000);

let chain: TestChain;
let cluster: Cluster;
let dir: string;
let page_: ChildProcess | undefined;
let pageUrl: string;
let token: string;
let browser: Browser | undefined;

/** Runs `npm run status-page`'s entry point and resolves with the URL it prints (bounded wait). */
function startStatusPage(args: string[]): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", join(__dirname, "main.ts"), ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  return new Promise((resolve, reject) => {
    let output = "";
    const timer = setTimeout(() => reject(new Error(`the status page did not start within 30 s:\n${output}`)), 30_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /status page at (http:\/\/\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({ child, url: match[1] });
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.on("exit", (code) => reject(new Error(`the status page exited with ${code}:\n${output}`)));
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "dsc-status-"));
  // The nodes first: their start is bounded (20 s each) and the in-process chain's deployment would compete for the CPU.
  cluster = new Cluster();
  await cluster.start();
  chain = await startTestChain();
  const deploymentFile = join(dir, "consortium.json");
  writeDeploymentFile(deploymentFile, chain.f.deployment);
  token = await cluster.security.token("status");
  const tokenFile = join(dir, "status.token");
  writeFileSync(tokenFile, token + "\n", { mode: 0o600 });
  const replication = Object.values(cluster.nodes).flatMap((n) => ["--replication", `${n.region}=http://127.0.0.1:${n.apiPort}`]);
  const started = await startStatusPage(["--deployment", deploymentFile, "--rpc", chain.rpcUrl, ...replication, "--token-file", tokenFile, "--listen", "127.0.0.1:0", "--poll-interval", "500"]);
  page_ = started.child;
  pageUrl = started.url;
  browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: CHROMIUM_ARGS });
});

afterAll(async () => {
  await browser?.close();
  page_?.kill("SIGTERM");
  await cluster?.destroy();
  await chain?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Opens the page, recording every console error, page error, failed request and HTTP error response. */
async function open(): Promise<{ page: Page; problems: string[]; requests: string[] }> {
  const page = await browser!.newPage({ viewport: { width: 1280, height: 1000 } });
  const problems: string[] = [];
  const requests: string[] = [];
  page.on("console", (m) => m.type() === "error" && problems.push(`console: ${m.text()}`));
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("requestfailed", (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
  page.on("request", (r) => requests.push(r.url()));
  page.on("response", (r) => r.status() >= 400 && problems.push(`HTTP ${r.status()} ${r.url()}`));
  await page.goto(pageUrl);
  return { page, problems, requests };
}

const health = (page: Page, region: string) => page.locator(`#map g[data-region="${region}"]`).getAttribute("data-health");

test("the page shows three healthy regions, then alpha down within seconds of kill -9, an approval and a rotation on the timeline, then an agent's pause", async () => {
  expect((await cluster.nodes.alpha.put("orders", "o1", { n: 1 })).status).toBe(200);
  await cluster.converged();
  const { page, problems, requests } = await open();

  await page.waitForSelector('#map g[data-health="healthy"] >> nth=2', { timeout: 15_000 });
  expect(await Promise.all(["alpha", "beta", "gamma"].map((r) => health(page, r)))).toEqual(["healthy", "healthy", "healthy"]);
  await page.waitForFunction(`document.querySelectorAll('#map line[data-state="up"]').length === 3`, undefined, { timeout: 15_000 });
  expect(await page.locator("#guardian").getAttribute("data-state")).toBe("running");
  expect(await page.locator("#agents tr").count()).toBe(3);
  expect(await page.locator("#rules tr").count()).toBe(chain.f.deployment.tiers.length);
  await page.waitForFunction(`/same data/.test(document.getElementById("convergence").textContent)`, undefined, { timeout: 15_000 });

  const killedAt = Date.now();
  await cluster.nodes.alpha.crash();
  await page.waitForSelector('#map g[data-region="alpha"][data-health="down"]', { timeout: 5_000 });
  const shownDownMs = Date.now() - killedAt;
  console.log(`status page: alpha shown down ${shownDownMs} ms after kill -9`);
  expect(await page.locator('.card[data-region="alpha"] .problem').textContent()).toMatch(/not answering: (ECONNREFUSED|ECONNRESET)/); // a reset when the kill lands mid-request
  expect(await page.locator('#map line[data-link="beta-gamma"]').getAttribute("data-state")).toBe("up");
  expect(await page.locator('#map line[data-link="alpha-beta"]').getAttribute("data-state")).not.toBe("up");

  // An operational approval of beta by DSP-2, recorded on the chain, then the Board's rotation of beta to DSP-4.
  const m = chain.f.manifest({ tier: "operational", stack: "beta", regions: ["beta"] });
  const { proposal, signatures } = await chain.f.approve(m, ["dsp2"]);
  await (await chain.f.contract("TierRules", chain.f.wallet(KEYS.outsider)).record(m, proposal, signatures)).wait();
  await page.waitForSelector('#timeline li[data-kind="approval"]', { timeout: 5_000 });
  expect(await page.locator('#timeline li[data-kind="approval"]').textContent()).toMatch(/operational approval .* \(regions: beta; proposed by agent/);
  await chain.rotateBeta();
  await page.waitForSelector('#timeline li[data-kind="rotation-executed"]', { timeout: 5_000 });
  expect(await page.locator('#timeline li[data-kind="rotation-proposed"]').count()).toBe(1);
  expect(await page.locator("#agents tr:nth-child(2)").textContent()).toContain(chain.f.wallet(KEYS.agent4).address);

  const agent = chain.f.wallet(KEYS.agents[0]);
  const guardian = new Contract(chain.f.deployment.contracts.Guardian, ourArtifact("Guardian").abi, agent);
  await (await guardian.pause("drift in alpha: the status page test")).wait();
  await page.waitForSelector('#guardian[data-state="paused"]', { timeout: 5_000 });
  expect(await page.locator("#guardian").textContent()).toMatch(/PAUSED by DSP-1's agent — drift in alpha: the status page test/);
  await page.waitForSelector('#timeline li[data-kind="pause"]', { timeout: 5_000 });
  expect(await page.locator("#timeline li").first().getAttribute("data-kind")).toBe("pause");

  mkdirSync(join(ROOT, ".state"), { recursive: true });
  await page.screenshot({ path: SCREENSHOT, fullPage: true });
  expect(problems).toEqual([]);
  // Only our own origin was asked for anything.
  expect(requests.filter((u) => !u.startsWith(pageUrl.replace(/\/$/, "")))).toEqual([]);
  await page.close();
});

test("nothing the page can fetch holds the token, and the server refuses writes and unknown paths", async () => {
  const base = pageUrl.replace(/\/$/, "");
  for (const path of ["/", "/app.js", "/style.css", "/favicon.svg", "/favicon.ico", "/api/snapshot"]) {
    const response = await fetch(base + path);
    expect([path, response.status]).toEqual([path, 200]);
    expect(response.headers.get("content-security-policy")).toMatch(/default-src 'self'/);
    expect(await response.text()).not.toContain(token);
  }
  expect((await fetch(base + "/api/snapshot", { method: "POST" })).status).toBe(405);
  expect((await fetch(base + "/nothing")).status).toBe(404);
  await until("the snapshot to show the pause", async () => (((await (await fetch(base + "/api/snapshot")).json()) as { guardian: { state: string } }).guardian.state === "paused" ? true : undefined));
});
