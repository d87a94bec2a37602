/**
 * Runs CrossGuard policies without the policy pack's gRPC server: builds the same argument bags the
 * engine builds (see @pulumi/policy server.js) from plain resource records, and collects what the
 * policies report. Used by the tests and by `npm run policy`.
 */
import {
  EnforcementLevel,
  Policies,
  PolicyPackConfig,
  PolicyResource,
  PolicyResourceOptions,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";

/** One resource as a program registered it: inputs, parent URN and provider reference (`urn::id`). */
export interface ResourceRecord {
  type: string;
  name: string;
  urn: string;
  props: Record<string, unknown>;
  parent?: string;
  provider?: string;
  /** For each property, the URNs of the resources its value was computed from. */
  propertyDependencies?: Record<string, string[]>;
}

export interface ReportedViolation {
  message: string;
  urn?: string;
}

export interface PolicyResult {
  policy: string;
  description: string;
  enforcementLevel: EnforcementLevel;
  violations: ReportedViolation[];
  /** Why the policy did not apply (from `args.notApplicable`), when it did not. */
  notApplicable?: string;
}

class NotApplicable extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

function throwNotApplicable(reason?: string): never {
  throw new NotApplicable(reason ?? "policy does not apply");
}

const EMPTY_OPTIONS: PolicyResourceOptions = {
  protect: false,
  ignoreChanges: [],
  aliases: [],
  customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
  additionalSecretOutputs: [],
};

type ResourceClass = { new (...rest: never[]): unknown; __pulumiType?: string };

function isTypeOf(type: string, resourceClass: ResourceClass): boolean {
  return resourceClass.__pulumiType === type;
}

/** The engine's view of a stack: parents, providers and type checks resolved between records. */
export function toPolicyResources(records: ResourceRecord[]): PolicyResource[] {
  const byUrn = new Map<string, PolicyResource>();
  const resources = records.map((record) => {
    const resource = {
      type: record.type,
      name: record.name,
      urn: record.urn,
      props: record.props,
      opts: { ...EMPTY_OPTIONS, parent: record.parent },
      dependencies: [],
      propertyDependencies: {},
      isType: (cls: ResourceClass) => isTypeOf(record.type, cls),
      asType: (cls: ResourceClass) => (isTypeOf(record.type, cls) ? record.props : undefined),
    } as unknown as PolicyResource;
    byUrn.set(record.urn, resource);
    return resource;
  });
  records.forEach((record, index) => {
    const resource = resources[index];
    const parent = record.parent ? byUrn.get(record.parent) : undefined;
    if (parent) resource.parent = parent;
    const provider = record.provider ? byUrn.get(providerUrn(record.provider)) : undefined;
    if (provider) resource.provider = { type: provider.type, props: provider.props, urn: provider.urn, name: provider.name };
    resource.propertyDependencies = Object.fromEntries(
      Object.entries(record.propertyDependencies ?? {}).map(([key, urns]) => [key, urns.flatMap((urn) => byUrn.get(urn) ?? [])]),
    );
    resource.dependencies = [...new Set(Object.values(resource.propertyDependencies).flat())];
  });
  return resources;
}

/** A provider reference is `<urn>::<id>`; URNs themselves contain `::`, ids never do. */
export function providerUrn(reference: string): string {
  const cut = reference.lastIndexOf("::");
  return cut > 0 && reference.startsWith("urn:") && reference.split("::").length > 4 ? reference.slice(0, cut) : reference;
}

function configFor(config: PolicyPackConfig, policyName: string): () => never {
  const entry = config[policyName];
  const properties = typeof entry === "object" ? { ...entry, enforcementLevel: undefined } : {};
  return (() => properties) as () => never;
}

export function resourceArgs(resource: PolicyResource, config: PolicyPackConfig, policyName: string): ResourceValidationArgs {
  return {
    type: resource.type,
    props: resource.props,
    urn: resource.urn,
    name: resource.name,
    opts: resource.opts,
    provider: resource.provider,
    stackTags: new Map(),
    isType: resource.isType,
    asType: resource.asType as ResourceValidationArgs["asType"],
    getConfig: configFor(config, policyName),
    notApplicable: throwNotApplicable,
  };
}

export function stackArgs(resources: PolicyResource[], config: PolicyPackConfig, policyName: string): StackValidationArgs {
  return { resources, stackTags: new Map(), getConfig: configFor(config, policyName), notApplicable: throwNotApplicable };
}

function levelOf(policy: Policies[number], config: PolicyPackConfig): EnforcementLevel {
  const entry = config[policy.name];
  const configured = typeof entry === "string" ? entry : entry?.enforcementLevel;
  return configured ?? policy.enforcementLevel ?? "advisory";
}

async function collect(run: (report: (message: string, urn?: string) => void) => Promise<void> | void) {
  const violations: ReportedViolation[] = [];
  try {
    await run((message, urn) => violations.push(urn ? { message, urn } : { message }));
  } catch (error) {
    if (error instanceof NotApplicable) return { violations, notApplicable: error.reason };
    throw error;
  }
  return { violations, notApplicable: undefined };
}

/** A resource policy applies to a stack when at least one resource did not declare it not applicable. */
async function runResourcePolicy(policy: ResourceValidationPolicy, resources: PolicyResource[], config: PolicyPackConfig) {
  const validations = [policy.validateResource ?? []].flat();
  const violations: ReportedViolation[] = [];
  let applied = 0;
  for (const resource of resources) {
    for (const validate of validations) {
      const result = await collect((report) => validate(resourceArgs(resource, config, policy.name), (message) => report(message, resource.urn)));
      violations.push(...result.violations);
      if (result.notApplicable === undefined) applied += 1;
    }
  }
  return { violations, notApplicable: applied === 0 ? "no resource of the types it checks" : undefined };
}

function runStackPolicy(policy: StackValidationPolicy, resources: PolicyResource[], config: PolicyPackConfig) {
  return collect((report) => policy.validateStack(stackArgs(resources, config, policy.name), report));
}

/** Evaluates every policy of a pack over one stack's resources, as `pulumi preview --policy-pack` would. */
export async function evaluatePolicies(policies: Policies, resources: PolicyResource[], config: PolicyPackConfig = {}): Promise<PolicyResult[]> {
  const results: PolicyResult[] = [];
  for (const policy of policies) {
    const enforcementLevel = levelOf(policy, config);
    const base = { policy: policy.name, description: policy.description, enforcementLevel };
    if (enforcementLevel === "disabled") {
      results.push({ ...base, violations: [], notApplicable: "disabled by policy config" });
      continue;
    }
    const outcome = "validateStack" in policy
      ? await runStackPolicy(policy, resources, config)
      : await runResourcePolicy(policy, resources, config);
    results.push({ ...base, ...outcome });
  }
  return results;
}

/** True when a mandatory policy reported a violation: the preview (and CI) must fail. */
export function hasMandatoryViolation(results: PolicyResult[]): boolean {
  return results.some((result) => result.enforcementLevel === "mandatory" && result.violations.length > 0);
}
