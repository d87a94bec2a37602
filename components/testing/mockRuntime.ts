import * as pulumi from "@pulumi/pulumi";

/** One resource registered under the mock runtime, as the engine would have received it. */
export interface MockedResource {
  type: string;
  name: string;
  urn: string;
  inputs: Record<string, unknown>;
  /** Provider reference `<provider urn>::<id>`, when the resource names one explicitly or inherits one. */
  provider?: string;
  /** URN of the parent resource (the stack itself for top-level resources). */
  parent?: string;
  id?: string;
  /** For each input property, the URNs of the resources its value came from (what the engine tells policies). */
  propertyDependencies?: Record<string, string[]>;
}

export interface MockRun<T> {
  resources: MockedResource[];
  /** What `build` returned, with Outputs resolved and secrets unwrapped. */
  outputs: pulumi.Unwrap<T>;
  /** Top-level keys of `build`'s result that were secret Outputs. */
  secretOutputNames: string[];
}

export interface MockRunOptions {
  project: string;
  stack: string;
  /** Config map by full key; `secretKeys` lists the keys to treat as secret. */
  config?: Record<string, string>;
  secretKeys?: string[];
  /** Output state of a new resource, beyond its inputs (defaults to echoing the inputs). */
  state?: (args: pulumi.runtime.MockResourceArgs) => Record<string, unknown>;
  call?: (args: pulumi.runtime.MockCallArgs) => Record<string, unknown>;
}

/**
 * Run `build` as a Pulumi program under the mock runtime and return every registered resource. Safe to call
 * repeatedly in one process (each call installs fresh mocks and config), but never concurrently: the runtime's
 * settings are process-global.
 */
export async function runWithMocks<T extends Record<string, unknown>>(build: () => T, o: MockRunOptions): Promise<MockRun<T>> {
  const resources: MockedResource[] = [];
  const state = o.state ?? ((a: pulumi.runtime.MockResourceArgs) => ({ ...a.inputs, name: a.inputs.name ?? a.name }));
  await pulumi.runtime.setMocks(
    { newResource: (args) => ({ id: `${args.name}-id`, state: state(args) }), call: (args) => (o.call ? o.call(args) : args.inputs) },
    o.project,
    o.stack,
    false,
  );
  recordRegistrations(resources);
  pulumi.runtime.setAllConfig(o.config ?? {}, o.secretKeys ?? []);
  let program = {} as T;
  let failure: unknown;
  // A throw inside the stack's init would surface as an unhandled rejection and kill the process: keep it, let
  // what was registered settle, then rethrow it to the caller.
  const outputs = await pulumi.runtime.runInPulumiStack(async () => {
    try {
      return (program = build());
    } catch (err) {
      failure = err;
      return {};
    }
  });
  await waitForRegistrations();
  if (failure !== undefined) throw failure;
  return { resources, outputs: (outputs ?? {}) as pulumi.Unwrap<T>, secretOutputNames: await secretNames(program) };
}

type Struct = Parameters<typeof pulumi.runtime.deserializeProperties>[0];
type BaseRequest = { getType(): string; getName(): string; getParent(): string; getProvider(): string };
type RegisterRequest = BaseRequest & {
  getObject(): Struct;
  getPropertydependenciesMap?(): { forEach(f: (deps: { getUrnsList(): string[] }, key: string) => void): void };
};
type ReadRequest = BaseRequest & { getProperties(): Struct };
type RegisterCallback = (err: unknown, resp?: { getUrn(): string; getId?(): string }) => void;
type Monitor = {
  registerResource(req: RegisterRequest, cb: RegisterCallback): Promise<void>;
  readResource(req: ReadRequest, cb: RegisterCallback): Promise<void>;
};

/**
 * Wrap the mock monitor's registerResource and readResource (stack references are reads) so each resource is
 * recorded with its parent and URN, which the mocks' `newResource` hook does not see. Inputs are deserialized the
 * way the mock monitor does it.
 */
function recordRegistrations(into: MockedResource[]): void {
  const monitor = pulumi.runtime.getMonitor() as unknown as Monitor;
  const register = monitor.registerResource.bind(monitor);
  const read = monitor.readResource.bind(monitor);
  const recorder = (req: BaseRequest & Partial<RegisterRequest>, inputs: Struct, cb: RegisterCallback): RegisterCallback => {
    const dependencies: Record<string, string[]> = {};
    req.getPropertydependenciesMap?.().forEach((deps, key) => {
      if (deps.getUrnsList().length > 0) dependencies[key] = deps.getUrnsList();
    });
    const entry: MockedResource = {
      type: req.getType(),
      name: req.getName(),
      urn: "",
      inputs: pulumi.runtime.deserializeProperties(inputs) as Record<string, unknown>,
      provider: req.getProvider() || undefined,
      parent: req.getParent() || undefined,
      ...(Object.keys(dependencies).length > 0 ? { propertyDependencies: dependencies } : {}),
    };
    return (err, resp) => {
      if (!err && resp) into.push({ ...entry, urn: resp.getUrn(), id: resp.getId?.() || undefined });
      cb(err, resp);
    };
  };
  monitor.registerResource = (req, cb) => register(req, recorder(req, req.getObject(), cb));
  monitor.readResource = (req, cb) => read(req, recorder(req, req.getProperties(), cb));
}

async function secretNames(outputs: Record<string, unknown>): Promise<string[]> {
  const flags = await Promise.all(
    Object.entries(outputs).map(async ([key, value]) => (pulumi.Output.isInstance(value) && (await pulumi.isSecret(value)) ? [key] : [])),
  );
  return flags.flat();
}

/** Wait until the runtime's queue of outstanding resource RPCs is empty (exported by the runtime, untyped). */
async function waitForRegistrations(): Promise<void> {
  const runtime = pulumi.runtime as unknown as { waitForRPCs?: () => Promise<void> };
  if (typeof runtime.waitForRPCs !== "function") throw new Error("this @pulumi/pulumi no longer exports runtime.waitForRPCs");
  await runtime.waitForRPCs();
}

/** The logical name of the provider a resource was registered with (`alpha-k8s`), from its provider reference. */
export function providerName(resource: MockedResource): string | undefined {
  return resource.provider?.split("::")[3];
}

export function ofType(resources: readonly MockedResource[], type: string): MockedResource[] {
  return resources.filter((r) => r.type === type);
}

export function single(resources: readonly MockedResource[], type: string): MockedResource {
  const found = ofType(resources, type);
  if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
  return found[0];
}
