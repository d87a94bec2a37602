import { PassThrough } from "node:stream";
import { portFromLine, startGoHost } from "./go-host";

describe("portFromLine", () => {
  it.each([["4242", 4242], [" 50051 \r", 50051], ["65535", 65535]])("reads %j as port %d", (line, port) => {
    expect(portFromLine(line)).toBe(port);
  });

  it.each(["", "0", "65536", "127.0.0.1:4242", "panic: runtime error", "42a"])("refuses %j and quotes it", (line) => {
    expect(() => portFromLine(line)).toThrow(`expected the Go language host to print its port first, got ${JSON.stringify(line)}`);
  });
});

describe("startGoHost (a real child process)", () => {
  function captured(): { stream: PassThrough; text: () => string } {
    const stream = new PassThrough();
    let text = "";
    stream.on("data", (chunk: Buffer) => (text += chunk.toString()));
    return { stream, text: () => text };
  }

  it("passes the arguments, reads the port, and forwards what the child prints afterwards", async () => {
    const output = captured();
    const host = await startGoHost("/bin/sh", ["-c", 'echo 4242; echo "engine $0"', "127.0.0.1:9"], output.stream);
    expect(host.address).toBe("127.0.0.1:4242");
    await new Promise((resolve) => host.child.on("close", resolve));
    expect(output.text()).toBe("engine 127.0.0.1:9\n");
  });

  it("says so when the child exits before printing a port", async () => {
    await expect(startGoHost("/bin/sh", ["-c", "exit 3"], captured().stream)).rejects.toThrow(
      "the Go language host /bin/sh exited (code 3) before printing its port",
    );
  });

  it("kills a child whose first line is not a port", async () => {
    const message = await startGoHost("/bin/sh", ["-c", "echo $$ not-a-port; exec sleep 30"], captured().stream).then(
      () => "started",
      (error: Error) => error.message,
    );
    expect(message).toMatch(/got "\d+ not-a-port/);
    const pid = Number(/"(\d+) /.exec(message)?.[1]);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(() => process.kill(pid, 0)).toThrow(/ESRCH/);
  });

  it("says so when the binary cannot be started", async () => {
    await expect(startGoHost("/nonexistent/pulumi-language-nodejs-go", [], captured().stream)).rejects.toThrow(
      /cannot start the Go language host \/nonexistent\/pulumi-language-nodejs-go: spawn .* ENOENT/,
    );
  });
});
