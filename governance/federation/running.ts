/**
 * `node -r ts-node/register/transpile-only governance/federation/running.ts [STATE_DIR]`: exit 0 and print the ready
 * summary when a federation already runs from that state folder (scripts/local-up.sh then does not start a second
 * one), exit 1 when none does.
 */
import path from "node:path";
import { runningFederation, stateDir } from "./stateDir";

const state = process.argv[2] ? path.resolve(process.argv[2]) : stateDir(path.resolve(__dirname, "..", ".."));
const running = runningFederation(state);
if (running === undefined) process.exit(1);
process.stderr.write(`[local-up] the federation is already running from ${state} (supervisor pid ${running.pid}, since ${running.startedAt}): not starting it twice; Ctrl-C in its terminal (or kill -INT ${running.pid}) stops it\n`);
process.stdout.write(running.summary + "\n");
process.exit(0);
