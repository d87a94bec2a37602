/**
 * A Pulumi checkpoint (the `pulumi stack export` format, version 3) synthesized from the resources the mocked
 * program registered, so the real engine can evaluate the pack over a regional stack without any cloud:
 * `pulumi policy analyze --file <state> --policy-pack policy`. Inputs double as outputs: under mocks the
 * clouds echo what they were given.
 */
import { ResourceRecord } from "./evaluate";

/** Component resources (this project's `dsc:*` and the stack root) have no provider and no id. */
function isCustom(type: string): boolean {
  return !type.startsWith("dsc:") && type !== "pulumi:pulumi:Stack";
}

export function checkpointOf(records: ResourceRecord[], time = new Date(0).toISOString()) {
  const resources = records.map((record) => ({
    urn: record.urn,
    custom: isCustom(record.type),
    type: record.type,
    ...(isCustom(record.type) ? { id: `${record.name}-id` } : {}),
    inputs: record.props,
    outputs: record.props,
    ...(record.parent ? { parent: record.parent } : {}),
    ...(record.provider ? { provider: record.provider } : {}),
    ...(record.propertyDependencies
      ? { dependencies: [...new Set(Object.values(record.propertyDependencies).flat())], propertyDependencies: record.propertyDependencies }
      : {}),
  }));
  return { version: 3, deployment: { manifest: { time, magic: "", version: "" }, resources } };
}
