import { checkpointOf } from "./state";

describe("checkpointOf", () => {
  it("writes a version 3 checkpoint: custom resources get ids and keep their provider; components do not", () => {
    const state = checkpointOf([
      { type: "pulumi:pulumi:Stack", name: "s", urn: "urn:pulumi:a::p::pulumi:pulumi:Stack::s", props: {} },
      { type: "dsc:workload:ReplicationLayer", name: "r", urn: "urn:r", props: {}, parent: "urn:pulumi:a::p::pulumi:pulumi:Stack::s" },
      { type: "kubernetes:apps/v1:StatefulSet", name: "sts", urn: "urn:sts", props: { spec: { replicas: 3 } }, parent: "urn:r", provider: "urn:k8s::k8s-id" },
    ]);
    expect(state.version).toBe(3);
    expect(state.deployment.resources).toEqual([
      { urn: "urn:pulumi:a::p::pulumi:pulumi:Stack::s", custom: false, type: "pulumi:pulumi:Stack", inputs: {}, outputs: {} },
      { urn: "urn:r", custom: false, type: "dsc:workload:ReplicationLayer", inputs: {}, outputs: {}, parent: "urn:pulumi:a::p::pulumi:pulumi:Stack::s" },
      { urn: "urn:sts", custom: true, type: "kubernetes:apps/v1:StatefulSet", id: "sts-id", inputs: { spec: { replicas: 3 } }, outputs: { spec: { replicas: 3 } }, parent: "urn:r", provider: "urn:k8s::k8s-id" },
    ]);
  });
});
