import { imageProblem } from "./image";

describe("image references", () => {
  it.each(["ghcr.io/dsc/replication:0.1.0", "ghcr.io/dsc/replication:v1.2.3-rc.1", "registry:5000/dsc/watcher:2.0.10", `ghcr.io/dsc/replication@sha256:${"f".repeat(64)}`])(
    "accepts pinned %s",
    (ref) => expect(imageProblem(ref)).toBeUndefined(),
  );
  it("refuses latest, missing tags and floating tags, saying how to pin", () => {
    expect(imageProblem("ghcr.io/dsc/replication:latest")).toMatch(/uses "latest"; pin it as repo@sha256:<digest>/);
    expect(imageProblem("ghcr.io/dsc/replication")).toMatch(/has no tag or digest/);
    expect(imageProblem("registry:5000/dsc/replication")).toMatch(/has no tag or digest/);
    expect(imageProblem("ghcr.io/dsc/replication:1.4")).toMatch(/tag "1\.4" is not an exact version/);
    expect(imageProblem("ghcr.io/dsc/replication@sha256:abc")).toBeDefined();
  });
});
