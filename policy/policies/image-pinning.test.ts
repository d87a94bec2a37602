import { edit, ofType } from "../testing/edit";
import { messagesOf } from "../testing/harness";
import { stackRecords } from "../testing/program";
import { imagePinning } from "./image-pinning";

const withImage = async (image: string | undefined) =>
  messagesOf(imagePinning, edit(await stackRecords("gamma"), ofType("kubernetes:apps/v1:Deployment"), (p) => { p.spec.template.spec.containers[0].image = image; }));

describe("image-pinning", () => {
  it("passes on the gamma stack", async () => {
    expect(await messagesOf(imagePinning, await stackRecords("gamma"))).toEqual([]);
  });

  it("accepts an exact version tag", async () => {
    expect(await withImage("ghcr.io/dsc/watcher:1.4.2")).toEqual([]);
  });

  it.each([
    ["ghcr.io/dsc/watcher:latest", 'uses "latest"'],
    ["ghcr.io/dsc/watcher", "has no tag or digest"],
    ["ghcr.io/dsc/watcher:1.4", 'is not pinned \\(tag "1.4" is not an exact version\\)'],
  ])("fails on %s", async (image, message) => {
    expect(await withImage(image)).toEqual([expect.stringMatching(new RegExp(`Deployment ".*": container ".*": "${image}" ${message}`))]);
  });

  it("fails on a container without an image", async () => {
    expect(await withImage(undefined)).toEqual([expect.stringContaining("has no image")]);
  });
});
