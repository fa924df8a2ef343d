import { prisma } from "../../db.ts";
import { builder } from "../builder.ts";
import { pageSize } from "./paging.ts";

export const AuditEntryRef = builder.prismaObject("AuditEntry", {
  description: "Who changed what, and when.",
  fields: (t) => ({
    id: t.exposeID("id"),
    actor: t.exposeString("actor"),
    action: t.exposeString("action"),
    target: t.exposeString("target", { nullable: true }),
    before: t.string({ nullable: true, resolve: (e) => (e.before === null ? null : JSON.stringify(e.before)) }),
    after: t.string({ nullable: true, resolve: (e) => (e.after === null ? null : JSON.stringify(e.after)) }),
    at: t.expose("at", { type: "DateTime" }),
  }),
});

builder.queryField("auditEntries", (t) =>
  t.field({
    type: [AuditEntryRef],
    description: "The audit log, newest first.",
    args: { first: t.arg.int({ required: false, defaultValue: 50 }) },
    resolve: (_root, args) =>
      prisma.auditEntry.findMany({ orderBy: { at: "desc" }, take: pageSize(args.first, 50, 500) }),
  }),
);
