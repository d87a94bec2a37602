/**
 * The HTTP edge: polls the replication nodes and the chain on an interval, keeps the latest federation snapshot,
 * and serves it (GET /api/snapshot) with the page's own static files. Nothing else is served: the token stays in
 * this process, and the page loads no third-party resource (its Content-Security-Policy allows only 'self').
 */
import { readFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { basename, join } from "node:path";
import type { StatusConfig } from "./config";
import { pendingBundles } from "../../../governance/cli/pendingBundles";
import { buildSnapshot, recordedDigests, type BundleView, type ChainFacts, type DeploymentFacts, type FederationSnapshot, type Observation } from "./snapshot";
import { ChainReader, deploymentFacts, fetchNodeReport, readDeployment, readToken } from "./sources";

const PUBLIC_DIR = join(__dirname, "public");
const FILES: Record<string, { file: string; type: string }> = {
  "/": { file: "index.html", type: "text/html; charset=utf-8" },
  "/app.js": { file: "app.js", type: "text/javascript; charset=utf-8" },
  "/style.css": { file: "style.css", type: "text/css; charset=utf-8" },
  "/favicon.svg": { file: "favicon.svg", type: "image/svg+xml" },
  // Browsers ask for /favicon.ico whatever the page links; the same icon, so the console shows no 404.
  "/favicon.ico": { file: "favicon.svg", type: "image/svg+xml" },
};
const SECURITY_HEADERS = {
  "content-security-policy": "default-src 'self'; img-src 'self'; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
};

export interface StatusServer {
  readonly url: string;
  /** The latest snapshot (after the first poll). */
  snapshot(): FederationSnapshot | undefined;
  /** Polls once now (tests use it to wait for a fresh view). */
  refresh(): Promise<FederationSnapshot>;
  close(): Promise<void>;
}

/** The changes folder's bundles not recorded on the chain yet; none without a folder or a chain to compare with. */
function bundleViews(changesDir: string | undefined, deployment: DeploymentFacts, chain: Observation<ChainFacts>): BundleView[] {
  if (changesDir === undefined || !chain.ok) return [];
  const { board, rules, events } = chain.value;
  const list = pendingBundles(changesDir, recordedDigests(events), { dsps: deployment.dsps, board, rules }, Math.floor(Date.now() / 1000));
  return list.map(({ dir, ...rest }) => ({ name: basename(dir), ...rest }));
}

export async function startStatusServer(config: StatusConfig, log: (line: string) => void = () => {}): Promise<StatusServer> {
  const deployment = readDeployment(config.deploymentFile);
  const facts = deploymentFacts(deployment);
  const chain = new ChainReader(config.rpcUrl, deployment);
  const files = new Map(Object.entries(FILES).map(([path, f]) => [path, { body: readFileSync(join(PUBLIC_DIR, f.file)), type: f.type }]));
  let latest: FederationSnapshot | undefined;
  let inFlight: Promise<FederationSnapshot> | undefined;

  const poll = (): Promise<FederationSnapshot> => {
    inFlight ??= (async () => {
      const token = readToken(config.tokenFile);
      const [regions, chainFacts] = await Promise.all([
        Promise.all(config.replication.map(async (r) => ({ name: r.name, url: r.url, observation: await fetchNodeReport(r.url, token) }))),
        chain.read(),
      ]);
      latest = buildSnapshot({ now: Date.now(), deployment: facts, regions, chain: chainFacts, bundles: bundleViews(config.changesDir, facts, chainFacts) });
      return latest;
    })().finally(() => (inFlight = undefined));
    return inFlight;
  };

  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const loop = async () => {
    await poll().catch((error: Error) => log(`poll failed: ${error.message}`));
    if (!stopped) timer = setTimeout(loop, config.pollIntervalMs);
  };

  const server = http.createServer((request, response) => {
    const path = (request.url ?? "/").split("?")[0];
    if (request.method !== "GET" && request.method !== "HEAD") {
      response.writeHead(405, { allow: "GET, HEAD", "content-type": "application/json", ...SECURITY_HEADERS }).end(JSON.stringify({ error: "method_not_allowed", message: "the status page is read-only" }));
      return;
    }
    if (path === "/api/snapshot") {
      const body = latest ? JSON.stringify(latest) : JSON.stringify({ error: "starting", message: "the first poll has not completed yet" });
      response.writeHead(latest ? 200 : 503, { "content-type": "application/json", "cache-control": "no-store", ...SECURITY_HEADERS }).end(request.method === "HEAD" ? undefined : body);
      return;
    }
    if (path === "/healthz") {
      response.writeHead(200, { "content-type": "application/json", ...SECURITY_HEADERS }).end(JSON.stringify({ status: "ok" }));
      return;
    }
    const file = files.get(path);
    if (!file) {
      response.writeHead(404, { "content-type": "application/json", ...SECURITY_HEADERS }).end(JSON.stringify({ error: "not_found", message: `no ${path} here; the page is at /` }));
      return;
    }
    response.writeHead(200, { "content-type": file.type, "cache-control": "no-cache", ...SECURITY_HEADERS }).end(request.method === "HEAD" ? undefined : file.body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = config.host.includes(":") ? `[${config.host}]` : config.host;
  await loop();

  return {
    url: `http://${host}:${port}/`,
    snapshot: () => latest,
    refresh: poll,
    async close() {
      stopped = true;
      clearTimeout(timer);
      await inFlight?.catch(() => undefined);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      chain.close();
    },
  };
}
