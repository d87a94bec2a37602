// Entry point Pulumi loads (package.json "main"); the program itself lives in program.ts so it can be re-run.
import { federationProgram } from "./program";

export = federationProgram();
