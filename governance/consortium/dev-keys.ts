/**
 * Deterministic keys for the local federation and the tests. Derived from public labels, so anyone can
 * recompute them: never use them on a chain that holds value.
 */
import { id } from "ethers";
import { addressOf } from "./approvals";
import type { ConsortiumConfig } from "./deploy";

/** A deterministic private key for a named local actor. */
export const devKey = (name: string): string => id(`dsc-test:${name}`);

export const DEV_KEYS = {
  deployer: devKey("deployer"),
  dsp1: [devKey("dsp1-owner1"), devKey("dsp1-owner2")],
  dsp2: [devKey("dsp2-owner1")],
  dsp3: [devKey("dsp3-owner1"), devKey("dsp3-owner2")],
  board: [devKey("board1"), devKey("board2")],
  agents: [devKey("agent1"), devKey("agent2"), devKey("agent3")],
  dsp4: [devKey("dsp4-owner1")],
  agent4: devKey("agent4"),
  dsp5: [devKey("dsp5-owner1")],
  agent5: devKey("agent5"),
  outsider: devKey("outsider"),
};

/** The local federation: DSP-1 (alpha) a 2-of-2 Safe, DSP-2 (beta) 1-of-1, DSP-3 (gamma) 1-of-2; two Board EOAs. */
export function devConsortiumConfig(): ConsortiumConfig {
  const dsp = (name: string, region: "alpha" | "beta" | "gamma", keys: string[], threshold: number, agent: string) => ({
    name,
    region,
    owners: keys.map(addressOf),
    threshold,
    agent: addressOf(agent),
  });
  return {
    dsps: [
      dsp("DSP-1", "alpha", DEV_KEYS.dsp1, 2, DEV_KEYS.agents[0]),
      dsp("DSP-2", "beta", DEV_KEYS.dsp2, 1, DEV_KEYS.agents[1]),
      dsp("DSP-3", "gamma", DEV_KEYS.dsp3, 1, DEV_KEYS.agents[2]),
    ],
    board: DEV_KEYS.board.map(addressOf),
  };
}
