import { spawnSync } from "node:child_process";
import os from "node:os";
import path from "node:path";
import { localUpArgs } from "./federation";

const DSC = path.join(__dirname, "bin", "dsc");
const run = (args: string[], env: NodeJS.ProcessEnv = {}) => spawnSync(process.execPath, [DSC, ...args], { encoding: "utf8", env: { ...process.env, ...env }, timeout: 60_000 });

test("dsc federation up runs npm start's script, with --reset passed on", () => {
  expect(localUpArgs({}).map((a) => path.basename(a))).toEqual(["local-up.sh"]);
  expect(localUpArgs({ reset: true }).map((a) => path.basename(a))).toEqual(["local-up.sh", "--reset"]);
  expect(run(["federation", "up", "--help"]).stdout).toMatch(/--reset\s+stop the clusters and delete the state folder first/);
});

test("the script's own refusal and exit code come back through dsc", () => {
  // A bad cluster mode is refused by the script before anything starts (nothing to clean up afterwards).
  const r = run(["federation", "up"], { DSC_LOCAL_CLUSTERS: "bogus", DSC_STATE_DIR: path.join(os.tmpdir(), "dsc-federation-cli-test-unused") });
  expect(r.stderr).toContain('DSC_LOCAL_CLUSTERS=bogus: expected "kube"');
  expect(r.status).toBe(2);
});
