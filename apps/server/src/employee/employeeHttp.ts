import type { IncomingMessage, ServerResponse } from "node:http";
import { redeemEmployeeLink } from "@enrollwatch/sync";
import { useCSRFPrevention } from "@graphql-yoga/plugin-csrf-prevention";
import { useDisableIntrospection } from "@graphql-yoga/plugin-disable-introspection";
import { createYoga, type Plugin, type YogaServerInstance } from "graphql-yoga";
import { prisma } from "../db.ts";
import { armor, CSRF_HEADER, MAX_REQUEST_BYTES } from "../http/createYogaServer.ts";
import type { Logger } from "../logger.ts";
import {
  authenticateEmployee,
  clearedCookie,
  createEmployeeSession,
  type EmployeeViewer,
  sessionCookie,
} from "./EmployeeSessions.ts";
import { type EmployeeContext, employeeSchema } from "./employeeSchema.ts";

export const EMPLOYEE_GRAPHQL = "/employee/graphql";

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store", ...headers });
  res.end(JSON.stringify(body));
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > 4096) throw new Error("too large");
    chunks.push(chunk);
  }
  return JSON.parse(Buffer.concat(chunks).toString("utf8"));
}

/**
 * The employee side: sign-in by link (POST /employee/session), sign-out, and the employee's own
 * GraphQL endpoint, authenticated by an HttpOnly, SameSite=Strict session cookie.
 */
export function createEmployeeHttp(options: {
  services: EmployeeContext["services"];
  secureCookies: boolean;
  logger: Logger;
}) {
  const viewers = new WeakMap<Request, EmployeeViewer>();
  const auth: Plugin = {
    async onRequest({ request, endResponse }) {
      if (Number(request.headers.get("content-length") ?? "0") > MAX_REQUEST_BYTES) {
        return endResponse(
          new Response(JSON.stringify({ errors: [{ message: "Request too large." }] }), { status: 413 }),
        );
      }
      const employee = await authenticateEmployee(request.headers.get("cookie")).catch(() => undefined);
      if (employee === undefined) {
        return endResponse(
          new Response(
            JSON.stringify({ errors: [{ message: "The service is temporarily unavailable; try again shortly." }] }),
            {
              status: 503,
              headers: { "content-type": "application/json", "retry-after": "5" },
            },
          ),
        );
      }
      if (!employee) {
        return endResponse(
          new Response(
            JSON.stringify({
              errors: [
                {
                  message: "Your session has ended. Open the link in your latest e-mail again.",
                  extensions: { code: "UNAUTHENTICATED" },
                },
              ],
            }),
            { status: 401, headers: { "content-type": "application/json" } },
          ),
        );
      }
      viewers.set(request, employee);
    },
  };
  const yoga: YogaServerInstance<Record<string, never>, EmployeeContext> = createYoga<
    Record<string, never>,
    EmployeeContext
  >({
    schema: employeeSchema,
    graphqlEndpoint: EMPLOYEE_GRAPHQL,
    graphiql: false,
    landingPage: false,
    maskedErrors: true,
    context: ({ request }) => {
      const employee = viewers.get(request);
      if (!employee) throw new Error("unauthenticated request reached the employee schema");
      return { employee, services: options.services };
    },
    plugins: [auth, useCSRFPrevention({ requestHeaders: [CSRF_HEADER] }), armor(), useDisableIntrospection()],
  });

  async function signIn(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let token: unknown;
    try {
      token = ((await readJson(req)) as { token?: unknown }).token;
    } catch {
      return json(res, 400, { error: "BAD_REQUEST", message: 'Send { "token": "..." } as JSON.' });
    }
    if (typeof token !== "string")
      return json(res, 400, { error: "BAD_REQUEST", message: 'Send { "token": "..." } as JSON.' });
    const now = new Date();
    const redemption = await redeemEmployeeLink(prisma, token, now);
    if (!redemption.ok) {
      // Reopening the e-mail's link within the hour: the link is spent, but its employee is signed
      // in already, so the page goes on to their devices instead of saying the link was used.
      const current = redemption.employeeId ? await authenticateEmployee(req.headers.cookie) : null;
      if (current && current.employeeId === redemption.employeeId) {
        const employee = await prisma.employee.findUniqueOrThrow({ where: { id: current.employeeId } });
        return json(res, 200, { email: employee.email, name: employee.name, session: "EXISTING" });
      }
      options.logger.info({ reason: redemption.reason }, "employee link refused");
      return json(res, 401, { error: redemption.reason, message: redemption.message });
    }
    const employee = await prisma.employee.findUniqueOrThrow({
      where: { id: redemption.employeeId },
      include: { devices: { select: { id: true } } },
    });
    const session = await createEmployeeSession(employee.id, now);
    // The visit shows in each device's timeline and in the audit log.
    await prisma.auditEntry.createMany({
      data: [
        { actor: `employee:${employee.email}`, action: "employee.signIn", target: employee.id, at: now },
        ...employee.devices.map((d) => ({
          actor: `employee:${employee.email}`,
          action: "employee.visit",
          target: d.id,
          at: now,
        })),
      ],
    });
    json(
      res,
      200,
      { email: employee.email, name: employee.name },
      { "set-cookie": sessionCookie(session, options.secureCookies) },
    );
  }

  async function signOut(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const employee = await authenticateEmployee(req.headers.cookie);
    if (employee) await prisma.employeeSession.delete({ where: { id: employee.sessionId } }).catch(() => {});
    json(res, 200, { ok: true }, { "set-cookie": clearedCookie() });
  }

  return {
    yoga,
    /** Handles /employee/* and returns true, or returns false for other paths. */
    async handle(path: string, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
      if (path === EMPLOYEE_GRAPHQL) {
        await yoga(req, res);
        return true;
      }
      if (path === "/employee/session" || path === "/employee/logout") {
        if (req.method !== "POST") {
          json(res, 405, { error: "METHOD_NOT_ALLOWED" }, { allow: "POST" });
          return true;
        }
        // Same CSRF rule as GraphQL: a plain cross-site form post cannot add this header.
        if (!req.headers[CSRF_HEADER]) {
          json(res, 403, { error: "CSRF", message: `Send the ${CSRF_HEADER} header.` });
          return true;
        }
        await (path === "/employee/session" ? signIn(req, res) : signOut(req, res));
        return true;
      }
      return false;
    },
  };
}
