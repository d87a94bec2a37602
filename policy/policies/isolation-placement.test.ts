import { edit, ofType } from "../testing/edit";
import { messagesOf } from "../testing/harness";
import { stackRecords } from "../testing/program";
import { isolationPlacement } from "./isolation-placement";

const only = (region: string) => ({ "isolation-placement": { regions: [region] } });

describe("isolation-placement", () => {
  it("passes on the beta stack", async () => {
    expect(await messagesOf(isolationPlacement, await stackRecords("beta"), only("beta"))).toEqual([]);
  });

  it("fails when beta's provider and cluster are moved to a US region", async () => {
    const records = edit(await stackRecords("beta"), (r) => r.type.startsWith("pulumi:providers:azure-native") || r.type === "azure-native:containerservice:ManagedCluster",
      (props) => { props.location = "eastus"; });
    const messages = await messagesOf(isolationPlacement, records, only("beta"));
    expect(messages).toContainEqual(expect.stringMatching(/^pulumi:providers:azure-native ".*" is placed in "eastus", outside its region \(beta: Azure European regions/));
    expect(messages).toContainEqual(expect.stringMatching(/^azure-native:containerservice:ManagedCluster ".*" is placed in "eastus"/));
  });

  it("fails when a stack deploys a resource labelled for another region", async () => {
    const records = edit(await stackRecords("beta"), ofType("azure-native:network:VirtualNetwork"), (props) => { props.tags["dsc-region"] = "gamma"; });
    expect(await messagesOf(isolationPlacement, records, only("beta"))).toEqual([expect.stringContaining("is labelled for region gamma, but this stack deploys only beta")]);
  });

  it("fails when an unlabelled resource of another cloud appears", async () => {
    const records = edit(await stackRecords("beta"), ofType("azure-native:network:VirtualNetwork"), (props, record) => {
      record.type = "aws:ec2/vpc:Vpc";
      delete props.tags;
    });
    expect(await messagesOf(isolationPlacement, records, only("beta"))).toContainEqual(expect.stringContaining("belongs to AWS, but region beta runs only on Azure"));
  });

  it("fails when a cloud resource uses the default provider", async () => {
    const records = edit(await stackRecords("beta"), ofType("azure-native:containerservice:ManagedCluster"), (_props, record) => { delete record.provider; });
    expect(await messagesOf(isolationPlacement, records, only("beta"))).toEqual([expect.stringContaining("uses the default azure provider")]);
  });
});
