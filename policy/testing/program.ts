/**
 * The resources the real program registers for a stack (Pulumi mocks), run once per stack per test file:
 * the mock runtime is global to the process, so runs are serialized through one promise chain.
 */
import { ResourceRecord } from "../evaluate";
import { programRecords, StackName } from "../program";

const runs = new Map<StackName, Promise<ResourceRecord[]>>();
let queue: Promise<unknown> = Promise.resolve();

export function stackRecords(stack: StackName): Promise<ResourceRecord[]> {
  if (!runs.has(stack)) {
    const run = queue.then(() => programRecords(stack));
    queue = run.catch(() => undefined);
    runs.set(stack, run);
  }
  return runs.get(stack) as Promise<ResourceRecord[]>;
}
