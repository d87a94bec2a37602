/**
 * The DSP agent key lives only in the watcher's Secret: exactly one such Secret per GuardianWatchers, holding a
 * well-formed key; the watcher reads it from that Secret; and its value appears in no other resource (no env
 * literal, ConfigMap, annotation or argument), nor does any key-shaped literal under a key-like name.
 *
 * Whether the value came from `pulumi config set --secret` cannot be seen here: the engine unwraps secrets
 * before policies run, and the Kubernetes SDK marks every Secret's data secret anyway. What can be seen is
 * that the key exists nowhere but in its Secret, which is what a plaintext config value would break first.
 */
import { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { AGENT_KEY_FILE, agentKeyProblem } from "../../components/guardian/spec";
import { childrenOf, componentsOfKind, GUARDIAN_WATCHERS } from "../components";
import { describe } from "../federation";
import { dig, podSpecOf, stringsIn } from "../model";

const SECRET = "kubernetes:core/v1:Secret";
const SENSITIVE_NAME = /key|secret|private|mnemonic|password/i;
const PRIVATE_KEY_SHAPE = /^(0x)?[0-9a-fA-F]{64}$/;

/** The agent key a Secret holds, decoded: `stringData` as is, `data` from base64. */
export function agentKeyIn(secret: PolicyResource): string | undefined {
  const plain = dig(secret.props, "stringData", AGENT_KEY_FILE);
  if (typeof plain === "string") return plain;
  const encoded = dig(secret.props, "data", AGENT_KEY_FILE);
  return typeof encoded === "string" ? Buffer.from(encoded, "base64").toString("utf8") : undefined;
}

function secretName(secret: PolicyResource): unknown {
  return dig(secret.props, "metadata", "name");
}

/** Secret names a workload reads, through volumes, env `secretKeyRef` or `envFrom`. */
function secretsReadBy(workload: PolicyResource): Set<unknown> {
  const spec = podSpecOf(workload) ?? {};
  const names = stringsIn(spec).filter(({ path }) => /(secret\.secretName|secretKeyRef\.name|secretRef\.name)$/.test(path)).map((s) => s.value);
  return new Set(names);
}

function componentProblems(component: PolicyResource, resources: PolicyResource[]): string[] {
  const inside = childrenOf(component, resources);
  const keySecrets = inside.filter((r) => r.type === SECRET && agentKeyIn(r) !== undefined);
  if (keySecrets.length !== 1) return [`${describe(component)} has ${keySecrets.length} Secrets holding "${AGENT_KEY_FILE}"; it needs exactly one.`];
  const [secret] = keySecrets;
  const problems: string[] = [];
  const shape = agentKeyProblem(agentKeyIn(secret) ?? "");
  if (shape) problems.push(`${describe(secret)}: ${shape}.`);
  const watchers = inside.filter((r) => podSpecOf(r) !== undefined);
  for (const watcher of watchers.filter((w) => !secretsReadBy(w).has(secretName(secret)))) {
    problems.push(`${describe(watcher)} does not read the agent key from Secret "${String(secretName(secret))}".`);
  }
  return problems;
}

/** Every place outside Secrets where the key value, or a key-shaped literal under a key-like name, appears. */
function leaks(resources: PolicyResource[], keys: Set<string>): { resource: PolicyResource; path: string }[] {
  const encoded = new Set([...keys].map((k) => Buffer.from(k).toString("base64")));
  return resources
    .filter((r) => r.type !== SECRET)
    .flatMap((resource) => stringsIn(resource.props).map(({ path, value }) => ({ resource, path, value })))
    .filter(({ path, value }) => keys.has(value) || encoded.has(value) || (storedAsKey(path) && PRIVATE_KEY_SHAPE.test(value)))
    .map(({ resource, path }) => ({ resource, path }));
}

/** A value stored under a key-like name, or as an env literal (`env[i].value`, whose name sits beside it). */
function storedAsKey(path: string): boolean {
  const last = path.split(".").pop() ?? "";
  return SENSITIVE_NAME.test(last) || /env\[\d+\]\.value$/.test(path);
}

export const agentKeySecret: StackValidationPolicy = {
  name: "agent-key-secret",
  description: "The DSP agent key exists only in the watcher's Secret, is read from it, and leaks into no other resource.",
  enforcementLevel: "mandatory",
  validateStack: (args, report) => {
    const components = componentsOfKind(args.resources, GUARDIAN_WATCHERS);
    for (const component of components) for (const problem of componentProblems(component, args.resources)) report(problem, component.urn);
    const keys = new Set(args.resources.filter((r) => r.type === SECRET).map(agentKeyIn).filter((k): k is string => k !== undefined && k !== ""));
    for (const { resource, path } of leaks(args.resources, keys)) {
      report(`${describe(resource)} carries the agent key (or a private-key literal) at ${path}; keep it only in the watcher's Secret.`, resource.urn);
    }
  },
};
