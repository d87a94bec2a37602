/**
 * A resource validation that runs only for the listed type tokens (the engine calls every resource
 * policy for every resource). Using type strings rather than SDK classes keeps the pack from loading
 * the cloud SDKs just to compare names.
 */
import { ReportViolation, ResourceValidation, ResourceValidationArgs } from "@pulumi/policy";
import { describe } from "./federation";
import { Props } from "./model";

export type Check = (props: Props, args: ResourceValidationArgs) => string[];

/** Runs `check` on resources of the given types (or matching types) and reports each problem prefixed with the resource. */
export function forTypes(types: string[] | ((type: string) => boolean), check: Check): ResourceValidation {
  const matches = typeof types === "function" ? types : (type: string) => types.includes(type);
  return (args: ResourceValidationArgs, report: ReportViolation) => {
    if (!matches(args.type)) args.notApplicable(`checks other resource types than ${args.type}`);
    for (const problem of check(args.props, args)) report(`${describe(args)}: ${problem}`);
  };
}
