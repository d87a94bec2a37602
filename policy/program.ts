/**
 * The resources the real DSC program registers for a stack, under Pulumi's mock runtime (no cloud), turned
 * into the records the policies are evaluated over, with secrets unwrapped the way the engine unwraps them
 * before calling a policy pack.
 */
import { REGIONS } from "../stacks/config";
import { PEER_ENDPOINT_OUTPUT } from "../stacks/peers";
import { MockedResource, runMockedStack } from "../stacks/testing/runMockedStack";
import { ResourceRecord } from "./evaluate";
import { asRecord } from "./model";

export type StackName = "alpha" | "beta" | "gamma" | "local";
export const STACKS: readonly StackName[] = ["alpha", "beta", "gamma", "local"];

/** Pulumi's wire markers (see @pulumi/pulumi runtime/rpc.ts). */
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

export function unwrapSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(unwrapSecrets);
  const record = asRecord(value);
  if (!record) return value;
  if (record[SIG_KEY] === SECRET_SIG) return unwrapSecrets(record.value);
  return Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined).map(([k, v]) => [k, unwrapSecrets(v)]));
}

export function toRecord(resource: MockedResource): ResourceRecord {
  const record: ResourceRecord = { type: resource.type, name: resource.name, urn: resource.urn, props: unwrapSecrets(resource.inputs) as Record<string, unknown> };
  if (resource.parent) record.parent = resource.parent;
  if (resource.provider) record.provider = resource.provider;
  if (resource.propertyDependencies) record.propertyDependencies = resource.propertyDependencies;
  return record;
}

export interface StackOverrides {
  /** Full config keys (`dsc:azure`) to values as Pulumi's config map holds them (objects as JSON). */
  config?: Record<string, string>;
}

/**
 * The steady state the pack guards: every peer region already deployed and exporting its replication
 * endpoint (reserved `.invalid` names: nothing is dialled under mocks).
 */
export function deployedPeers(): Record<string, Record<string, unknown>> {
  return Object.fromEntries(REGIONS.map((region) => [region, { [PEER_ENDPOINT_OUTPUT]: `wss://replication-peer.${region}.invalid:7070` }]));
}

/** Runs the program for one stack under mocks and returns what it registered. */
export async function programRecords(stack: StackName, overrides: StackOverrides = {}): Promise<ResourceRecord[]> {
  const run = await runMockedStack(stack, { config: overrides.config, peers: deployedPeers() });
  return run.resources.map(toRecord);
}
