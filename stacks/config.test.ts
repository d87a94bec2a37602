import { PROJECT_ROOT } from "./program";
import { generateSigningKey, mintToken } from "../services/replication/src/tokens";
import { parseStackConfig, missingDeployTimeKeys, watcherTokenProblem } from "./config";
import { MockedStackName, deployTimeTestConfig } from "./testing/runMockedStack";
import { readStackConfigFile } from "./testing/stackFile";

const stackConfig = (stack: MockedStackName, over: Record<string, string> = {}) => ({ ...deployTimeTestConfig(stack), ...readStackConfigFile(PROJECT_ROOT, stack).config, ...over });
const problemsOf = (config: Record<string, string>): string => {
  try {
    parseStackConfig(config);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error("expected the configuration to be refused");
};

describe("parseStackConfig", () => {
  it.each([
    ["alpha", "aws", "us-east-2"],
    ["beta", "azure", "westeurope"],
    ["gamma", "gcp", "asia-southeast1"],
  ] as const)("accepts the committed %s stack file (%s, %s) with its hardening defaults on", (stack, cloud, location) => {
    const c = parseStackConfig(stackConfig(stack));
    expect(c.cloud).toBe(cloud);
    expect(JSON.stringify(c)).toContain(`"${location}"`);
  });

  it("accepts the local stack file", () => {
    const c = parseStackConfig(stackConfig("local"));
    expect(c.cloud === "local" && c.local.renderRoot).toBe(".state/rendered");
  });

  it("takes dsc:localKubeconfigDir (the local clusters' folder) as an absolute path on the local stack only", () => {
    const c = parseStackConfig(stackConfig("local", { "dsc:localKubeconfigDir": "/work/project/.state/kube" }));
    expect(c.cloud === "local" && c.localKubeconfigDir).toBe("/work/project/.state/kube");
    const unset = parseStackConfig(stackConfig("local"));
    expect(unset.cloud === "local" && unset.localKubeconfigDir).toBeUndefined();
    expect(problemsOf(stackConfig("local", { "dsc:localKubeconfigDir": ".state/kube" }))).toMatch(/dsc:localKubeconfigDir: must be an absolute path, e\.g\. <project>\/\.state\/kube/);
    expect(problemsOf(stackConfig("alpha", { "dsc:localKubeconfigDir": "/work/project/.state/kube" }))).toMatch(/dsc:localKubeconfigDir: not a setting here/);
  });

  it("names an unknown key and lists the known ones", () => {
    expect(problemsOf(stackConfig("alpha", { "dsc:replicaCount": "3" }))).toMatch(/dsc:replicaCount: unknown key; known keys are dsc:cloud, dsc:region/);
  });

  it("refuses a region on the wrong cloud", () => {
    expect(problemsOf(stackConfig("alpha", { "dsc:region": "beta" }))).toMatch(/dsc:cloud: region beta runs on azure, not aws; fix dsc:cloud or dsc:region/);
  });

  it("refuses an unknown cloud, listing the allowed ones", () => {
    expect(problemsOf(stackConfig("alpha", { "dsc:cloud": "oracle" }))).toMatch(/dsc:cloud: must be one of aws, azure, gcp, local/);
  });

  it("reports every problem at once, each with its key", () => {
    const message = problemsOf(
      stackConfig("gamma", {
        "dsc:kubernetesVersion": "1.28",
        "dsc:nodePools": JSON.stringify([{ name: "general", machineType: "e2-standard-4", minSize: 5, maxSize: 2 }]),
        "dsc:images": JSON.stringify({ replication: "ghcr.io/dsc/replication:latest", watcher: "ghcr.io/dsc/watcher" }),
        "dsc:replication": JSON.stringify({ replicas: 0, storage: { size: "20Gi" } }),
      }),
    );
    expect(message.split("\n").slice(1)).toEqual([
      "  - dsc:kubernetesVersion: Kubernetes 1.28 is below the supported floor 1.31; set it to 1.31 or newer",
      "  - dsc:nodePools[0].minSize: minSize 5 is above maxSize 2; set minSize <= maxSize",
      '  - dsc:images.replication: "ghcr.io/dsc/replication:latest" uses "latest"; pin it as repo@sha256:<digest> or repo:<major.minor.patch>',
      '  - dsc:images.watcher: "ghcr.io/dsc/watcher" has no tag or digest; pin it as repo@sha256:<digest> or repo:<major.minor.patch>',
      "  - dsc:replication.replicas: must be at least 1 (3 survives a node loss); set replicas: 3",
    ]);
  });

  it("refuses a stack listing itself or the same peer twice", () => {
    const peers = JSON.stringify([{ region: "alpha", stack: "a" }, { region: "beta", stack: "b" }, { region: "beta", stack: "c" }]);
    const message = problemsOf(stackConfig("alpha", { "dsc:peers": peers }));
    expect(message).toMatch(/dsc:peers\[0\]\.region: alpha is this stack's own region/);
    expect(message).toMatch(/dsc:peers\[2\]\.region: beta is listed twice/);
  });

  it("checks secrets without ever echoing them", () => {
    const message = problemsOf(stackConfig("beta", { "dsc:replicationPeerSecret": "short-secret-value", "dsc:watcherAgentKeys": JSON.stringify({ beta: "0xdeadbeef" }) }));
    expect(message).toMatch(/dsc:watcherAgentKeys\.beta: must be a 0x-prefixed 32-byte hex private key \(value not shown\)/);
    expect(message).toMatch(/dsc:replicationPeerSecret: must be at least 32 characters \(value not shown\)/);
    expect(message).not.toContain("short-secret-value");
    expect(message).not.toContain("deadbeef");
  });

  it("refuses an object key written as a plain string", () => {
    expect(problemsOf(stackConfig("alpha", { "dsc:aws": "us-east-2" }))).toMatch(/dsc:aws: is not a YAML object or list/);
  });
});

describe("missingDeployTimeKeys", () => {
  it("asks a regional stack for its own agent key and peer TLS material, and the local stack for all three regions'", () => {
    const trust = { replicationCaCert: "pem", replicationAuthKeys: {} };
    expect(missingDeployTimeKeys({ cloud: "gcp", region: "gamma", chain: {}, replicationPeerSecret: "x", ...trust }).map((m) => m.key)).toEqual([
      "watcherReplicationToken",
      "watcherAgentKeys.gamma",
      "replicationTlsCerts.gamma",
      "replicationTlsKeys.gamma",
    ]);
    expect(missingDeployTimeKeys({ cloud: "local", watcherAgentKeys: { beta: "k" }, replicationTlsCerts: { alpha: "c", beta: "c", gamma: "c" } }).map((m) => m.key)).toEqual([
      "chain",
      "replicationPeerSecret",
      "replicationCaCert",
      "replicationAuthKeys",
      "watcherAgentKeys.alpha",
      "watcherAgentKeys.gamma",
      "replicationTlsKeys.alpha",
      "replicationTlsKeys.beta",
      "replicationTlsKeys.gamma",
    ]);
  });

  it("says how to set each replica's peer private key, as a secret", () => {
    const fix = missingDeployTimeKeys({ cloud: "aws", region: "alpha" }).find((m) => m.key === "replicationTlsKeys.alpha")?.fix;
    expect(fix).toMatch(/pulumi config set --secret --path 'dsc:replicationTlsKeys\.alpha\[<i>\]'/);
  });

  it("wants one peer certificate and key per replica: node certificates are named for their node", () => {
    const given = stackConfig("beta");
    const certs = JSON.parse(given["dsc:replicationTlsCerts"]) as Record<string, string[]>;
    const keys = JSON.parse(given["dsc:replicationTlsKeys"]) as Record<string, string[]>;
    const c = parseStackConfig(given);
    expect(c.replication.replicas).toBe(3);
    expect(c.replicationTlsCerts.beta).toEqual(certs.beta);
    const short = { ...certs, beta: certs.beta.slice(0, 2) };
    const extra = { ...keys, beta: [...keys.beta, keys.alpha[0]] };
    const message = problemsOf({ ...given, "dsc:replicationTlsCerts": JSON.stringify(short), "dsc:replicationTlsKeys": JSON.stringify(extra) });
    expect(message.split("\n").slice(1)).toEqual([
      "  - dsc:replicationTlsCerts.beta: holds 2 but the region runs 3 replicas: give one peer certificate per replica in ordinal order " +
        "(replica i's names node beta-i); add the missing ones: pulumi config set --path 'dsc:replicationTlsCerts.beta[2]' \"$(cat beta-2.crt)\"",
      "  - dsc:replicationTlsKeys.beta: holds 4 but the region runs 3 replicas: give one peer private key per replica in ordinal order " +
        "(replica i's names node beta-i); remove the extra ones, or raise dsc:replication.replicas",
    ]);
    expect(message).not.toContain(keys.alpha[0].split("\n")[1]);
  });

  it("takes a single PEM for a one-replica region, as the local stack sets it", () => {
    const given = stackConfig("local");
    const single = (key: string) => JSON.stringify(Object.fromEntries(Object.entries(JSON.parse(given[key]) as Record<string, string[]>).map(([r, [pem]]) => [r, pem])));
    const c = parseStackConfig({ ...given, "dsc:replicationTlsCerts": single("dsc:replicationTlsCerts"), "dsc:replicationTlsKeys": single("dsc:replicationTlsKeys") });
    expect(c.replicationTlsCerts.gamma).toEqual([(JSON.parse(given["dsc:replicationTlsCerts"]) as Record<string, string[]>).gamma[0]]);
  });

  it("refuses a peer private key or a certificate that is not PEM, and a JWKS with a private key, without echoing secrets", () => {
    const message = problemsOf(stackConfig("alpha", {
      "dsc:replicationTlsKeys": JSON.stringify({ alpha: "not-a-key-value" }),
      "dsc:replicationCaCert": "not a cert",
      "dsc:replicationAuthKeys": JSON.stringify({ keys: [{ kty: "EC", crv: "P-256", x: "x".repeat(43), y: "y".repeat(43), kid: "k", alg: "ES256", d: "d".repeat(43) }] }),
    }));
    expect(message).toMatch(/dsc:replicationTlsKeys\.alpha\[0\]: must be a PKCS#8 private key \(value not shown\) in PEM/);
    expect(message).toMatch(/dsc:replicationCaCert: must be an X\.509 certificate in PEM/);
    expect(message).toMatch(/dsc:replicationAuthKeys\.keys\[0\]\.d: is the private key/);
    expect(message).not.toContain("not-a-key-value");
  });
});

describe("dsc:watcherReplicationToken", () => {
  const withoutToken = (stack: MockedStackName) => Object.fromEntries(Object.entries(stackConfig(stack)).filter(([key]) => key !== "dsc:watcherReplicationToken"));
  const token = async (scopes: string[]) => mintToken((await generateSigningKey("test")).privateJwk, { scopes, expiresAt: Math.floor(Date.now() / 1000) + 3600 });
  const unsigned = (payload: string) => ["e30", Buffer.from(payload).toString("base64url"), "c2ln"].join(".");

  it("takes a token minted with the status scope (and metrics), and nothing broader", async () => {
    expect(watcherTokenProblem(await token(["status"]))).toBeUndefined();
    expect(watcherTokenProblem(await token(["status", "metrics"]))).toBeUndefined();
    expect(watcherTokenProblem(await token(["metrics"]))).toMatch(/does not carry the status scope/);
    expect(watcherTokenProblem(await token(["status", "read:*"]))).toMatch(/carries more than the watcher needs \(read:\*\); mint one with --scope status only/);
    expect(watcherTokenProblem("not-a-token")).toMatch(/is not a JWT/);
    expect(watcherTokenProblem(unsigned("{scope"))).toMatch(/payload that is not JSON/);
    expect(watcherTokenProblem(unsigned(JSON.stringify({ scope: 7 })))).toMatch(/does not carry the status scope/);
  });

  it("is required on a cloud stack and refused when wrong, naming the key and how to mint one, without echoing it", async () => {
    expect(problemsOf(withoutToken("beta"))).toMatch(/dsc:watcherReplicationToken: missing; mint one .*npm run replication:token -- --key-file <signing-key\.jwk\.json> --scope status --ttl 30d.*pulumi config set --secret dsc:watcherReplicationToken/);
    const broad = await token(["write:*", "status"]);
    const message = problemsOf(stackConfig("beta", { "dsc:watcherReplicationToken": broad }));
    expect(message).toMatch(/dsc:watcherReplicationToken: carries more than the watcher needs \(write:\*\).*\(value not shown\); mint one/);
    expect(message).not.toContain(broad.split(".")[2]);
    expect(parseStackConfig(stackConfig("beta", { "dsc:watcherReplicationToken": await token(["status"]) })).cloud).toBe("azure");
  });

  it("is optional on the local stack (its watchers then run without the replication detector)", () => {
    expect(parseStackConfig(withoutToken("local")).watcherReplicationToken).toBeUndefined();
  });
});

describe("keys meant for another stack", () => {
  it("names a key the stack's cloud does not use, and a misspelt setting inside an object", () => {
    const message = problemsOf(
      stackConfig("local", {
        "dsc:aws": JSON.stringify({ region: "us-east-2" }),
        "dsc:replication": JSON.stringify({ replicas: 1, storage: { size: "1Gi" }, replica: 2 }),
      }),
    );
    expect(message).toMatch(/ {2}- dsc:aws: not a setting here \(a typo, or meant for another cloud\); remove it/);
    expect(message).toMatch(/ {2}- dsc:replication\.replica: not a setting here/);
  });
});
