import { CpuProfile, formatCosts, moduleOf, topCosts } from "./cpuProfile";

const node = (id: number, functionName: string, url: string, hitCount: number, lineNumber = 9) => ({ id, callFrame: { functionName, url, lineNumber }, hitCount });

describe("moduleOf", () => {
  it("names a package, a Node module, our own file, or the VM's pseudo-frame", () => {
    expect(moduleOf("file:///app/node_modules/yjs/dist/yjs.cjs", "f")).toBe("yjs");
    expect(moduleOf("/app/node_modules/@noble/curves/p256.js", "f")).toBe("@noble/curves");
    expect(moduleOf("node:internal/http/server", "f")).toBe("node:http");
    expect(moduleOf("node:_http_server", "f")).toBe("node:_http_server");
    expect(moduleOf("file:///app/dist/replica.js", "f")).toBe("replica.js");
    expect(moduleOf("", "(garbage collector)")).toBe("(garbage collector)");
    expect(moduleOf("", "sign")).toBe("(native)");
  });
});

describe("topCosts", () => {
  const profile: CpuProfile = {
    startTime: 0,
    endTime: 1,
    nodes: [
      node(1, "(root)", "", 0),
      node(2, "(idle)", "", 500),
      node(3, "applyUpdate", "file:///a/node_modules/yjs/dist/yjs.cjs", 30),
      node(4, "readUpdate", "file:///a/node_modules/yjs/dist/yjs.cjs", 10, 99),
      node(5, "applyUpdate", "file:///a/node_modules/yjs/dist/yjs.cjs", 20), // same function, another call path
      node(6, "(garbage collector)", "", 25),
      node(7, "", "file:///a/dist/replica.js", 15),
    ],
  };
  it("ranks self time by function and by module, idle left out, shares of the busy time", () => {
    const { functions, modules } = topCosts(profile, 3);
    expect(functions).toEqual([
      { name: "applyUpdate yjs:10", share: 0.5 },
      { name: "(garbage collector)", share: 0.25 },
      { name: "(anonymous) replica.js:10", share: 0.15 },
    ]);
    expect(modules).toEqual([
      { name: "yjs", share: 0.6 },
      { name: "(garbage collector)", share: 0.25 },
      { name: "replica.js", share: 0.15 },
    ]);
    expect(formatCosts(modules.slice(0, 2))).toBe("yjs 60.0%; (garbage collector) 25.0%");
  });
  it("gives no shares for an idle profile", () => {
    expect(topCosts({ startTime: 0, endTime: 1, nodes: [node(1, "(idle)", "", 9)] })).toEqual({ functions: [], modules: [] });
  });
});
