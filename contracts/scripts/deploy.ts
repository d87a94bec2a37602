/**
 * `npm run contracts:deploy -- --rpc http://127.0.0.1:8545 --out .state/consortium.json`
 * Deploys the consortium to a running chain (e.g. `npx hardhat node` on loopback) and writes the deployment file.
 */
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { Command } from "commander";
import { JsonRpcProvider, Wallet, keccak256 } from "ethers";
import { DEV_KEYS, devConsortiumConfig } from "../../governance/consortium/dev-keys";
import { deployConsortium, writeDeploymentFile, type ConsortiumConfig, type Deployment } from "../../governance/consortium/deploy";

export interface DeployOptions {
  rpc: string;
  out: string;
  config?: string;
  /** The gate's tier table whose keccak256 TierRules records (a config's own `tierTableDigest` wins). */
  tierTable?: string;
  deployerKey?: string;
  log?: (line: string) => void;
}

const LOCAL_CHAIN_ID = 31337n;
const DEFAULT_TIER_TABLE = path.join(__dirname, "..", "..", "governance", "gate", "tier-table.json");

/** keccak256 of the tier table's exact bytes, as the gate computes it; undefined when no table is there. */
export function tierTableDigestOf(file: string): string | undefined {
  return existsSync(file) ? keccak256(readFileSync(file)) : undefined;
}

/** Deploys and writes the deployment file; on the local chain (31337) the dev deployer is funded first. */
export async function runDeploy(opts: DeployOptions): Promise<Deployment> {
  const log = opts.log ?? ((line: string) => console.error(line));
  // No response cache: the deployer sends transactions back to back and must see each new nonce.
  const provider = new JsonRpcProvider(opts.rpc, undefined, { polling: true, pollingInterval: 50, cacheTimeout: -1 });
  const { chainId } = await provider.getNetwork().catch((err: Error) => {
    throw new Error(`cannot reach the chain at ${opts.rpc} (${err.message}); start one with \`npx hardhat node\``);
  });
  const deployer = new Wallet(opts.deployerKey ?? DEV_KEYS.deployer, provider);
  if (!opts.deployerKey && chainId === LOCAL_CHAIN_ID) {
    await provider.send("hardhat_setBalance", [deployer.address, "0x56BC75E2D63100000"]);
  }
  const base: ConsortiumConfig = opts.config ? JSON.parse(readFileSync(opts.config, "utf8")) : devConsortiumConfig();
  const config: ConsortiumConfig = { ...base, tierTableDigest: base.tierTableDigest ?? tierTableDigestOf(opts.tierTable ?? DEFAULT_TIER_TABLE) };
  const deployment = await deployConsortium(deployer, config, (step) => log(`deploying: ${step}`));
  mkdirSync(path.dirname(path.resolve(opts.out)), { recursive: true });
  writeDeploymentFile(opts.out, deployment);
  log(`wrote ${opts.out}: Consortium Safe ${deployment.consortium} on chain ${deployment.chainId}`);
  provider.destroy();
  return deployment;
}

function cli(): Command {
  return new Command("contracts:deploy")
    .description("Deploy the DSC consortium (Safe v1.5.0, DSP Safes, Consortium Safe, rules, guard, modules, agents) and write a deployment file")
    .option("--rpc <url>", "JSON-RPC endpoint of the chain", "http://127.0.0.1:8545")
    .option("--out <file>", "where to write the deployment file", ".state/consortium.json")
    .option("--config <file>", "JSON consortium config {dsps:[{name,region,owners,threshold,agent}], board:[...], tierTableDigest?}; default: the local federation's dev keys")
    .option("--tier-table <file>", "the gate's tier table; its keccak256 is recorded in TierRules unless the config sets tierTableDigest", DEFAULT_TIER_TABLE)
    .option("--deployer-key <hex>", "private key paying for the deployment (default: env DSC_DEPLOYER_KEY, else the dev deployer)", process.env.DSC_DEPLOYER_KEY);
}

if (require.main === module) {
  const opts = cli().parse().opts<DeployOptions>();
  runDeploy(opts).catch((err: unknown) => {
    console.error(`deploy failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  });
}
