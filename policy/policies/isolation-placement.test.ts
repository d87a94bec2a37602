import { edit, ofType } from "../testing/fixtures";
import { messagesOf } from "../testing/harness";
import { stackRecords } from "../testing/program";
import { isolationPlacement } from "./isolation-placement";

const only = (region: string) => ({ "isolation-placement": { regions: [region] } });

describe("isolation-placement", () => {
  it.each(["alpha", "beta", "gamma"] as const)("passes on the %s stack", async (stack) => {
    expect(await messagesOf(isolationPlacement, await stackRecords(stack), only(stack))).toEqual([]);
  });

  it("passes on the local stack, which deploys all three regions", async () => {
    expect(await messagesOf(isolationPlacement, await stackRecords("local"))).toEqual([]);
  });

  it("fails when beta's provider is moved to a US region", async () => {
    const records = edit(await stackRecords("beta"), ofType("pulumi:providers:azure-native"), (props) => { props.location = "eastus"; });
    const messages = await messagesOf(isolationPlacement, records, only("beta"));
    expect(messages).toContainEqual(expect.stringMatching(/pulumi:providers:azure-native.*placed in "eastus", outside its region \(beta: Azure European regions/));
  });

  it("fails when a resource of another cloud appears in a regional stack", async () => {
    const gamma = (await stackRecords("gamma")).filter((r) => r.type === "gcp:container/cluster:Cluster");
    const records = [...(await stackRecords("alpha")), ...gamma];
    const messages = await messagesOf(isolationPlacement, records, only("alpha"));
    expect(messages).toContainEqual(expect.stringContaining("is labelled for region gamma, but this stack deploys only alpha"));
  });

  it("fails when an unlabelled cloud resource of the wrong cloud appears", async () => {
    const records = edit(await stackRecords("alpha"), ofType("aws:eks/cluster:Cluster"), (props, record) => {
      record.type = "gcp:container/cluster:Cluster";
      delete props.tags;
    });
    expect(await messagesOf(isolationPlacement, records, only("alpha"))).toContainEqual(expect.stringContaining("is a GCP resource, but region alpha runs only on AWS"));
  });

  it("fails when a cloud resource uses the default provider", async () => {
    const records = edit(await stackRecords("alpha"), ofType("aws:eks/cluster:Cluster"), (_props, record) => { delete record.provider; });
    expect(await messagesOf(isolationPlacement, records, only("alpha"))).toContainEqual(expect.stringContaining("uses the default aws provider"));
  });

  it("fails when a resource's own location leaves the region even if its provider stays", async () => {
    const records = edit(await stackRecords("gamma"), ofType("gcp:container/cluster:Cluster"), (props) => { props.location = "europe-west1"; });
    expect(await messagesOf(isolationPlacement, records, only("gamma"))).toContainEqual(expect.stringContaining('placed in "europe-west1"'));
  });
});
