/**
 * `npm run contracts:build`: compiles contracts/src offline with Hardhat (solc from the `solc` npm package) and
 * writes contracts/build/consortium.json: ABI and bytecode of each deployable contract, plus the digests of the
 * sources they were built from. Tests and the deploy module read that file, so they never need a compiler.
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import hre from "hardhat";
import { sourceDigests } from "./sources";
import { CONTRACT_NAMES } from "../../governance/consortium/artifacts";

async function main(): Promise<void> {
  await hre.run("compile", { quiet: true });
  const contracts: Record<string, { abi: unknown; bytecode: string }> = {};
  for (const name of CONTRACT_NAMES) {
    const artifact = await hre.artifacts.readArtifact(name);
    contracts[name] = { abi: artifact.abi, bytecode: artifact.bytecode };
  }
  const out = path.join(__dirname, "..", "build", "consortium.json");
  const build = { solc: hre.config.solidity.compilers[0].version, sources: sourceDigests(), contracts };
  writeFileSync(out, JSON.stringify(build, null, 1) + "\n");
  console.log(`wrote ${out} (${CONTRACT_NAMES.length} contracts)`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
