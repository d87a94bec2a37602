import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { configDigest, gitState } from "./digests";
import { makeChange } from "./change";
import { GateRefusal } from "./verify";
import type { GateWorkspace } from "./workspace";
import type { Chain } from "./chain";

describe("configDigest", () => {
  const base = { "dsc:cloud": "local", "dsc:images": JSON.stringify({ replication: "r:1", watcher: "w:1" }) };
  test("is the same for the same values whatever the key order or JSON spacing (what the CLI and the program each see)", () => {
    const reordered = { "dsc:images": '{ "watcher": "w:1", "replication": "r:1" }', "dsc:cloud": "local" };
    expect(configDigest(reordered)).toBe(configDigest(base));
  });
  test("changes with any value, and ignores the engine's own pulumi: keys", () => {
    expect(configDigest({ ...base, "dsc:cloud": "aws" })).not.toBe(configDigest(base));
    expect(configDigest({ ...base, "dsc:images": JSON.stringify({ replication: "r:2", watcher: "w:1" }) })).not.toBe(configDigest(base));
    expect(configDigest({ ...base, "dsc:extra": "1" })).not.toBe(configDigest(base));
    expect(configDigest({ ...base, "pulumi:disable-default-providers": "[]" })).toBe(configDigest(base));
  });
});

describe("the source commit", () => {
  let repo: string;
  beforeEach(() => {
    repo = fs.mkdtempSync(path.join(os.tmpdir(), "dsc-git-"));
    const git = (...a: string[]) => execFileSync("git", a, { cwd: repo, stdio: "ignore" });
    git("init", "-q");
    fs.writeFileSync(path.join(repo, "a.txt"), "a");
    git("add", "-A");
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "a");
  });
  afterEach(() => fs.rmSync(repo, { recursive: true, force: true }));

  test("gitState names HEAD and the uncommitted paths", () => {
    expect(gitState(repo)).toEqual({ head: expect.stringMatching(/^[0-9a-f]{40}$/), dirty: [] });
    fs.writeFileSync(path.join(repo, "a.txt"), "b");
    expect(gitState(repo).dirty).toEqual(["a.txt"]);
  });

  test("dsc change refuses a dirty tree for a cloud stack before it previews anything", async () => {
    fs.writeFileSync(path.join(repo, "b.txt"), "new");
    const ws = { projectRoot: repo, stackName: "alpha" } as GateWorkspace;
    const err = await makeChange({ ws, chain: {} as Chain, bundleDir: path.join(repo, "bundle"), agentKey: "0x" + "1".repeat(64) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GateRefusal);
    expect((err as GateRefusal).reasons[0]).toMatch(/uncommitted changes \(b.txt\): commit them first; only the local stack may be changed from a dirty tree/);
    expect(fs.existsSync(path.join(repo, "bundle"))).toBe(false);
  });
});
