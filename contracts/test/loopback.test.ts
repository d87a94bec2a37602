/** The same deployment against `hardhat node` on a loopback port, as the local federation runs it. */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Contract, JsonRpcProvider, keccak256 } from "ethers";
import { ourArtifact, safeArtifact } from "../../governance/consortium/artifacts";
import type { Deployment } from "../../governance/consortium/deploy";
import { runDeploy } from "../scripts/deploy";
import { lowFreePorts } from "../../scripts/kube/ports";

const ROOT = path.join(__dirname, "..", "..");
let node: ChildProcess | undefined;
let dir: string;

/** Starts `hardhat node` on 127.0.0.1 and resolves once it listens (bounded wait). */
function startNode(port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, [require.resolve("hardhat/internal/cli/cli.js"), "node", "--hostname", "127.0.0.1", "--port", String(port)], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  return new Promise((resolve, reject) => {
    let output = "";
    const timer = setTimeout(() => reject(new Error(`hardhat node did not start within 45 s:\n${output}`)), 45_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes("Started HTTP and WebSocket JSON-RPC server")) {
        clearTimeout(timer);
        resolve(child);
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.on("exit", (code) => reject(new Error(`hardhat node exited with ${code}:\n${output}`)));
  });
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "dsc-consortium-"));
  node = await startNode((await lowFreePorts(1))[0]);
}, 60_000);

afterAll(() => {
  node?.kill("SIGTERM");
  rmSync(dir, { recursive: true, force: true });
});

test("deploys to a loopback chain and writes a deployment file the gate can use", async () => {
  const port = (node!.spawnargs.at(-1) as string);
  const rpc = `http://127.0.0.1:${port}`;
  const out = path.join(dir, "consortium.json");
  const steps: string[] = [];
  const deployment = await runDeploy({ rpc, out, log: (l) => steps.push(l) });
  expect(steps.some((s) => s.startsWith("deploying: Consortium Safe"))).toBe(true);
  const file = JSON.parse(readFileSync(out, "utf8")) as Deployment;
  expect(file).toEqual(deployment);
  expect(file.chainId).toBe(31337);
  expect(file.dsps.map((d) => [d.name, d.region])).toEqual([["DSP-1", "alpha"], ["DSP-2", "beta"], ["DSP-3", "gamma"]]);

  const provider = new JsonRpcProvider(rpc);
  const safe = new Contract(file.consortium, safeArtifact("safeSingleton").abi, provider);
  expect(await safe.getThreshold()).toBe(4n);
  expect([...(await safe.getOwners())].sort()).toEqual([...file.dsps.map((d) => d.safe), ...file.board].sort());
  const rules = new Contract(file.contracts.TierRules, ourArtifact("TierRules").abi, provider);
  expect(await rules.dspOf(2)).toBe(file.dsps[2].safe);
  // The gate compares this with keccak256 of its tier table's bytes: the default deploy records that table.
  const tableDigest = keccak256(readFileSync(path.join(ROOT, "governance", "gate", "tier-table.json")));
  expect(file.tierTableDigest).toBe(tableDigest);
  expect(await rules.tierTableDigest()).toBe(tableDigest);
  provider.destroy();
}, 60_000);

test("a chain that is not running is reported with what to do", async () => {
  const [port] = await lowFreePorts(1);
  await expect(runDeploy({ rpc: `http://127.0.0.1:${port}`, out: path.join(dir, "x.json"), log: () => {} })).rejects.toThrow(/cannot reach the chain .*hardhat node/);
});
