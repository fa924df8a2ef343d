/**
 * A database problem the operator must fix. Its message is one line saying what is wrong and what
 * to do; start-up prints it and exits non-zero.
 */
export class DatabaseSetupError extends Error {
  override readonly name = "DatabaseSetupError";
}

/** Turns a driver error into one actionable line, hiding credentials from the URL. */
export function describeConnectionError(error: unknown, databaseUrl: string): DatabaseSetupError {
  const where = redactUrl(databaseUrl);
  const code = typeof error === "object" && error !== null && "code" in error ? String(error.code) : "";
  const message = error instanceof Error ? error.message : String(error);
  switch (code) {
    case "ECONNREFUSED":
    case "ENOTFOUND":
    case "EHOSTUNREACH":
    case "ETIMEDOUT":
      return new DatabaseSetupError(
        `Cannot reach PostgreSQL at ${where} (${code}): start the server or fix DATABASE_URL.`,
      );
    case "3D000":
      return new DatabaseSetupError(
        `PostgreSQL database in ${where} does not exist: create it (createdb) or fix DATABASE_URL.`,
      );
    case "28P01":
    case "28000":
      return new DatabaseSetupError(`PostgreSQL refused the credentials in ${where}: fix DATABASE_URL.`);
    default:
      return new DatabaseSetupError(`Cannot use PostgreSQL at ${where}: ${message.split("\n")[0]}`);
  }
}

export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(unparseable DATABASE_URL)";
  }
}
