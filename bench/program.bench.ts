/**
 * `npm run bench:program`: how long the mocked program takes to build each stack, and how many resources each
 * registers. Runs every stack several times in one process (the first run also pays for module loading).
 */
import { MockedStackName, runMockedStack } from "../stacks/testing/runMockedStack";

const STACKS: MockedStackName[] = ["alpha", "beta", "gamma", "local"];
/** Every peer deployed, so the figures are for a fully wired federation (and no missing-peer warnings). */
const PEERS = Object.fromEntries(["alpha", "beta", "gamma"].map((r) => [r, { replicationPeerEndpoint: `wss://peer.${r}.dsc-federation.org:7070` }]));
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);

async function main(): Promise<void> {
  console.log(`bench:program - Pulumi mock runtime, ${ROUNDS} rounds per stack (first round includes module loading)`);
  for (const stack of STACKS) {
    const times: number[] = [];
    let resources = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const started = process.hrtime.bigint();
      const run = await runMockedStack(stack, { peers: PEERS });
      times.push(Number(process.hrtime.bigint() - started) / 1e6);
      resources = run.resources.length;
    }
    const warm = times.slice(1);
    const median = warm.length > 0 ? [...warm].sort((a, b) => a - b)[Math.floor(warm.length / 2)] : times[0];
    console.log(`${stack.padEnd(6)} resources=${String(resources).padStart(3)}  first=${times[0].toFixed(0)} ms  median=${median.toFixed(0)} ms  max=${Math.max(...times).toFixed(0)} ms`);
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
