/** `dsc consortium deploy`: the consortium on a chain, with this tier table's digest, and its deployment file. */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { JsonRpcProvider, Wallet } from "ethers";
import { consortiumConfigSchema, contractNetworks, deployConsortium, type Deployment } from "../consortium/deploy";
import { ChainError } from "../gate/chain";
import { loadTierTable } from "../gate/tierTable";
import { InputError } from "./exit";

/** The deployment file: the deployment plus protocol-kit's `contractNetworks` as they are (outside tools use it). */
export function writeDeployment(file: string, d: Deployment): void {
  writeFileSync(file, JSON.stringify({ ...d, contractNetworks: contractNetworks(d) }, null, 2) + "\n");
}

export async function deployToRpc(o: { rpc: string; configFile: string; key: string; out: string; progress: (l: string) => void }): Promise<Deployment> {
  if (!existsSync(o.configFile)) throw new InputError(`--config ${o.configFile} does not exist`);
  let config;
  try {
    config = consortiumConfigSchema.parse(JSON.parse(readFileSync(o.configFile, "utf8")));
  } catch (err) {
    throw new InputError(`--config ${o.configFile}: ${(err as Error).message}`);
  }
  const provider = new JsonRpcProvider(o.rpc, undefined, { polling: false, cacheTimeout: -1 });
  try {
    await provider.getNetwork();
  } catch (err) {
    provider.destroy();
    throw new ChainError(`the chain at ${o.rpc} is unreachable (${(err as Error).message.split("\n")[0]})`, { cause: err });
  }
  try {
    const d = await deployConsortium(new Wallet(o.key, provider), { ...config, tierTableDigest: loadTierTable().digest }, o.progress);
    writeDeployment(o.out, d);
    return d;
  } finally {
    provider.destroy();
  }
}
