/** Worker-thread side of WorkerLog: runs the update log's writes, one command at a time. */
import { parentPort, workerData } from "node:worker_threads";
import { UpdateLog } from "./updateLog";
import type { LogCommand, LogReply } from "./workerLog";

const log = UpdateLog.open((workerData as { path: string }).path);

parentPort?.on("message", (command: LogCommand) => {
  const reply: LogReply = { id: command.id };
  try {
    if (command.op === "append") log.append(command.batch);
    else log.close();
  } catch (error) {
    reply.error = (error as Error).message;
  }
  parentPort?.postMessage(reply);
});
