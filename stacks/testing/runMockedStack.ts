import { MockedResource, runWithMocks } from "../../components/testing/mockRuntime";
import { createHash } from "crypto";
import { NAMESPACE, REGIONS, SECRET_KEYS } from "../config";
import { PROJECT_ROOT, federationProgram } from "../program";
import { PeerOutputs, mockCall, mockResourceState } from "./mockState";
import { readStackConfigFile } from "./stackFile";

export type MockedStackName = "alpha" | "beta" | "gamma" | "local";

export type { MockedResource };

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
  const peers = opts.peers ?? {};
  return runWithMocks(() => federationProgram(), {
    project: "dsc-federation",
    stack,
    config: stackConfig(stack, opts),
    secretKeys: SECRET_KEYS.map((k) => `${NAMESPACE}:${k}`),
    state: (args) => mockResourceState(args, peers),
    call: mockCall,
  });
}

function stackConfig(stack: MockedStackName, opts: MockedStackOptions): Record<string, string> {
  const file = readStackConfigFile(PROJECT_ROOT, stack);
  const deployTime = opts.deployTimeConfig === false ? {} : deployTimeTestConfig(stack);
  const unresolved = file.secureKeys.filter((k) => !(k in deployTime) && !(k in (opts.config ?? {})));
  if (unresolved.length > 0) {
    throw new Error(`runMockedStack(${stack}): ${unresolved.join(", ")} are encrypted in Pulumi.${stack}.yaml; pass test values in opts.config`);
  }
  return { ...deployTime, ...file.config, ...opts.config };
}

/**
 * Test stand-ins for what is set at deploy time: agent keys derived from a fixed label (valid secp256k1 keys that
 * control nothing), a peer secret, the watchers' status token (JWT-shaped, signed by nothing), the replication
 * layer's CA, a peer certificate and key per replica of the stack file's `dsc:replication.replicas` and token JWKS
 * (shaped right, signing nothing), and the consortium contracts on a local chain. Never used outside tests.
 */
export function deployTimeTestConfig(stack: MockedStackName): Record<string, string> {
  const replicas = (JSON.parse(readStackConfigFile(PROJECT_ROOT, stack).config[`${NAMESPACE}:replication`]) as { replicas: number }).replicas;
  const digest = (label: string) => createHash("sha256").update(`dsc-mock-${label}`).digest();
  const hex = (label: string, bytes: number) => `0x${digest(label).toString("hex").slice(0, bytes * 2)}`;
  // PEM-shaped stand-ins: under mocks nothing parses them, the program only checks their shape.
  const pem = (kind: string, label: string) => `-----BEGIN ${kind}-----\n${digest(label).toString("base64")}\n-----END ${kind}-----\n`;
  const byRegion = (f: (r: string) => unknown) => JSON.stringify(Object.fromEntries(REGIONS.map((r) => [r, f(r)])));
  const perReplica = (f: (node: string) => string) => byRegion((r) => Array.from({ length: replicas }, (_, i) => f(`${r}-${i}`)));
  const jwk = { kty: "EC", crv: "P-256", x: digest("jwk-x").toString("base64url"), y: digest("jwk-y").toString("base64url"), kid: "mock-1", alg: "ES256" };
  return {
    [`${NAMESPACE}:replicationCaCert`]: pem("CERTIFICATE", "ca"),
    [`${NAMESPACE}:replicationTlsCerts`]: perReplica((node) => pem("CERTIFICATE", `peer-${node}`)),
    [`${NAMESPACE}:replicationTlsKeys`]: perReplica((node) => pem("PRIVATE KEY", `peer-key-${node}`)),
    [`${NAMESPACE}:replicationAuthKeys`]: JSON.stringify({ keys: [jwk] }),
    [`${NAMESPACE}:watcherAgentKeys`]: JSON.stringify(Object.fromEntries(REGIONS.map((r) => [r, hex(`agent-${r}`, 32)]))),
    [`${NAMESPACE}:replicationPeerSecret`]: hex("replication-peer-secret", 32),
    [`${NAMESPACE}:watcherReplicationToken`]: [{ alg: "ES256", typ: "JWT" }, { scope: "status" }]
      .map((part) => Buffer.from(JSON.stringify(part)).toString("base64url"))
      .concat(digest("watcher-token-signature").toString("base64url"))
      .join("."),
    [`${NAMESPACE}:chain`]: JSON.stringify({
      rpcUrl: "http://127.0.0.1:8545",
      guardianAddress: hex("guardian", 20),
      consortiumSafeAddress: hex("consortium-safe", 20),
    }),
  };
}
