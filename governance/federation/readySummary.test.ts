import { readySummary } from "./readySummary";

test("the ready summary names the endpoints, the status page, the local keys and three things to try", () => {
  const text = readySummary({
    seconds: 41.26,
    rpc: "http://127.0.0.1:8545",
    deploymentFile: "/s/consortium.json",
    configFile: "/s/local/Pulumi.local.yaml",
    statusPage: "http://127.0.0.1:20009",
    replication: { alpha: "http://127.0.0.1:20000", beta: "http://127.0.0.1:20003", gamma: "http://127.0.0.1:20006" },
    watchers: { alpha: "http://127.0.0.1:20002", beta: "http://127.0.0.1:20005", gamma: "http://127.0.0.1:20008" },
    tokenFile: "/s/federation/local-token.jwt",
    devKeysDir: "/s/local/keys",
    stateDir: "/s",
    logDir: "/s/federation/logs",
  });
  expect(text.split("\n")[0]).toBe("ready in 41.3 s: the federation runs on this machine (Ctrl-C stops it all)");
  expect(text).toContain("status page  http://127.0.0.1:20009");
  expect(text).toMatch(/gamma\s+replication http:\/\/127.0.0.1:20006\s+watcher http:\/\/127.0.0.1:20008\/v1\/status/);
  expect(text).toContain("PUT -H \"authorization: Bearer $(cat /s/federation/local-token.jwt)\"");
  expect(text).toContain("http://127.0.0.1:20000/v1/collections/notes/docs/n1");
  expect(text).toContain("http://127.0.0.1:20003/v1/collections/notes/docs/n1");
  expect(text).toContain("--key-file /s/local/keys/dsp2-owner1.key");
  expect(text).toContain("label statefulset/replication backdoor=1");
});
