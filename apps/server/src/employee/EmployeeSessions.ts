import { randomBytes } from "node:crypto";
import { hashToken } from "@enrollwatch/sync";
import { prisma } from "../db.ts";

export const EMPLOYEE_COOKIE = "ew_employee";
/** Short on purpose: an employee fixes a device in minutes, and a new e-mail brings a new link. */
export const EMPLOYEE_SESSION_TTL_MS = 60 * 60_000;

export interface EmployeeViewer {
  employeeId: string;
  sessionId: string;
}

export async function createEmployeeSession(employeeId: string, now: Date): Promise<string> {
  const token = randomBytes(32).toString("base64url");
  await prisma.employeeSession.create({
    data: {
      employeeId,
      tokenHash: hashToken(token),
      createdAt: now,
      expiresAt: new Date(now.getTime() + EMPLOYEE_SESSION_TTL_MS),
    },
  });
  return token;
}

export function sessionCookie(token: string, secure: boolean): string {
  return `${EMPLOYEE_COOKIE}=${token}; Path=/employee; HttpOnly; SameSite=Strict; Max-Age=${EMPLOYEE_SESSION_TTL_MS / 1000}${secure ? "; Secure" : ""}`;
}

export function clearedCookie(): string {
  return `${EMPLOYEE_COOKIE}=; Path=/employee; HttpOnly; SameSite=Strict; Max-Age=0`;
}

/** The employee behind the session cookie, or null when it is missing, unknown or expired. */
export async function authenticateEmployee(cookieHeader: string | null | undefined): Promise<EmployeeViewer | null> {
  const token = parseCookies(cookieHeader ?? "").get(EMPLOYEE_COOKIE);
  if (!token || !/^[A-Za-z0-9_-]{20,100}$/.test(token)) return null;
  const session = await prisma.employeeSession.findUnique({ where: { tokenHash: hashToken(token) } });
  if (!session || session.expiresAt <= new Date()) return null;
  return { employeeId: session.employeeId, sessionId: session.id };
}

function parseCookies(header: string): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const part of header.split(";")) {
    const index = part.indexOf("=");
    if (index > 0) cookies.set(part.slice(0, index).trim(), part.slice(index + 1).trim());
  }
  return cookies;
}
