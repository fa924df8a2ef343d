import type { Database, PrismaClient } from "@enrollwatch/db";

/**
 * The process's database, imported by resolvers as a module (the Pothos way) rather than carried in
 * the GraphQL context. Which database it is (PGlite or PostgreSQL) is only known at start-up, so
 * buildApp() installs it and `prisma` forwards to it. One app per process.
 */
let current: Database | undefined;

export function installDatabase(db: Database): void {
  if (current && current !== db) throw new Error("a database is already installed in this process");
  current = db;
}

export function uninstallDatabase(db: Database): void {
  if (current === db) current = undefined;
}

export function database(): Database {
  if (!current) throw new Error("no database installed: buildApp() installs it at start-up");
  return current;
}

export const prisma: PrismaClient = new Proxy({} as PrismaClient, {
  get(_target, key) {
    const client = database().prisma;
    const value: unknown = Reflect.get(client, key);
    return typeof value === "function" ? value.bind(client) : value;
  },
  // Pothos' prisma plugin looks delegates up with `in`.
  has(_target, key) {
    return key in database().prisma;
  },
});
