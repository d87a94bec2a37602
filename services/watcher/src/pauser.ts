import { Contract, Interface, type Wallet } from "ethers";
import type { Logger } from "pino";
import { Breach, pauseReason } from "./breach";
import type { Region } from "./config";
import type { WatcherMetrics } from "./metrics";
import type { StateStore } from "./store";

export const GUARDIAN_ABI = [
  "function pause(string reason)",
  "function paused() view returns (bool)",
  "function agents() view returns (address)",
  "event Paused(address indexed agent, address indexed dsp, string reason)",
  "event Unpaused()",
  "error NotAnAgent(address caller)",
  "error AlreadyPaused()",
  "error ReasonRequired()",
  // Anti-griefing: the DSP whose pause was just lifted may not pause again until `until`; the watcher keeps
  // retrying with backoff (the other regions' watchers can pause at once).
  "error InCooldown(address dsp, uint256 until)",
];
const guardianInterface = new Interface(GUARDIAN_ABI);

/** Retry delays of a failed pause: doubling from 1 s to at most 30 s, forever (until paused or stopped). */
export function backoffMs(attempt: number, baseMs = 1000, maxMs = 30_000): number {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
}

/** The revert name of a failed call, when the Guardian's ABI knows it. */
export function revertName(error: unknown): string | undefined {
  const data = (error as { data?: string; info?: { error?: { data?: string } } }).data ?? (error as { info?: { error?: { data?: unknown } } }).info?.error?.data;
  if (typeof data !== "string" || !data.startsWith("0x")) return undefined;
  try {
    return guardianInterface.parseError(data)?.name;
  } catch {
    return undefined;
  }
}

export interface PauseStatus {
  paused: boolean | undefined;
  state: "idle" | "pausing" | "paused-by-us" | "already-paused" | "stopped";
  lastBreach?: Breach & { reason: string; foundAt: string };
  pauseTx?: string;
  attempts: number;
  lastError?: string;
}

/**
 * What a read of Guardian.paused() that began at `readAt` (ms) tells, or undefined when it tells nothing: a read
 * begun before our pause settled (at `settledAt`) may still show the old state. Unpaused after a settled pause (by
 * the Board's critical transaction) means the next breach pauses again.
 */
export function afterPausedRead(
  status: Pick<PauseStatus, "state" | "paused">,
  read: { paused: boolean; readAt: number },
  settledAt: number,
): Pick<PauseStatus, "state" | "paused"> | undefined {
  if (read.readAt <= settledAt) return undefined;
  const settled = status.state === "paused-by-us" || status.state === "already-paused";
  return { paused: read.paused, state: !read.paused && settled ? "idle" : status.state };
}

/**
 * Calls Guardian.pause(reason) for the first breach while the federation is not paused; once per breach, never
 * when already paused, retrying a failed call with backoff. Breaches found while a pause is under way or already
 * in force are recorded (log, status, metric) but send nothing.
 */
export class Pauser {
  readonly status: PauseStatus = { paused: undefined, state: "idle", attempts: 0 };
  private readonly guardian: Contract;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private running: Promise<void> | undefined;
  private settledAt = 0;

  constructor(
    private readonly region: Region,
    guardianAddress: string,
    wallet: Wallet,
    private readonly store: StateStore,
    private readonly logger: Logger,
    private readonly metrics: WatcherMetrics,
    private readonly baseDelayMs = 1000,
  ) {
    this.guardian = new Contract(guardianAddress, GUARDIAN_ABI, wallet);
    const pending = store.get().pendingPause;
    if (pending) this.schedule(0, pending.reason, Date.now());
  }

  /** A detector found a breach. Returns false when it was handled before (restart, replay). */
  breach(b: Breach): boolean {
    if (this.store.isHandled(b.key)) return false;
    const reason = pauseReason(this.region, b);
    this.metrics.breaches.inc({ detector: b.detector });
    this.status.lastBreach = { ...b, reason, foundAt: new Date().toISOString() };
    this.logger.error({ detector: b.detector, object: b.object, what: b.what, key: b.key }, "breach");
    const busy = this.status.state === "pausing" || this.store.get().pendingPause !== undefined;
    this.store.update((s) => {
      s.handled.push({ key: b.key, at: Date.now() });
      if (!busy) s.pendingPause = { key: b.key, reason };
    });
    if (!busy) this.schedule(0, reason, Date.now());
    else this.logger.warn({ key: b.key }, "a pause is already under way; this breach is recorded only");
    return true;
  }

  /** The Guardian's state as read by a chain poll that began at `readAt` (ms). */
  observePaused(paused: boolean, readAt: number): void {
    const next = afterPausedRead(this.status, { paused, readAt }, this.settledAt);
    if (!next) return;
    Object.assign(this.status, next);
    this.metrics.paused.set(paused ? 1 : 0);
  }

  private schedule(delayMs: number, reason: string, foundAt: number): void {
    if (this.stopped) return;
    this.status.state = "pausing";
    this.timer = setTimeout(() => {
      this.running = this.attempt(reason, foundAt).finally(() => (this.running = undefined));
    }, delayMs);
  }

  private async attempt(reason: string, foundAt: number): Promise<void> {
    this.status.attempts++;
    try {
      if ((await this.guardian.paused()) === true) return this.done("already-paused", undefined);
      const tx = await this.guardian.pause(reason);
      this.logger.warn({ tx: tx.hash, reason }, "pause sent");
      const receipt = await tx.wait();
      if (receipt?.status !== 1) throw new Error(`pause transaction ${tx.hash} failed`);
      this.metrics.detectionSeconds.observe((Date.now() - foundAt) / 1000);
      this.done("paused-by-us", tx.hash as string);
    } catch (error) {
      const name = revertName(error);
      if (name === "AlreadyPaused") return this.done("already-paused", undefined);
      this.metrics.chainErrors.inc();
      this.metrics.pauses.inc({ outcome: "failed" });
      const delay = backoffMs(this.status.attempts, this.baseDelayMs);
      this.status.lastError = name ?? (error as Error).message.split("\n")[0].slice(0, 300);
      this.logger.error({ err: this.status.lastError, retryInMs: delay, attempt: this.status.attempts }, "pause failed; retrying");
      this.schedule(delay, reason, foundAt);
    }
  }

  private done(state: "paused-by-us" | "already-paused", tx: string | undefined): void {
    this.metrics.pauses.inc({ outcome: state });
    this.status.state = state;
    this.settledAt = Date.now();
    this.status.paused = true;
    this.status.attempts = 0;
    if (tx) this.status.pauseTx = tx;
    this.logger.warn({ state, tx }, state === "paused-by-us" ? "federation paused" : "federation already paused; no transaction sent");
    this.store.update((s) => delete s.pendingPause);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    if (this.status.state === "pausing") this.status.state = "stopped";
    await this.running;
  }
}
