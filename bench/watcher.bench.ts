/**
 * `npm run bench:watcher`: detection latency of the Guardian watcher, from a breach made to the pause mined, per
 * detector, p50 and p99 over repeated breaches. The consortium on Hardhat's in-process chain behind a loopback
 * JSON-RPC port, a real local cluster (scripts/kube), one watcher in this process with the settings the local
 * federation uses (1 s polls, no confirmations: the local chain does not reorganise). Each round: the breach, the
 * pause, then the Board's unpause (with the remedy) and the cooldown run out.
 * Consortium: an owner added through a module that bypasses the guard (latency counted from the block mined).
 * Drift: a `kubectl label` of the replication StatefulSet (from kubectl's return).
 * The replication detector is not measured here: its latency is its configured divergence bound by design.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { Wallet } from "ethers";
import { KEYS } from "../contracts/test/fixture";
import { startLocalClusters, stopLocalClusters } from "../scripts/kube";
import { startTestChain, until } from "../services/watcher/src/testing/chain";
import { NS, engineApply, kubectl } from "../services/watcher/src/testing/federation";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function main(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), "dsc-watcher-bench-"));
  const kubeconfig = (await startLocalClusters({ root, regions: ["alpha"] })).alpha.kubeconfig;
  const chain = await startTestChain();
  engineApply(kubeconfig, 1);
  const { watcher } = await chain.watcher("alpha", { detectors: "drift,consortium", kubeconfig, pollInterval: "1s", confirmations: "0", approvalWindow: "15m" });
  const guardian = chain.f.contract("Guardian");
  const pausedAfter = async (t0: number) => {
    await until("the pause", async () => ((await guardian.paused()) ? true : undefined), 30_000);
    return Date.now() - t0;
  };
  const samples: Record<string, number[]> = { consortium: [], drift: [] };
  try {
    for (let i = 0; i < ROUNDS; i++) {
      const rogue = Wallet.createRandom().address;
      await chain.ownerAddedThroughModule(KEYS.outsider, rogue); // resolves once the block is mined
      samples.consortium.push(await pausedAfter(Date.now()));
      await chain.unpause([rogue]);

      kubectl(kubeconfig, ["label", "statefulset/replication", "-n", NS, `bench-${i}=1`]);
      samples.drift.push(await pausedAfter(Date.now()));
      await chain.unpause();
    }
  } finally {
    await watcher.stop();
    await chain.close();
    await stopLocalClusters({ root, regions: ["alpha"] });
    rmSync(root, { recursive: true, force: true });
  }
  console.log(`watcher detection latency, breach to pause mined (${ROUNDS} rounds; poll 1 s, 0 confirmations; load average ${loadavg().map((l) => l.toFixed(1)).join(" ")})`);
  for (const [detector, values] of Object.entries(samples)) {
    const sorted = [...values].sort((a, b) => a - b);
    console.log(`  ${detector.padEnd(11)} p50 ${String(percentile(sorted, 50)).padStart(5)} ms   p99 ${String(percentile(sorted, 99)).padStart(5)} ms   max ${String(sorted.at(-1)).padStart(5)} ms   (goal < 5000 ms)`);
  }
  process.exit(0);
}

main().catch((error: Error) => {
  console.error(error);
  process.exit(1);
});
