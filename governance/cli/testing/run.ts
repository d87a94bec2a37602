/** Runs `dsc` in this process, as a user would from the shell, capturing what it writes and its exit code. */
import { main } from "../dsc";

export async function runDsc(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const o = jest.spyOn(process.stdout, "write").mockImplementation((c) => ((out += String(c)), true));
  const e = jest.spyOn(process.stderr, "write").mockImplementation((c) => ((err += String(c)), true));
  try {
    process.exitCode = undefined;
    return { code: await main(["node", "dsc", ...args]), out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
    process.exitCode = undefined;
  }
}
