/**
 * The Go language host (sdk/v3 v3.68.0) as a child process, started the way the CLI starts a plugin: same
 * arguments (flags, then the engine's address), and it prints the port it serves on as its first stdout line.
 */
import { ChildProcess, spawn } from "node:child_process";

export interface GoHost {
  address: string;
  child: ChildProcess;
}

/** The port from a plugin's first stdout line, or an error that says what came instead. */
export function portFromLine(line: string): number {
  const text = line.trim();
  const port = Number(text);
  if (!/^\d+$/.test(text) || port < 1 || port > 65535) {
    throw new Error(`expected the Go language host to print its port first, got ${JSON.stringify(line)}`);
  }
  return port;
}

/** Starts `binary args...`, resolves once it has printed its port; its later stdout goes to `output`. */
export function startGoHost(binary: string, args: readonly string[], output: NodeJS.WritableStream): Promise<GoHost> {
  const child = spawn(binary, args, { stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((resolve, reject) => {
    let buffered = "";
    const fail = (error: Error) => {
      child.kill("SIGKILL");
      reject(error);
    };
    const onData = (chunk: Buffer) => {
      buffered += chunk.toString();
      const newline = buffered.indexOf("\n");
      if (newline < 0) return;
      child.stdout?.off("data", onData);
      child.off("exit", onEarlyExit);
      try {
        const port = portFromLine(buffered.slice(0, newline));
        output.write(buffered.slice(newline + 1));
        child.stdout?.pipe(output, { end: false });
        resolve({ address: `127.0.0.1:${port}`, child });
      } catch (error) {
        fail(error as Error);
      }
    };
    const onEarlyExit = (code: number | null, signal: string | null) =>
      reject(new Error(`the Go language host ${binary} exited (${signal ?? `code ${code}`}) before printing its port`));
    child.stdout?.on("data", onData);
    child.on("exit", onEarlyExit);
    child.on("error", (error) => reject(new Error(`cannot start the Go language host ${binary}: ${error.message}`)));
  });
}
