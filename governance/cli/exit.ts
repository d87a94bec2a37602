/** The CLI's exit codes (documented in governance/README.md) and the mapping of errors onto them. Pure. */
export const EXIT = {
  ok: 0,
  /** Anything unforeseen (a bug, the engine failing): the message says what. */
  failed: 1,
  badInput: 2,
  refused: 3,
  chainUnreachable: 4,
} as const;

/** Which exit code an error means, by its class name (the modules that define them load lazily). */
export function exitCodeOf(err: unknown): number {
  const name = (err as { name?: string } | null)?.name;
  if (name === "GateRefusal") return (err as { kind?: string }).kind === "chain" ? EXIT.chainUnreachable : EXIT.refused;
  if (name === "ChainError") return EXIT.chainUnreachable;
  if (name === "BundleError" || name === "InputError") return EXIT.badInput;
  return EXIT.failed;
}

/** Bad input the user fixes (a missing file, a malformed key, an unknown stack). */
export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InputError";
  }
}
