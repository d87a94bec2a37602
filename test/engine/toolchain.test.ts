import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { missingToolchainMessage, requireToolchain } from "./toolchain";

describe("requireToolchain", () => {
  let project: string;
  beforeEach(() => {
    project = fs.mkdtempSync(path.join(os.tmpdir(), "dsc-toolchain-"));
  });
  afterEach(() => fs.rmSync(project, { recursive: true, force: true }));

  function addBinary(name: string, mode: number): void {
    fs.mkdirSync(path.join(project, ".toolchain", "bin"), { recursive: true });
    fs.writeFileSync(path.join(project, ".toolchain", "bin", name), "#!/bin/sh\n", { mode });
  }

  it("tells the user to run `npm run toolchain` when nothing is built", () => {
    expect(() => requireToolchain(project)).toThrow(/pulumi, pulumi-resource-kubernetes not found.*npm run toolchain/);
  });

  it("names only what is missing, and treats a non-executable file as missing", () => {
    addBinary("pulumi", 0o755);
    addBinary("pulumi-resource-kubernetes", 0o644);
    expect(() => requireToolchain(project)).toThrow(/: pulumi-resource-kubernetes not found/);
  });

  it("returns the root that PulumiCommand.get expects (it runs <root>/bin/pulumi)", () => {
    addBinary("pulumi", 0o755);
    addBinary("pulumi-resource-kubernetes", 0o755);
    expect(requireToolchain(project)).toBe(path.join(project, ".toolchain"));
  });

  it("words the message with the folder searched", () => {
    expect(missingToolchainMessage("/x/bin", ["pulumi"])).toContain("pulumi not found in /x/bin");
  });
});
