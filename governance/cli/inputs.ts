/** Reading the CLI's inputs: keys from a file or an environment variable (never argv), addresses, files. */
import { existsSync, readFileSync } from "node:fs";
import { InputError } from "./exit";

const KEY = /^0x[0-9a-fA-F]{64}$/;

/** A private key from `file`, else from the environment variable `envName`; refuses anything else. */
export function readKey(file: string | undefined, envName: string, what: string): string {
  if (file !== undefined) {
    if (!existsSync(file)) throw new InputError(`${what} key file ${file} does not exist`);
    const key = readFileSync(file, "utf8").trim();
    if (!KEY.test(key)) throw new InputError(`${what} key file ${file} must hold one 0x-prefixed 32-byte hex private key`);
    return key;
  }
  const key = process.env[envName]?.trim();
  if (key === undefined || key === "") throw new InputError(`no ${what} key: pass --${what}-key-file <file> or set ${envName}`);
  if (!KEY.test(key)) throw new InputError(`${envName} must be a 0x-prefixed 32-byte hex private key`);
  return key;
}

export function requireAddress(value: string, what: string): string {
  if (!/^0x[0-9a-fA-F]{40}$/.test(value)) throw new InputError(`${what} ${value} is not a 0x-prefixed 20-byte address`);
  return value;
}

export function requireDir(dir: string, what: string): string {
  if (!existsSync(dir)) throw new InputError(`${what} ${dir} does not exist`);
  return dir;
}

const STACK = /^[a-z][a-z0-9-]*$/;
export function requireStack(name: string, projectRoot: string): string {
  if (!STACK.test(name) || !existsSync(`${projectRoot}/Pulumi.${name}.yaml`)) {
    throw new InputError(`unknown stack ${name}: there is no Pulumi.${name}.yaml in ${projectRoot}`);
  }
  return name;
}
