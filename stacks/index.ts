// Entry point Pulumi loads (package.json "main"). It exports the program function itself: the Node.js language
// host calls an exported function and takes what it returns as the stack outputs.
// A real update first requires the gate's recorded approval (stacks/approval.ts); a preview runs as before.
import { requireGateApproval } from "./approval";
import { federationProgram } from "./program";

export = async (): Promise<Record<string, unknown>> => {
  await requireGateApproval();
  return federationProgram();
};
