// Owns telling a store failure that will pass (the database is down, busy, locked, unreachable: retry later) from
// one that never will (the database refuses this data: retrying it for ever would hold back everything behind
// it). Decided from the driver's code only, never its message (which can quote values).
//   PostgreSQL SQLSTATE classes 22 (data exception), 23 (integrity constraint) and 54 (program limit exceeded);
//   SQLite's CONSTRAINT, TOOBIG, MISMATCH and RANGE; a batch whose shape the store cannot read at all (a TypeError
//   from a hand-edited spool line). Anything else — connection errors, timeouts, 08xxx, 57Pxx, SQLITE_BUSY,
//   LOCKED, IOERR, FULL — passes.
export function isPermanentStoreError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string') {
    if (code.startsWith('SQLITE_')) return /^SQLITE_(CONSTRAINT|TOOBIG|MISMATCH|RANGE)/.test(code);
    if (/^[0-9A-Z]{5}$/.test(code)) return /^(22|23|54)/.test(code);
    return false;
  }
  return err instanceof TypeError || err instanceof RangeError;
}
