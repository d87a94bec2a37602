/**
 * The federation's node wiring without clusters: the real ReplicationLayer component (under Pulumi's mock runtime,
 * with the local stack's trust material) gives each region's StatefulSet and Secrets; podProcess.ts turns them
 * into local processes; three real replication nodes start under the Supervisor, connect as peers over mutual TLS,
 * and a write through alpha is read through gamma.
 */
import * as k8s from "@pulumi/kubernetes";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { ReplicationLayer } from "../../components/replication/replicationLayer";
import { replicationNames } from "../../components/replication/spec";
import { runWithMocks } from "../../components/testing/mockRuntime";
import { ensureLocalTrust } from "../../scripts/local-config";
import { mintToken, parsePrivateJwk } from "../../services/replication/src/tokens";
import { PROJECT_ROOT } from "../gate/workspace";
import { planLocalProcess, type NamespaceObjects, type PodTemplate } from "./podProcess";
import { REGIONS } from "./stateDir";
import { Supervisor } from "./supervisor";

jest.setTimeout(240_000);
let dir: string;
let supervisor: Supervisor | undefined;
afterAll(async () => {
  await supervisor?.stop(3000);
  rmSync(dir, { recursive: true, force: true });
});

const base = 24000 + Math.floor(Math.random() * 3000);
const ports = Object.fromEntries(REGIONS.map((r, i) => [r, { api: base + i * 3, peer: base + i * 3 + 1, watcher: base + i * 3 + 2 }]));

/** Values the mock runtime keeps as secrets (`{ <sig>: …, value }`), unwrapped as the cluster would store them. */
const SECRET_SIG = "4dabf18193072939515e22adb298388d";
function unwrap(v: unknown): unknown {
  if (v === null || typeof v !== "object") return v;
  if (SECRET_SIG in v) return unwrap((v as unknown as { value: unknown }).value);
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unwrap(x)]));
}

async function regionObjects(region: string, trust: Awaited<ReturnType<typeof ensureLocalTrust>>): Promise<{ template: PodTemplate; objects: NamespaceObjects }> {
  const run = await runWithMocks(
    () => {
      const provider = new k8s.Provider(`${region}-k8s`, { kubeconfig: "{}" });
      new ReplicationLayer(
        `${region}-replication`,
        {
          settings: { owner: { region, dsp: `dsp-${REGIONS.indexOf(region as "alpha") + 1}` }, image: "ghcr.io/dsc-federation/replication:0.1.0", replicas: 1, storage: { size: "1Gi" }, peerExposure: "clusterIp" },
          remotePeers: REGIONS.filter((r) => r !== region).map((r) => ({ name: r, url: `wss://${replicationNames(r).peerService}.${replicationNames(r).namespace}.svc.cluster.local:7070` })),
          peerSecret: "local-peer-secret-of-at-least-16",
          authKeys: trust.jwks,
          tls: { caCert: trust.caCert, certs: [trust.regions[region as "alpha"].cert], keys: [trust.regions[region as "alpha"].key] },
        },
        { provider },
      );
      return {};
    },
    { project: "federation", stack: region },
  );
  const sts = run.resources.find((r) => r.type === "kubernetes:apps/v1:StatefulSet");
  const objects: NamespaceObjects = { configMaps: {}, secrets: {} };
  for (const r of run.resources.filter((x) => x.type === "kubernetes:core/v1:Secret")) {
    const inputs = r.inputs as { metadata: { name: string }; stringData: Record<string, string> };
    objects.secrets[inputs.metadata.name] = unwrap(inputs.stringData) as Record<string, string>;
  }
  return { template: (sts?.inputs as { spec: { template: PodTemplate } }).spec.template, objects };
}

test("three nodes from the component's own pod spec replicate a write from alpha to gamma", async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), "dsc-local-nodes-"));
  const trust = await ensureLocalTrust(path.join(dir, "trust"));
  supervisor = new Supervisor({ logDir: path.join(dir, "logs"), log: () => undefined });
  for (const region of REGIONS) {
    const { template, objects } = await regionObjects(region, trust);
    const plan = planLocalProcess({ template, objects, dir: path.join(dir, region), region, ports, listen: { DSC_API_LISTEN: ports[region].api, DSC_PEER_LISTEN: ports[region].peer } });
    expect(plan.env.DSC_PEERS.split(",").sort()).toEqual(REGIONS.filter((r) => r !== region).map((r) => `${r}=wss://127.0.0.1:${ports[r].peer}`).sort());
    for (const d of [...plan.freshDirs, ...plan.keptDirs]) mkdirSync(d, { recursive: true });
    for (const [file, content] of Object.entries(plan.files)) {
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, content);
      chmodSync(file, 0o600);
    }
    supervisor.start({ name: region, command: process.execPath, args: ["-r", "ts-node/register/transpile-only", path.join(PROJECT_ROOT, "services/replication/src/main.ts")], env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...plan.env }, cwd: PROJECT_ROOT });
  }
  const key = parsePrivateJwk(readFileSync(path.join(dir, "trust", "token-signing-key.jwk.json"), "utf8"), "key");
  const token = await mintToken(key, { scopes: ["read:*", "write:*", "status"], expiresAt: Math.floor(Date.now() / 1000) + 3600 });
  const call = (region: string, init?: RequestInit) =>
    fetch(`http://127.0.0.1:${ports[region].api}/v1/collections/notes/docs/n1`, { ...init, headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, signal: AbortSignal.timeout(5000) });
  const deadline = Date.now() + 180_000;
  let wrote = false;
  let last = "";
  while (Date.now() < deadline) {
    try {
      if (!wrote) wrote = (await call("alpha", { method: "PUT", body: JSON.stringify({ hello: "from alpha" }) })).status === 200;
      if (wrote) {
        const res = await call("gamma");
        last = `gamma: HTTP ${res.status}`;
        const body = res.status === 200 ? await res.text() : "";
        if (body.includes('"hello":"from alpha"')) return;
        last += ` ${body.slice(0, 200)}`;
      }
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`not replicated within 180 s (${last}); logs: ${REGIONS.map((r) => readFileSync(supervisor!.logFile(r), "utf8").slice(-1500)).join("\n---\n")}`);
});
