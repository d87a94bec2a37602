/**
 * The CrossGuard policy pack the engine loads (`pulumi preview --policy-pack policy`). Constructing the
 * PolicyPack starts its gRPC server, so nothing else imports this file: tests and `npm run policy` use pack.ts.
 */
import { PolicyPack } from "@pulumi/policy";
import { PACK_NAME, policies } from "./pack";

new PolicyPack(PACK_NAME, {
  description: "Isolation, hardening and federation invariants of the DSC federation's regional stacks.",
  enforcementLevel: "mandatory",
  policies,
});
