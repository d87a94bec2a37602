/** The example pipelines (.github/workflows) pass actionlint, built by the toolchain as .toolchain/bin/actionlint. */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "..", "..");
const ACTIONLINT = path.join(ROOT, ".toolchain", "bin", "actionlint");

test("the workflows pass actionlint", () => {
  if (!fs.existsSync(ACTIONLINT)) throw new Error(`${ACTIONLINT} is missing: build it with 'npm run toolchain'`);
  const workflows = fs.readdirSync(path.join(ROOT, ".github", "workflows")).filter((f) => f.endsWith(".yml"));
  expect(workflows.sort()).toEqual(["apply.yml", "change.yml"]);
  const out = execFileSync(ACTIONLINT, ["-format", "{{json .}}", ...workflows.map((w) => path.join(".github", "workflows", w))], { cwd: ROOT, encoding: "utf8" });
  expect(JSON.parse(out || "[]")).toEqual([]);
});

test("actionlint finds a broken workflow (the check can fail)", () => {
  if (!fs.existsSync(ACTIONLINT)) throw new Error(`${ACTIONLINT} is missing: build it with 'npm run toolchain'`);
  const broken = "on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.event.nope.nope }\n";
  let findings: unknown[] = [];
  try {
    execFileSync(ACTIONLINT, ["-format", "{{json .}}", "-"], { input: broken, encoding: "utf8" });
  } catch (err) {
    findings = JSON.parse((err as { stdout: string }).stdout);
  }
  expect(findings.length).toBeGreaterThan(0);
});
