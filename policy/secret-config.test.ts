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
});
