import { ResourceRecord } from "../evaluate";
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

  it("fails on a second cloud provider outside the region, or of another cloud, whatever its name", async () => {
    const alpha = await stackRecords("alpha");
    const provider = alpha.find((r) => r.type === "pulumi:providers:aws") as ResourceRecord;
    const extra = (type: string, props: Record<string, unknown>): ResourceRecord => ({ type, name: "helper", urn: `urn:pulumi:alpha::dsc-federation::${type}::helper`, props });
    const messages = await messagesOf(isolationPlacement, [...alpha, { ...extra(provider.type, { region: "eu-west-1" }) }, extra("pulumi:providers:gcp", { region: "asia-east1" })], only("alpha"));
    expect(messages).toEqual([
      expect.stringMatching(/^pulumi:providers:aws "helper" is placed in "eu-west-1", outside its region \(alpha: AWS US regions/),
      expect.stringMatching(/^pulumi:providers:gcp "helper" belongs to GCP, but region alpha runs only on AWS/),
    ]);
  });

  it("fails on a cloud provider that takes its location from the environment", async () => {
    const alpha = await stackRecords("alpha");
    const ambient: ResourceRecord = { type: "pulumi:providers:aws", name: "ambient", urn: "urn:pulumi:alpha::dsc-federation::pulumi:providers:aws::ambient", props: {} };
    expect(await messagesOf(isolationPlacement, [...alpha, ambient], only("alpha"))).toEqual([expect.stringContaining('pulumi:providers:aws "ambient" sets no region')]);
  });
});
