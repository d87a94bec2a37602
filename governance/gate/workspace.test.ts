import path from "node:path";
import { gateEnv } from "./workspace";

const root = "/repo";
const tools = "/repo/.toolchain";

test("the engine's state is npm start's: DSC_STATE_DIR when set, else <project>/.state", () => {
  expect(gateEnv(root, tools, "local", { PATH: "/bin" })).toMatchObject({ PULUMI_BACKEND_URL: "file:///repo/.state/backend", PULUMI_HOME: "/repo/.state/pulumi-home" });
  expect(gateEnv(root, tools, "local", { DSC_STATE_DIR: "/tmp/fed" })).toMatchObject({ PULUMI_BACKEND_URL: "file:///tmp/fed/backend", PULUMI_HOME: "/tmp/fed/pulumi-home" });
  expect(gateEnv(root, tools, "local", { DSC_STATE_DIR: "rel" }).PULUMI_HOME).toBe(path.resolve("rel", "pulumi-home"));
});

test("the caller's own backend, home and passphrase win; a cloud stack has no default passphrase", () => {
  const env = gateEnv(root, tools, "alpha", { DSC_STATE_DIR: "/tmp/fed", PULUMI_BACKEND_URL: "s3://b", PULUMI_HOME: "/h", PULUMI_CONFIG_PASSPHRASE_FILE: "/p" });
  expect([env.PULUMI_BACKEND_URL, env.PULUMI_HOME, env.PULUMI_CONFIG_PASSPHRASE]).toEqual(["s3://b", "/h", undefined]);
  expect(() => gateEnv(root, tools, "alpha", {})).toThrow(/stack alpha: set PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE/);
  expect(gateEnv(root, tools, "local", {}).PATH.split(path.delimiter).slice(0, 2)).toEqual(["/repo/.toolchain/bin", "/repo/.toolchain/language-host"]);
});
