// Owns the one safe way to name a failure in a log line, a dead-letter file or a CLI message: the error's code
// (a driver's SQLSTATE or SQLITE_*, a system call's ECONNREFUSED) or else its class name, never its message, which
// can quote what a caller sent (a number, a text) or a connection string.
export function errorReason(err: unknown): string {
  const e = err as { code?: unknown; name?: unknown } | null | undefined;
  if (typeof e?.code === 'string') return e.code;
  return typeof e?.name === 'string' ? e.name : 'unknown error';
}
