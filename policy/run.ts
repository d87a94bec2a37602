/**
 * `npm run policy`: evaluates the CrossGuard pack over the resources the real program registers for each
 * regional stack under Pulumi's mock runtime (no cloud, no engine), prints a report per policy per stack,
 * then checks the federation as a whole (the three regional stacks together), and exits non-zero when a
 * mandatory policy is violated or a stack's program refuses to run.
 */
import { Command } from "commander";
import * as fs from "fs";
import * as path from "path";
import { PolicyPackConfig } from "@pulumi/policy";
import { readStackConfigFile } from "../stacks/testing/stackFile";
import { analyzeWithEngine } from "./engine/analyze";
import { evaluatePolicies, ResourceRecord, toPolicyResources } from "./evaluate";
import { applyOverride, parseOverride } from "./overrides";
import { secretConfigResult } from "./secret-config";
import { policies } from "./pack";
import { federationComplete } from "./policies/federation-complete";
import { programRecords, StackName, STACKS } from "./program";
import { REGIONS } from "./regions";
import { formatStack, formatSummary, StackOutcome, stackPassed } from "./report";

const ROOT = path.resolve(__dirname, "..");

/** Per-stack policy config, the same file a user passes to `pulumi preview --policy-pack-config`. */
export function stackPolicyConfig(stack: string): PolicyPackConfig {
  return JSON.parse(fs.readFileSync(path.join(__dirname, "config", `${stack}.json`), "utf8")) as PolicyPackConfig;
}

/** The config keys to override for one stack, each merged into that stack's own value. */
function overridesFor(stack: StackName, specs: string[]): Record<string, string> {
  let config = readStackConfigFile(ROOT, stack).config;
  const changed = new Set<string>();
  for (const override of specs.map(parseOverride)) {
    config = applyOverride(config, override);
    changed.add(override.key);
  }
  return Object.fromEntries([...changed].map((key) => [key, config[key]]));
}

export async function checkStack(stack: StackName, specs: string[]): Promise<{ outcome: StackOutcome; records: ResourceRecord[] }> {
  process.stderr.write(`Running the program for stack ${stack} under Pulumi mocks...\n`);
  let records: ResourceRecord[];
  try {
    records = await programRecords(stack, { config: overridesFor(stack, specs) });
  } catch (error) {
    return { outcome: { stack, error: error instanceof Error ? error.message : String(error) }, records: [] };
  }
  const results = await evaluatePolicies(policies, toPolicyResources(records), stackPolicyConfig(stack));
  results.push(secretConfigResult(stack, readStackConfigFile(ROOT, stack).config));
  return { outcome: { stack, resourceCount: records.length, results }, records };
}

/** The federation-complete policy over the regional stacks taken together: every layer once per region. */
async function checkFederation(records: ResourceRecord[]): Promise<StackOutcome> {
  const config = { [federationComplete.name]: { regions: [...REGIONS] } };
  const results = await evaluatePolicies([federationComplete], toPolicyResources(records), config);
  return { stack: "federation (alpha+beta+gamma)", resourceCount: records.length, results };
}

/** The real engine's run of the pack over the same resources; its exit code decides. */
async function checkWithEngine(stack: StackName, records: ResourceRecord[]): Promise<StackOutcome> {
  process.stderr.write(`Running pulumi policy analyze (real engine) over stack ${stack}...\n`);
  const verdict = await analyzeWithEngine(stack, records);
  return { stack: `${stack} (real engine)`, engine: verdict };
}

export interface ReportOptions {
  federation: boolean;
  /** Also evaluate each stack with the real engine (`pulumi policy analyze` over a synthesized checkpoint). */
  engine: boolean;
}

export async function runPolicyReport(stacks: StackName[], specs: string[], options: ReportOptions): Promise<boolean> {
  const { federation, engine } = options;
  const outcomes: StackOutcome[] = [];
  const regional: ResourceRecord[] = [];
  for (const stack of stacks) {
    const { outcome, records } = await checkStack(stack, specs);
    console.log(`${formatStack(outcome)}\n`);
    outcomes.push(outcome);
    if (engine && records.length > 0) {
      const verdict = await checkWithEngine(stack, records);
      console.log(`${formatStack(verdict)}\n`);
      outcomes.push(verdict);
    }
    if (stack !== "local") regional.push(...records);
  }
  const allRegions = REGIONS.every((r) => stacks.includes(r));
  if (federation && allRegions && outcomes.every((o) => !("error" in o))) {
    const outcome = await checkFederation(regional);
    console.log(`${formatStack(outcome)}\n`);
    outcomes.push(outcome);
  }
  console.log(formatSummary(outcomes));
  return outcomes.every(stackPassed);
}

function parseStacks(value: string, previous: StackName[] = []): StackName[] {
  if (!(STACKS as readonly string[]).includes(value)) throw new Error(`--stack ${value}: expected one of ${STACKS.join(", ")}`);
  return [...previous, value as StackName];
}

/** The CLI: parses `argv` (as process.argv), prints the report, and returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const program = new Command()
    .name("npm run policy --")
    .description("Evaluate the DSC CrossGuard policy pack (policy/) over what the real Pulumi program registers for each stack,\n" +
      "under Pulumi's mock runtime (no cloud). Prints a report per policy per stack; exits 1 on a mandatory violation.")
    .option("-s, --stack <name>", `a stack to check, repeatable (${STACKS.join(", ")}); default: alpha, beta, gamma`, parseStacks)
    .option("-c, --config <key=value>", "override stack config, repeatable; a path changes one field, e.g. dsc:azure.disableLocalAccounts=false",
      (value: string, previous: string[] = []) => [...previous, value])
    .option("--no-federation", "skip the check of alpha+beta+gamma taken together")
    .option("--engine", "also run the real engine on each stack: pulumi policy analyze over a checkpoint of the mocked run (needs .toolchain/bin/pulumi)", false)
    .addHelpText("after", "\nExamples:\n  npm run policy\n  npm run policy -- -s beta -c dsc:azure.location=eastus\n  npm run policy -- -s alpha -c dsc:aws.secretsEncryption=false\n  npm run policy -- --engine")
    .parse(argv);
  const opts = program.opts<{ stack?: StackName[]; config?: string[]; federation: boolean; engine: boolean }>();
  const passed = await runPolicyReport(opts.stack ?? ["alpha", "beta", "gamma"], opts.config ?? [], { federation: opts.federation, engine: opts.engine });
  return passed ? 0 : 1;
}

if (require.main === module) {
  main(process.argv).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : String(error));
      process.exit(2);
    },
  );
}
