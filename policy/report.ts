/** Wording of the policy report `npm run policy` prints: one block per stack, one line per policy. */
import { hasMandatoryViolation, PolicyResult } from "./evaluate";

export interface StackReport {
  stack: string;
  resourceCount: number;
  results: PolicyResult[];
}

/** A stack whose program could not run (bad config, program error): CI must fail on it too. */
export interface StackFailure {
  stack: string;
  error: string;
}

/** The real engine's run over a stack (`pulumi policy analyze`): its exit code and what it printed. */
export interface EngineOutcome {
  stack: string;
  engine: { code: number; output: string };
}

export type StackOutcome = StackReport | StackFailure | EngineOutcome;

function isFailure(outcome: StackOutcome): outcome is StackFailure {
  return "error" in outcome;
}

function isEngine(outcome: StackOutcome): outcome is EngineOutcome {
  return "engine" in outcome;
}

function status(result: PolicyResult): string {
  if (result.notApplicable !== undefined) return "n/a ";
  if (result.violations.length === 0) return "pass";
  return result.enforcementLevel === "mandatory" ? "FAIL" : "warn";
}

function policyLines(result: PolicyResult): string[] {
  const reason = result.notApplicable !== undefined ? ` - ${result.notApplicable}` : "";
  const count = result.violations.length > 0 ? ` - ${result.violations.length} violation(s)` : "";
  return [
    `  [${status(result)}] ${result.policy} (${result.enforcementLevel})${reason}${count}`,
    ...result.violations.map((v) => `         ${v.message}${v.urn ? `\n           at ${v.urn}` : ""}`),
  ];
}

export function formatStack(outcome: StackOutcome): string {
  if (isEngine(outcome)) {
    const verdict = outcome.engine.code === 0 ? "pass" : `FAIL (exit code ${outcome.engine.code})`;
    return [`Stack ${outcome.stack}: pulumi policy analyze ${verdict}`, ...outcome.engine.output.trim().split("\n").map((l) => `  | ${l}`)].join("\n");
  }
  if (isFailure(outcome)) return [`Stack ${outcome.stack}: the program did not run, so the pack could not pass`, ...outcome.error.split("\n").map((l) => `  ${l}`)].join("\n");
  return [`Stack ${outcome.stack}: ${outcome.resourceCount} resources, ${outcome.results.length} policies`, ...outcome.results.flatMap(policyLines)].join("\n");
}

export function stackPassed(outcome: StackOutcome): boolean {
  if (isEngine(outcome)) return outcome.engine.code === 0;
  return !isFailure(outcome) && !hasMandatoryViolation(outcome.results);
}

export function formatSummary(outcomes: StackOutcome[]): string {
  const line = (o: StackOutcome) => {
    if (isFailure(o)) return `  ${o.stack}: FAILED TO RUN`;
    if (isEngine(o)) return `  ${o.stack}: ${o.engine.code === 0 ? "PASS" : `FAIL (exit code ${o.engine.code})`}`;
    const mandatory = o.results.filter((r) => r.enforcementLevel === "mandatory").reduce((n, r) => n + r.violations.length, 0);
    const advisory = o.results.filter((r) => r.enforcementLevel !== "mandatory").reduce((n, r) => n + r.violations.length, 0);
    return `  ${o.stack}: ${mandatory === 0 ? "PASS" : "FAIL"} (${mandatory} mandatory, ${advisory} advisory violations)`;
  };
  const passed = outcomes.filter(stackPassed).length;
  // Not "N passed, N failed": CI reads that line as the test runner's count.
  return [`Policy pack summary (${passed} of ${outcomes.length} stacks pass):`, ...outcomes.map(line)].join("\n");
}
