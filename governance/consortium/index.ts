/** The consortium's TypeScript API: deploy, build manifests, sign approvals, ask TierRules for a verdict. */
export * from "./artifacts";
export * from "./approvals";
export * from "./calls";
export * from "./deploy";
export * from "./dev-keys";
export * from "./manifest";
export * from "./operations";
export * from "./verdict";
