import { readStackConfigFile } from "../stacks/testing/stackFile";
import * as path from "path";
import { plainLeaves, secretConfigResult } from "./secret-config";

describe("secret-config", () => {
  it.each(["alpha", "beta", "gamma", "local"])("passes on the committed Pulumi.%s.yaml", (stack) => {
    expect(secretConfigResult(stack, readStackConfigFile(path.resolve(__dirname, ".."), stack).config).violations).toEqual([]);
  });

  it("accepts per-region agent keys set with --secret --path", () => {
    expect(plainLeaves({ alpha: { secure: "v1:abc" }, beta: { secure: "v1:def" } }, "dsc:watcherAgentKeys")).toEqual([]);
  });

  it("fails on an agent key committed in plain text, naming the key path and the fix", () => {
    const config = { "dsc:watcherAgentKeys": JSON.stringify({ alpha: { secure: "v1:abc" }, beta: `0x${"11".repeat(32)}` }), "dsc:region": "beta" };
    expect(secretConfigResult("beta", config).violations.map((v) => v.message)).toEqual([
      "Pulumi.beta.yaml holds dsc:watcherAgentKeys.beta in plain text; remove it and set it with pulumi config set --secret --path 'dsc:watcherAgentKeys.beta' <value>.",
    ]);
    expect(secretConfigResult("beta", { "dsc:replicationPeerSecret": "plain-secret" }).violations).toHaveLength(1);
  });

  it("accepts the watchers' replication token only as a secret", () => {
    expect(secretConfigResult("gamma", { "dsc:watcherReplicationToken": JSON.stringify({ secure: "v1:abc" }) }).violations).toEqual([]);
    expect(secretConfigResult("gamma", { "dsc:watcherReplicationToken": "eyJhbGciOiJFUzI1NiJ9.eyJzY29wZSI6InN0YXR1cyJ9.c2ln" }).violations.map((v) => v.message)).toEqual([
      "Pulumi.gamma.yaml holds dsc:watcherReplicationToken in plain text; remove it and set it with pulumi config set --secret --path 'dsc:watcherReplicationToken' <value>.",
    ]);
  });

  it("fails on a peer TLS private key committed in plain text", () => {
    const key = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
    expect(secretConfigResult("alpha", { "dsc:replicationTlsKeys": JSON.stringify({ alpha: key }) }).violations.map((v) => v.message)).toEqual([
      "Pulumi.alpha.yaml holds dsc:replicationTlsKeys.alpha in plain text; remove it and set it with pulumi config set --secret --path 'dsc:replicationTlsKeys.alpha' <value>.",
    ]);
  });

  it("names each replica's key of a per-replica list committed in plain text, and accepts the list encrypted item by item", () => {
    const key = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
    const mixed = JSON.stringify({ beta: [{ secure: "v1:abc" }, key, { secure: "v1:def" }] });
    expect(secretConfigResult("beta", { "dsc:replicationTlsKeys": mixed }).violations.map((v) => v.message)).toEqual([
      "Pulumi.beta.yaml holds dsc:replicationTlsKeys.beta[1] in plain text; remove it and set it with pulumi config set --secret --path 'dsc:replicationTlsKeys.beta[1]' <value>.",
    ]);
    const encrypted = JSON.stringify({ beta: [{ secure: "v1:abc" }, { secure: "v1:def" }] });
    expect(secretConfigResult("beta", { "dsc:replicationTlsKeys": encrypted }).violations).toEqual([]);
  });

  it("fails on private key material under any other key: a PEM key among the certificates, a private JWK in the JWKS", () => {
    const config = {
      "dsc:replicationTlsCerts": JSON.stringify({ alpha: "-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n" }),
      "dsc:replicationAuthKeys": JSON.stringify({ keys: [{ kty: "EC", crv: "P-256", x: "x", y: "y", d: "private", kid: "k" }] }),
      "dsc:replicationCaCert": "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
    };
    expect(secretConfigResult("alpha", config).violations.map((v) => v.message)).toEqual([
      expect.stringContaining("private key material in plain text at dsc:replicationTlsCerts.alpha;"),
      expect.stringContaining("private key material in plain text at dsc:replicationAuthKeys.keys[0].d;"),
    ]);
  });
});
