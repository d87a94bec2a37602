import { parseAgentKey, parseDuration, parseToken, resolveConfig, settingsFromEnv } from "./config";

const A = (c: string) => "0x" + c.repeat(40);
const minimal = {
  region: "alpha",
  chainRpcUrl: "http://127.0.0.1:8545",
  guardianAddress: A("A"),
  consortiumSafeAddress: A("b"),
  tierRulesAddress: A("c"),
  agentKeyFile: "/etc/dsc/agent/agent-key",
  kubeconfig: "/kube/config",
  replicationUrl: "http://replication:8080/",
};

describe("watcher settings", () => {
  test("defaults and normalisation: lower-case addresses, URL without trailing slash, every detector", () => {
    const r = resolveConfig(minimal, false);
    if (!r.ok) throw new Error(r.errors.join("\n"));
    expect(r.config).toMatchObject({
      region: "alpha",
      listen: { host: "0.0.0.0", port: 8080 },
      chain: { rpcUrl: "http://127.0.0.1:8545", guardian: A("a"), consortiumSafe: A("b"), tierRules: A("c"), confirmations: 2, approvalLookbackBlocks: 10000 },
      replication: { url: "http://replication:8080", peers: [], tokenFile: undefined },
      stateDir: "/var/lib/dsc-watcher",
      pollIntervalMs: 2000,
      divergenceBoundMs: 60_000,
      approvalWindowMs: 900_000,
      engineManager: "pulumi-kubernetes",
      systemManagers: ["kube-controller-manager", "kube-scheduler", "kubelet", "kwok"],
    });
    expect([...r.config.detectors]).toEqual(["drift", "replication", "consortium"]);
  });

  test("the environment names of the component's ConfigMap and Deployment fill unset flags; flags win", () => {
    const env = {
      DSC_REGION: "gamma",
      DSC_CHAIN_RPC_URL: "ws://chain:8546",
      DSC_GUARDIAN_ADDRESS: A("1"),
      DSC_CONSORTIUM_SAFE_ADDRESS: A("2"),
      DSC_TIER_RULES_ADDRESS: A("3"),
      DSC_AGENT_KEY_FILE: "/k",
      DSC_REPLICATION_URL: "http://r:8080",
      DSC_PEER_REPLICATION_URLS: "alpha=http://a:8080, beta=https://b:8443",
      DSC_REPLICATION_TOKEN_FILE: "/t",
      DSC_POLL_INTERVAL: "500ms",
      DSC_DIVERGENCE_BOUND: "3s",
      DSC_APPROVAL_WINDOW: "2m",
      DSC_CONFIRMATIONS: "0",
      DSC_LISTEN: "127.0.0.1:0",
      DSC_STATE_DIR: "/var/lib/w",
    };
    const r = resolveConfig(settingsFromEnv({ region: "beta", peerReplication: ["alpha=http://x:1"] }, env), true);
    if (!r.ok) throw new Error(r.errors.join("\n"));
    expect(r.config.region).toBe("beta");
    expect(r.config.replication).toEqual({ url: "http://r:8080", peers: [{ name: "alpha", url: "http://x:1" }], tokenFile: "/t" });
    expect(r.config).toMatchObject({ pollIntervalMs: 500, divergenceBoundMs: 3000, approvalWindowMs: 120_000, listen: { host: "127.0.0.1", port: 0 }, stateDir: "/var/lib/w", kubeconfig: undefined });
    expect(r.config.chain).toMatchObject({ rpcUrl: "ws://chain:8546", confirmations: 0 });
    const fromEnvPeers = resolveConfig(settingsFromEnv({}, env), true);
    expect(fromEnvPeers.ok && fromEnvPeers.config.replication.peers).toEqual([{ name: "alpha", url: "http://a:8080" }, { name: "beta", url: "https://b:8443" }]);
  });

  test("missing settings: one line each, naming the flag and the variable", () => {
    const r = resolveConfig({}, false);
    expect(r.ok).toBe(false);
    const errors = r.ok ? [] : r.errors;
    const expected = [
      /^region: .*one of alpha, beta, gamma \(--region or DSC_REGION\)/,
      /^chainRpcUrl: .*\(--chain-rpc-url or DSC_CHAIN_RPC_URL\)/,
      /^guardianAddress: the Guardian address is required \(--guardian-address or DSC_GUARDIAN_ADDRESS\)/,
      /^consortiumSafeAddress: .*DSC_CONSORTIUM_SAFE_ADDRESS/,
      /^tierRulesAddress: .*DSC_TIER_RULES_ADDRESS/,
      /^agentKeyFile: .*DSC_AGENT_KEY_FILE/,
    ];
    expect(errors).toHaveLength(expected.length);
    expected.forEach((e, i) => expect(errors[i]).toMatch(e));
  });

  test("bad values are refused with the rule", () => {
    const r = resolveConfig({ ...minimal, guardianAddress: "0x12", pollInterval: "soon", detectors: "drift,magic", listen: "nowhere", peerReplication: ["beta=ftp://x"], confirmations: "-1", logLevel: "loud" }, false);
    const errors = r.ok ? [] : r.errors.join("\n");
    expect(errors).toMatch(/guardianAddress: must be a 20-byte hex address/);
    expect(errors).toMatch(/pollInterval: "soon" is not a duration of at least 50 ms/);
    expect(errors).toMatch(/detectors: unknown detector magic/);
    expect(errors).toMatch(/listen: expected host:port/);
    expect(errors).toMatch(/peerReplication.0: expected NAME=URL with an http\(s\) URL/);
    expect(errors).toMatch(/confirmations: must be a whole number/);
    expect(errors).toMatch(/logLevel: must be fatal, error/);
  });

  test("a detector's own needs: a cluster for drift, a node for replication; peers once each and not itself", () => {
    const noKube = resolveConfig({ ...minimal, kubeconfig: undefined }, false);
    expect(noKube.ok ? [] : noKube.errors).toEqual([expect.stringMatching(/^kubeconfig: the drift detector needs a cluster/)]);
    expect(resolveConfig({ ...minimal, kubeconfig: undefined }, true).ok).toBe(true);
    expect(resolveConfig({ ...minimal, kubeconfig: undefined, detectors: "replication,consortium" }, false).ok).toBe(true);
    const noNode = resolveConfig({ ...minimal, replicationUrl: undefined }, false);
    expect(noNode.ok ? [] : noNode.errors).toEqual([expect.stringMatching(/^replicationUrl: the replication detector needs this region's node/)]);
    const peers = resolveConfig({ ...minimal, peerReplication: ["beta=http://b:1", "beta=http://b:2", "alpha=http://a:1"] }, false);
    expect(peers.ok ? [] : peers.errors).toEqual([expect.stringMatching(/peer beta is given twice/), expect.stringMatching(/alpha is this watcher's own region/)]);
  });

  test("durations", () => {
    expect([parseDuration("250"), parseDuration("250ms"), parseDuration("1.5s"), parseDuration("15m"), parseDuration("1h"), parseDuration("x"), parseDuration("-1s")]).toEqual([250, 250, 1500, 900_000, 3_600_000, undefined, undefined]);
  });

  test("the agent key and the token are checked without echoing them", () => {
    const key = "0x" + "ab".repeat(32);
    expect(parseAgentKey(`${key}\n`, "/k")).toBe(key);
    expect(() => parseAgentKey("0xsecret-but-wrong", "/k")).toThrow(/^agent key file \/k does not hold a 0x-prefixed 32-byte hex private key \(content not shown\)$/);
    expect(parseToken(" eyJ.a.b \n", "/t")).toBe("eyJ.a.b");
    expect(() => parseToken("", "/t")).toThrow(/must hold one bearer token/);
    expect(() => parseToken("a b", "/t")).toThrow(/must hold one bearer token/);
  });
});
