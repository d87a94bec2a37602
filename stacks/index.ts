// Entry point Pulumi loads (package.json "main"). It exports the program function itself: the Node.js language
// host calls an exported function and takes what it returns as the stack outputs.
import { federationProgram } from "./program";

export = federationProgram;
