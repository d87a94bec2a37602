/** Runs one policy over records the way the engine would and returns what it reported. */
import { Policies, PolicyPackConfig } from "@pulumi/policy";
import { evaluatePolicies, ReportedViolation, ResourceRecord, toPolicyResources } from "../evaluate";

export async function violationsOf(policy: Policies[number], records: ResourceRecord[], config: PolicyPackConfig = {}): Promise<ReportedViolation[]> {
  const [result] = await evaluatePolicies([policy], toPolicyResources(records), config);
  return result.violations;
}

export async function messagesOf(policy: Policies[number], records: ResourceRecord[], config: PolicyPackConfig = {}): Promise<string[]> {
  return (await violationsOf(policy, records, config)).map((v) => v.message);
}
