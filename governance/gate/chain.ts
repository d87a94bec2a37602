/**
 * The gate's view of the chain: the consortium's deployment file and an EIP-1193 provider that every read and
 * transaction goes through (ethers and protocol-kit alike), so that a timeout or an RPC error surfaces as one
 * ChainError (the CLI maps it to its own exit code) and so that benchmarks can count RPC calls.
 */
import { readFileSync } from "node:fs";
import { BrowserProvider, Contract, type Eip1193Provider } from "ethers";
import { z } from "zod";
import { contractNetworks, type Deployment } from "../consortium/deploy";
import { ourArtifact, safeArtifact, type ContractName } from "../consortium/artifacts";

/** The chain was unreachable, timed out or answered with an error: the gate refuses (fail closed). */
export class ChainError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ChainError";
  }
}

const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, "must be a 0x-prefixed 20-byte address");
export const deploymentSchema = z
  .object({
    chainId: z.number().int().positive(),
    consortium: address,
    consortiumThreshold: z.number().int().positive(),
    safeContracts: z.record(z.string(), address),
    contracts: z.object({ TierRules: address, Guardian: address, AgentRegistry: address, Announcements: address, BoardRotationModule: address, TierModule: address }).passthrough(),
    dsps: z.array(z.object({ name: z.string(), region: z.enum(["alpha", "beta", "gamma"]), safe: address, owners: z.array(address), threshold: z.number(), agent: address })),
    board: z.array(address),
  })
  .passthrough();

/** Reads a deployment file (`dsc consortium deploy` / `npm run contracts:deploy` write it). */
export function readDeploymentFile(file: string): Deployment {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new Error(`deployment file ${file}: ${(err as Error).message}; write one with 'dsc consortium deploy'`, { cause: err });
  }
  const r = deploymentSchema.safeParse(json);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new Error(`deployment file ${file}: ${i.path.join(".")}: ${i.message}`);
  }
  return r.data as unknown as Deployment;
}

/** An EIP-1193 provider over JSON-RPC on HTTP, each call bounded by `timeoutMs`. */
export function httpEip1193(url: string, timeoutMs = 10_000): Eip1193Provider {
  let id = 0;
  return {
    async request({ method, params }: { method: string; params?: unknown[] | Record<string, unknown> }) {
      let response: Response;
      try {
        response = await fetch(url, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ jsonrpc: "2.0", id: ++id, method, params: params ?? [] }),
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (err) {
        throw new ChainError(`the chain at ${url} is unreachable (${(err as Error).message}): check --rpc and that the node is running`, { cause: err });
      }
      if (!response.ok) throw new ChainError(`the chain at ${url} answered HTTP ${response.status} to ${method}`);
      const body = (await response.json()) as { result?: unknown; error?: { code: number; message: string; data?: unknown } };
      if (body.error) throw Object.assign(new Error(body.error.message), { code: body.error.code, data: body.error.data });
      return body.result;
    },
  };
}

/** Wraps a provider to count requests by method (benchmarks) and to turn transport failures into ChainError. */
export function countingEip1193(inner: Eip1193Provider): Eip1193Provider & { calls: Map<string, number>; total(): number } {
  const calls = new Map<string, number>();
  return {
    calls,
    total: () => [...calls.values()].reduce((a, b) => a + b, 0),
    async request(args: { method: string; params?: unknown[] | Record<string, unknown> }) {
      calls.set(args.method, (calls.get(args.method) ?? 0) + 1);
      return inner.request(args);
    },
  };
}

/** The deployment plus providers over one EIP-1193 transport. */
export class Chain {
  readonly provider: BrowserProvider;

  constructor(
    readonly eip1193: Eip1193Provider,
    readonly deployment: Deployment,
  ) {
    this.provider = new BrowserProvider(eip1193, deployment.chainId, { staticNetwork: true, polling: false, cacheTimeout: -1 });
    this.provider.pollingInterval = 50;
  }

  contract(name: ContractName): Contract {
    return new Contract(this.deployment.contracts[name], ourArtifact(name).abi, this.provider);
  }

  safe(address: string): Contract {
    return new Contract(address, safeArtifact("safeSingleton").abi, this.provider);
  }

  get contractNetworks() {
    return contractNetworks(this.deployment);
  }

  /** Checks the transport answers with the deployment's chain id; a ChainError otherwise. */
  async assertReachable(): Promise<void> {
    let id: unknown;
    try {
      id = await this.eip1193.request({ method: "eth_chainId", params: [] });
    } catch (err) {
      throw err instanceof ChainError ? err : new ChainError(`the chain did not answer eth_chainId: ${(err as Error).message}`, { cause: err });
    }
    if (Number(id) !== this.deployment.chainId) {
      throw new ChainError(`the chain answers chain id ${Number(id)}, the deployment file is for chain ${this.deployment.chainId}: wrong --rpc or deployment file`);
    }
  }
}
