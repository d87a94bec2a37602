/** What the engine tests on local clusters share. */
import * as fs from "node:fs";
import * as path from "node:path";
import { LocalWorkspace } from "@pulumi/pulumi/automation";
import { EngineStack } from "./engineStack";

/**
 * The Kubernetes provider writes every kubeconfig it is given to a new file in the temporary folder (for Helm)
 * and never removes it, admin key included: point it into the stack's scratch folder, which the test deletes.
 */
export function keepProviderTempFiles(engine: EngineStack): void {
  const tmp = path.join(engine.scratch, "tmp");
  fs.mkdirSync(tmp, { recursive: true });
  (engine.stack.workspace as LocalWorkspace).envVars.TMPDIR = tmp;
}
