import { command, mergeEnv, resolveConfig } from "./config";

const parse = (argv: string[], env: NodeJS.ProcessEnv = {}) => resolveConfig(mergeEnv(command().exitOverride().parse(argv, { from: "user" }).opts(), env));
const base = ["--deployment", "d.json", "--token-file", "t", "--replication", "alpha=https://127.0.0.1:8081/"];

test("flags resolve with defaults; trailing slashes are dropped from node URLs", () => {
  const r = parse([...base, "--replication", "beta=http://127.0.0.1:8082", "--listen", "127.0.0.1:0"]);
  expect(r).toEqual({
    ok: true,
    config: {
      deploymentFile: "d.json",
      rpcUrl: "http://127.0.0.1:8545",
      replication: [{ name: "alpha", url: "https://127.0.0.1:8081" }, { name: "beta", url: "http://127.0.0.1:8082" }],
      tokenFile: "t",
      host: "127.0.0.1",
      port: 0,
      pollIntervalMs: 1000,
    },
  });
});

test("every setting comes from DSC_* when its flag is absent, and a flag wins over its variable", () => {
  const env = {
    DSC_DEPLOYMENT_FILE: "env.json",
    DSC_CHAIN_RPC_URL: "http://127.0.0.1:9545",
    DSC_STATUS_REPLICATION: "alpha=http://a:1, gamma=http://g:3",
    DSC_STATUS_TOKEN_FILE: "tok",
    DSC_STATUS_LISTEN: "0.0.0.0:9000",
    DSC_STATUS_POLL_INTERVAL_MS: "250",
    DSC_STATUS_CHANGES_DIR: "/state/changes",
  };
  const fromEnv = parse([], env);
  expect(fromEnv.ok && fromEnv.config).toMatchObject({ deploymentFile: "env.json", rpcUrl: "http://127.0.0.1:9545", tokenFile: "tok", host: "0.0.0.0", port: 9000, pollIntervalMs: 250, changesDir: "/state/changes" });
  expect(parse([...base, "--changes", "c"], env)).toMatchObject({ ok: true, config: { changesDir: "c" } });
  expect(fromEnv.ok && fromEnv.config.replication.map((r) => r.name)).toEqual(["alpha", "gamma"]);
  const flagWins = parse(["--deployment", "flag.json", "--replication", "beta=http://b:2"], env);
  expect(flagWins.ok && [flagWins.config.deploymentFile, flagWins.config.replication.map((r) => r.name)]).toEqual(["flag.json", ["beta"]]);
});

test.each([
  [["--token-file", "t", "--replication", "alpha=http://a:1"], /^--deployment \(DSC_DEPLOYMENT_FILE\): is required/],
  [["--deployment", "d", "--replication", "alpha=http://a:1"], /^--token-file \(DSC_STATUS_TOKEN_FILE\): is required/],
  [["--deployment", "d", "--token-file", "t"], /^--replication \(DSC_STATUS_REPLICATION\): .*expected array|^--replication .*at least one/],
  [[...base, "--replication", "nope"], /^--replication \(DSC_STATUS_REPLICATION\) entry 2: must be NAME=URL/],
  [[...base, "--replication", "beta=ftp://x"], /entry 2: must be an http:\/\/ or https:\/\/ URL/],
  [[...base, "--replication", "alpha=http://b:2"], /each region may be named once/],
  [[...base, "--listen", "8088"], /^--listen \(DSC_STATUS_LISTEN\): must be HOST:PORT/],
  [[...base, "--listen", "h:70000"], /at most 65535/],
  [[...base, "--poll-interval", "5"], /^--poll-interval \(DSC_STATUS_POLL_INTERVAL_MS\): must be at least 100 ms/],
  [[...base, "--poll-interval", "soon"], /must be a number of milliseconds/],
  [[...base, "--rpc", "ws://x"], /^--rpc \(DSC_CHAIN_RPC_URL\): must be an http/],
])("%j is refused naming the setting", (argv, message) => {
  const r = parse(argv);
  expect(r.ok).toBe(false);
  expect(!r.ok && r.errors.join("\n")).toMatch(message);
});
