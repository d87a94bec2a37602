import * as pulumi from "@pulumi/pulumi";
import { createHash } from "crypto";
import { NAMESPACE, REGIONS, SECRET_KEYS } from "../config";
import { PROJECT_ROOT, federationProgram } from "../program";
import { PeerOutputs, mockCall, mockResourceState } from "./mockState";
import { readStackConfigFile } from "./stackFile";

export type MockedStackName = "alpha" | "beta" | "gamma" | "local";

/** One resource the program registered, as the engine would have received it. */
export interface MockedResource {
  type: string;
  name: string;
  urn: string;
  inputs: Record<string, unknown>;
  /** Provider reference `<provider urn>::<id>`, when the resource names one explicitly or inherits one. */
  provider?: string;
  /** URN of the parent resource (the stack itself for top-level resources). */
  parent?: string;
  id?: string;
}

export interface MockedStackRun {
  resources: MockedResource[];
  /** Stack outputs with secrets unwrapped (see `secretOutputNames`). */
  outputs: Record<string, unknown>;
  /** Names of the stack outputs the program marked secret (e.g. `kubeconfig`). */
  secretOutputNames: string[];
}

export interface MockedStackOptions {
  /** Config overrides by full key (`dsc:region`), as strings; objects and lists as JSON. */
  config?: Record<string, string>;
  /** Outputs of peer stacks by stack name (full or bare); `undefined` = the peer was never deployed. */
  peers?: PeerOutputs;
  /**
   * Fill the deploy-time keys a committed stack file deliberately lacks (secrets and the contracts' addresses)
   * with test values; default true. Set false to see how the program refuses a stack that lacks them.
   */
  deployTimeConfig?: boolean;
}

/**
 * Run the real program (`federationProgram`) under Pulumi's mock runtime with `Pulumi.<stack>.yaml`, and return
 * every resource it registered (type, name, URN, inputs, provider, parent) plus the stack outputs.
 *
 * It can be called repeatedly in one process (one test file): each call installs fresh mocks, replaces the whole
 * config map and waits for all registrations to finish before returning. Calls must not overlap (await each one):
 * the Pulumi runtime's settings are global to the process.
 */
export async function runMockedStack(stack: MockedStackName, opts: MockedStackOptions = {}): Promise<MockedStackRun> {
  const resources: MockedResource[] = [];
  const peers = opts.peers ?? {};
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => ({ id: `${args.name}-id`, state: mockResourceState(args, peers) }),
      call: (args) => mockCall(args),
    },
    "dsc-federation",
    stack,
    false,
  );
  recordRegistrations(resources);
  pulumi.runtime.setAllConfig(
    stackConfig(stack, opts),
    SECRET_KEYS.map((k) => `${NAMESPACE}:${k}`),
  );
  let program: Record<string, unknown> = {};
  const outputs = (await pulumi.runtime.runInPulumiStack(async () => (program = federationProgram()))) as Record<string, unknown> | undefined;
  await waitForRegistrations();
  return { resources, outputs: outputs ?? {}, secretOutputNames: await secretNames(program) };
}

function stackConfig(stack: MockedStackName, opts: MockedStackOptions): Record<string, string> {
  const file = readStackConfigFile(PROJECT_ROOT, stack);
  const deployTime = opts.deployTimeConfig === false ? {} : deployTimeTestConfig();
  const unresolved = file.secureKeys.filter((k) => !(k in deployTime) && !(k in (opts.config ?? {})));
  if (unresolved.length > 0) {
    throw new Error(`runMockedStack(${stack}): ${unresolved.join(", ")} are encrypted in Pulumi.${stack}.yaml; pass test values in opts.config`);
  }
  return { ...deployTime, ...file.config, ...opts.config };
}

/**
 * Test stand-ins for what is set at deploy time: agent keys derived from a fixed label (valid secp256k1 keys that
 * control nothing), a peer secret, and the consortium contracts on a local chain. Never used outside tests.
 */
export function deployTimeTestConfig(): Record<string, string> {
  const hex = (label: string, bytes: number) => `0x${createHash("sha256").update(`dsc-mock-${label}`).digest("hex").slice(0, bytes * 2)}`;
  return {
    [`${NAMESPACE}:watcherAgentKeys`]: JSON.stringify(Object.fromEntries(REGIONS.map((r) => [r, hex(`agent-${r}`, 32)]))),
    [`${NAMESPACE}:replicationPeerSecret`]: hex("replication-peer-secret", 32),
    [`${NAMESPACE}:chain`]: JSON.stringify({
      rpcUrl: "http://127.0.0.1:8545",
      guardianAddress: hex("guardian", 20),
      consortiumSafeAddress: hex("consortium-safe", 20),
    }),
  };
}

type RegisterRequest = {
  getType(): string;
  getName(): string;
  getParent(): string;
  getProvider(): string;
  getObject(): Parameters<typeof pulumi.runtime.deserializeProperties>[0];
};
type RegisterCallback = (err: unknown, resp?: { getUrn(): string; getId(): string }) => void;
type Monitor = { registerResource(req: RegisterRequest, cb: RegisterCallback): Promise<void> };

/**
 * Wrap the mock monitor's registerResource so each registration is recorded with its parent and URN, which the
 * mocks' `newResource` hook does not see. Inputs are deserialized the way the mock monitor does it.
 */
function recordRegistrations(into: MockedResource[]): void {
  const monitor = pulumi.runtime.getMonitor() as unknown as Monitor;
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, cb) => {
    const entry: MockedResource = {
      type: req.getType(),
      name: req.getName(),
      urn: "",
      inputs: pulumi.runtime.deserializeProperties(req.getObject()) as Record<string, unknown>,
      provider: req.getProvider() || undefined,
      parent: req.getParent() || undefined,
    };
    return register(req, (err, resp) => {
      if (!err && resp) into.push({ ...entry, urn: resp.getUrn(), id: resp.getId() || undefined });
      cb(err, resp);
    });
  };
}

async function secretNames(outputs: Record<string, unknown>): Promise<string[]> {
  const flags = await Promise.all(
    Object.entries(outputs).map(async ([key, value]) => (pulumi.Output.isInstance(value) && (await pulumi.isSecret(value)) ? [key] : [])),
  );
  return flags.flat();
}

/** Wait until the runtime's queue of outstanding resource RPCs is empty (exported by the runtime, untyped). */
async function waitForRegistrations(): Promise<void> {
  const runtime = pulumi.runtime as unknown as { waitForRPCs?: () => Promise<void> };
  if (typeof runtime.waitForRPCs !== "function") throw new Error("this @pulumi/pulumi no longer exports runtime.waitForRPCs");
  await runtime.waitForRPCs();
}
