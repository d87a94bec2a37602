import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";

/**
 * What the watcher keeps across restarts, in one JSON file in its state folder: the chain cursor (last block
 * judged and its hash, to notice a reorg), the cluster baseline (the federation objects as last seen), the breaches
 * already handled (never paused for twice) and a pause still to send.
 */
const stateSchema = z.object({
  version: z.literal(1),
  // start: the block the watcher first judged from; a reorg rewind never goes before it.
  chain: z.object({ block: z.number().int().nonnegative(), hash: z.string(), start: z.number().int().nonnegative() }).optional(),
  cluster: z.object({ savedAt: z.number(), objects: z.record(z.string(), z.any()) }).optional(),
  handled: z.array(z.object({ key: z.string(), at: z.number() })).default([]),
  pendingPause: z.object({ key: z.string(), reason: z.string() }).optional(),
});
export type WatcherState = z.output<typeof stateSchema>;

/** Handled breach keys are kept this long (a restart older than that replays nothing anyway: the cursor moved on). */
const HANDLED_RETENTION_MS = 30 * 24 * 3600 * 1000;
const FILE = "watcher-state.json";

export class StateStore {
  private state: WatcherState;
  private readonly file: string;

  constructor(dir: string) {
    mkdirSync(dir, { recursive: true });
    this.file = join(dir, FILE);
    this.state = existsSync(this.file) ? StateStore.read(this.file) : { version: 1, handled: [] };
  }

  private static read(file: string): WatcherState {
    const parsed = stateSchema.safeParse(JSON.parse(readFileSync(file, "utf8")));
    if (!parsed.success) throw new Error(`state file ${file} is not a watcher state (${parsed.error.issues[0]?.message}); move it away to start afresh from the chain head`);
    return parsed.data;
  }

  get(): Readonly<WatcherState> {
    return this.state;
  }

  isHandled(key: string): boolean {
    return this.state.handled.some((h) => h.key === key);
  }

  update(change: (s: WatcherState) => void): void {
    change(this.state);
    const cutoff = Date.now() - HANDLED_RETENTION_MS;
    this.state.handled = this.state.handled.filter((h) => h.at >= cutoff);
    // Write then rename: a crash leaves the old state or the new one, never half of one.
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.state));
    renameSync(tmp, this.file);
  }
}
