import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { readStackConfigFile } from "./stackFile";

describe("readStackConfigFile", () => {
  it("flattens a stack file the way the engine hands config to the program, and sets encrypted values apart", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dsc-stackfile-"));
    try {
      fs.writeFileSync(
        path.join(dir, "Pulumi.t.yaml"),
        [
          "config:",
          '  dsc:kubernetesVersion: "1.33"',
          "  dsc:replication:",
          "    replicas: 3",
          "  dsc:replicationPeerSecret:",
          "    secure: v1:abc:def",
          "encryptionsalt: v1:salt",
        ].join("\n"),
      );
      expect(readStackConfigFile(dir, "t")).toEqual({
        config: { "dsc:kubernetesVersion": "1.33", "dsc:replication": '{"replicas":3}' },
        secureKeys: ["dsc:replicationPeerSecret"],
      });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
