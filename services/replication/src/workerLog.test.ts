import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { UpdateLog } from "./updateLog";
import { packRows, WorkerLog } from "./workerLog";

/** Envelopes as they arrive: short views into one large peer frame. */
function framed(): Uint8Array[] {
  const frame = new Uint8Array(1 << 20).map((_, i) => i % 251);
  return [frame.subarray(10, 410), frame.subarray(5000, 5100), frame.subarray(900_000, 900_300)];
}

describe("the update log on its commit worker", () => {
  test("rows go to the worker in one buffer of their own bytes, not the frames they view", () => {
    const envelopes = framed();
    const { rows, buffer } = packRows(envelopes.map((envelope, shard) => ({ writer: "beta-0", shard, envelope })));
    expect(buffer.byteLength).toBe(400 + 100 + 300);
    rows.forEach((row, i) => {
      expect(row.envelope.buffer).toBe(buffer);
      expect(Buffer.from(row.envelope).equals(Buffer.from(envelopes[i]))).toBe(true);
      expect([row.writer, row.shard]).toEqual(["beta-0", i]);
    });
  });

  test("what the worker commits reads back byte for byte, and the caller's envelopes stay usable", async () => {
    const dir = mkdtempSync(join(tmpdir(), "dsc-worker-pack-"));
    try {
      const path = join(dir, "log.sqlite");
      const log = new WorkerLog(path);
      log.claimOwner("alpha-0");
      const envelopes = framed();
      await log.append({ rows: envelopes.map((envelope, i) => ({ writer: "beta-0", shard: i, envelope })) });
      expect(envelopes[0].byteLength).toBe(400); // not detached by the hand-over
      await log.close();
      const reader = new UpdateLog(new Database(path));
      envelopes.forEach((envelope, shard) => expect(reader.envelopes("beta-0", shard).map((b) => Buffer.from(b).toString("hex"))).toEqual([Buffer.from(envelope).toString("hex")]));
      reader.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
