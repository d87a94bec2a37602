/** Compiled contracts: ours from contracts/build/consortium.json, Safe v1.5.0 from its npm package's artifacts. */
import { readFileSync } from "node:fs";
import path from "node:path";
import { ContractFactory, type InterfaceAbi, type Signer } from "ethers";

/** Our deployable contracts, in contracts/src. */
export const CONTRACT_NAMES = [
  "AgentRegistry",
  "Guardian",
  "TierRules",
  "ConsortiumGuard",
  "TierModule",
  "BoardRotationModule",
  "Announcements",
  "RegionRegistry",
  "ConsortiumFallbackHandler",
] as const;
export type ContractName = (typeof CONTRACT_NAMES)[number];

/** The Safe v1.5.0 contracts the consortium deploys, by artifact path under the package's build/artifacts. */
export const SAFE_ARTIFACTS = {
  safeSingleton: "contracts/Safe.sol/Safe",
  safeProxyFactory: "contracts/proxies/SafeProxyFactory.sol/SafeProxyFactory",
  multiSend: "contracts/libraries/MultiSend.sol/MultiSend",
  multiSendCallOnly: "contracts/libraries/MultiSendCallOnly.sol/MultiSendCallOnly",
  fallbackHandler: "contracts/handler/CompatibilityFallbackHandler.sol/CompatibilityFallbackHandler",
  signMessageLib: "contracts/libraries/SignMessageLib.sol/SignMessageLib",
  createCall: "contracts/libraries/CreateCall.sol/CreateCall",
  simulateTxAccessor: "contracts/accessors/SimulateTxAccessor.sol/SimulateTxAccessor",
} as const;
export type SafeArtifactName = keyof typeof SAFE_ARTIFACTS;

export interface Artifact {
  abi: InterfaceAbi;
  bytecode: string;
}

export interface ConsortiumBuild {
  solc: string;
  sources: Record<string, string>;
  contracts: Record<ContractName, Artifact>;
}

export const BUILD_FILE = path.join(__dirname, "..", "..", "contracts", "build", "consortium.json");

let cachedBuild: ConsortiumBuild | undefined;

/** Reads contracts/build/consortium.json (written by `npm run contracts:build`), once per process. */
export function loadBuild(): ConsortiumBuild {
  cachedBuild ??= JSON.parse(readFileSync(BUILD_FILE, "utf8")) as ConsortiumBuild;
  return cachedBuild;
}

/** ABI and bytecode of one of our contracts. */
export function ourArtifact(name: ContractName): Artifact {
  return loadBuild().contracts[name];
}

/** ABI and bytecode of one Safe v1.5.0 contract. */
export function safeArtifact(name: SafeArtifactName): Artifact {
  const pkg = path.dirname(require.resolve("@safe-global/safe-smart-account/package.json"));
  const json = JSON.parse(readFileSync(path.join(pkg, "build", "artifacts", `${SAFE_ARTIFACTS[name]}.json`), "utf8"));
  return { abi: json.abi as InterfaceAbi, bytecode: json.bytecode as string };
}

/** An ethers factory for an artifact. */
export function factoryFor(artifact: Artifact, signer: Signer): ContractFactory {
  return new ContractFactory(artifact.abi, artifact.bytecode, signer);
}
