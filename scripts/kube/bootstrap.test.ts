import { parse } from "yaml";
import { objectPath, statusMessage } from "./api";
import { bootstrapObjects, nodeName, RESTRICTED_TEMPLATE_RULES } from "./bootstrap";
import { admissionConfiguration, auditPolicy, POD_SECURITY_EXEMPT_NAMESPACES } from "./serverConfig";

describe("what every local cluster gets at start", () => {
  const objects = bootstrapObjects("gamma");
  const byKind = (kind: string) => objects.filter((o) => o.kind === kind);

  it("one untainted kwok node of the region, and a default StorageClass", () => {
    const [node] = byKind("Node");
    expect(node.metadata.name).toBe(nodeName("gamma"));
    expect((node.metadata.labels as Record<string, string>)["topology.kubernetes.io/zone"]).toBe("gamma-a");
    expect(node.spec).toBeUndefined();
    const [sc] = byKind("StorageClass");
    expect((sc.metadata.annotations as Record<string, string>)["storageclass.kubernetes.io/is-default-class"]).toBe("true");
  });

  it("two admission policies, each bound to federation objects only and denying", () => {
    const policies = byKind("ValidatingAdmissionPolicy").map((p) => p.metadata.name);
    const bindings = byKind("ValidatingAdmissionPolicyBinding");
    expect(bindings.map((b) => (b.spec as { policyName: string }).policyName).sort()).toEqual([...policies].sort());
    for (const b of bindings) {
      const spec = b.spec as { validationActions: string[]; matchResources: Record<string, { matchExpressions: unknown[] }> };
      expect(spec.validationActions).toEqual(["Deny"]);
      const selector = Object.values(spec.matchResources)[0];
      expect(selector.matchExpressions).toEqual([{ key: "dsc.federation/consortium", operator: "Exists" }]);
    }
    const templates = byKind("ValidatingAdmissionPolicy").find((p) => p.metadata.name === "dsc-federation-restricted-templates")!;
    expect((templates.spec as { validations: unknown[] }).validations).toHaveLength(RESTRICTED_TEMPLATE_RULES.length);
  });

  it("each is applied at its own REST path; a kind without one is refused", () => {
    expect(objects.map(objectPath)).toEqual([
      "/api/v1/nodes/kwok-gamma-0",
      "/apis/storage.k8s.io/v1/storageclasses/dsc-local-hostpath",
      "/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicies/dsc-federation-pod-security",
      "/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicybindings/dsc-federation-pod-security",
      "/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicies/dsc-federation-restricted-templates",
      "/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicybindings/dsc-federation-restricted-templates",
    ]);
    expect(() => objectPath({ apiVersion: "v1", kind: "Pod", metadata: { name: "p" } })).toThrow(/no REST path known for kind Pod/);
    expect(() => objectPath({ apiVersion: "v1", kind: "Node", metadata: { name: "n", namespace: "x" } })).toThrow(/only cluster-scoped/);
  });

  it("a refusal's message is the Status message, or the body itself", () => {
    expect(statusMessage(JSON.stringify({ kind: "Status", message: "nodes is forbidden" }))).toBe("nodes is forbidden");
    expect(statusMessage("  Unauthorized\n")).toBe("Unauthorized");
  });
});

describe("the API server's own configuration files", () => {
  it("Pod Security enforces, audits and warns restricted by default; only kube-system is exempt", () => {
    const config = parse(admissionConfiguration());
    const psa = config.plugins.find((p: { name: string }) => p.name === "PodSecurity").configuration;
    expect(psa.defaults).toEqual({ enforce: "restricted", "enforce-version": "latest", audit: "restricted", "audit-version": "latest", warn: "restricted", "warn-version": "latest" });
    expect(psa.exemptions.namespaces).toEqual(POD_SECURITY_EXEMPT_NAMESPACES);
    expect(psa.exemptions.usernames).toEqual([]);
  });

  it("the audit policy never logs Secret or ConfigMap bodies and logs every other write with its request", () => {
    const rules = parse(auditPolicy()).rules as { level: string; resources?: { resources: string[] }[]; verbs?: string[] }[];
    const secrets = rules.findIndex((r) => r.resources?.some((g) => g.resources.includes("secrets")));
    const writes = rules.findIndex((r) => r.level === "Request");
    expect(rules[secrets].level).toBe("Metadata");
    expect(secrets).toBeLessThan(writes); // the first matching rule wins
    expect(rules[writes].verbs).toEqual(expect.arrayContaining(["create", "update", "patch", "delete"]));
    expect(rules[rules.length - 1]).toEqual({ level: "Metadata" });
  });
});
