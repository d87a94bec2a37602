import { needsProgram, programMain } from "./pulumi-run-args";

describe("needsProgram", () => {
  it.each([
    [["preview", "-s", "local", "--save-plan", "plan.json"]],
    [["up", "-s", "local", "--plan", "plan.json", "--yes"]],
    [["refresh", "-s", "local"]],
    [["destroy", "--yes"]],
  ])("runs the program for %j", (argv) => {
    expect(needsProgram(argv)).toBe(true);
  });

  it.each([[["version"]], [["stack", "output", "--json"]], [["up", "--help"]], [["config", "set", "x", "y"]], [[]]])(
    "does not for %j",
    (argv) => {
      expect(needsProgram(argv)).toBe(false);
    },
  );
});

describe("programMain", () => {
  it("takes Pulumi.yaml's main first", () => {
    expect(programMain("name: p\nruntime: nodejs\nmain: stacks/index.ts\n", '{"main":"other.ts"}')).toBe(
      "stacks/index.ts",
    );
  });

  it("falls back to package.json's main, then to index", () => {
    expect(programMain("name: p\nruntime: nodejs\n", '{"main":"stacks/index.ts"}')).toBe("stacks/index.ts");
    expect(programMain("name: p\nruntime: nodejs\n", "{}")).toBe("index");
    expect(programMain("name: p\nruntime: nodejs\n", undefined)).toBe("index");
  });

  it("rejects a Pulumi.yaml that is not a mapping, or an empty main, naming the key", () => {
    expect(() => programMain("just text", undefined)).toThrow(/Pulumi.yaml: expected a mapping/);
    expect(() => programMain("name: p\nmain: ''\n", undefined)).toThrow(/'main' must be a non-empty path/);
  });
});
