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

  function addFile(file: string, mode: number): void {
    fs.mkdirSync(path.dirname(path.join(project, ".toolchain", file)), { recursive: true });
    fs.writeFileSync(path.join(project, ".toolchain", file), "#!/bin/sh\n", { mode });
  }

  it("tells the user to run `npm run toolchain` when nothing is built", () => {
    expect(() => requireToolchain(project)).toThrow(
      /bin\/pulumi, bin\/pulumi-resource-kubernetes, language-host\/pulumi-language-nodejs not found.*npm run toolchain/,
    );
  });

  it("names only what is missing, and treats a non-executable file as missing", () => {
    addFile("bin/pulumi", 0o755);
    addFile("bin/pulumi-resource-kubernetes", 0o644);
    addFile("language-host/pulumi-language-nodejs", 0o755);
    expect(() => requireToolchain(project)).toThrow(/: bin\/pulumi-resource-kubernetes not found/);
  });

  it("returns the root that PulumiCommand.get expects (it runs <root>/bin/pulumi)", () => {
    addFile("bin/pulumi", 0o755);
    addFile("bin/pulumi-resource-kubernetes", 0o755);
    addFile("language-host/pulumi-language-nodejs", 0o755);
    expect(requireToolchain(project)).toBe(path.join(project, ".toolchain"));
  });

  it("words the message with the folder searched", () => {
    expect(missingToolchainMessage("/x/.toolchain", ["bin/pulumi"])).toContain("bin/pulumi not found in /x/.toolchain");
  });
});
