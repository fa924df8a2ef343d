import { forgetVerifiedTokens, hashSecret, newSecret } from "../../auth/ApiTokens.ts";
import { prisma } from "../../db.ts";
import { builder } from "../builder.ts";
import { ApiTokenRoleEnum } from "./enums.ts";
import { ADMIN_ERRORS, ConflictError, FieldError, NotFoundError, requireAdmin, ValidationError } from "./errors.ts";
import { isUuid } from "./SyncRun.ts";

const ApiTokenRef = builder.prismaObject("ApiToken", {
  description: "An API token. Its secret is shown once, when it is created, and never stored in clear.",
  fields: (t) => ({
    id: t.exposeID("id"),
    name: t.exposeString("name"),
    role: t.field({ type: ApiTokenRoleEnum, resolve: (token) => token.role }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    lastUsedAt: t.expose("lastUsedAt", { type: "DateTime", nullable: true }),
    revokedAt: t.expose("revokedAt", { type: "DateTime", nullable: true }),
  }),
});

interface CreatedToken {
  token: { id: string };
  secret: string;
}

const CreatedApiTokenRef = builder.objectRef<CreatedToken>("CreatedApiToken").implement({
  fields: (t) => ({
    token: t.prismaField({
      type: "ApiToken",
      resolve: (query, created) => prisma.apiToken.findUniqueOrThrow({ ...query, where: { id: created.token.id } }),
    }),
    secret: t.exposeString("secret", { description: "Use as `Authorization: Bearer <secret>`. Shown only now." }),
  }),
});

builder.queryField("apiTokens", (t) =>
  t.field({
    type: [ApiTokenRef],
    errors: { types: [...ADMIN_ERRORS] },
    resolve: (_root, _args, ctx) => {
      requireAdmin(ctx);
      return prisma.apiToken.findMany({ orderBy: { createdAt: "asc" } });
    },
  }),
);

builder.mutationField("createApiToken", (t) =>
  t.field({
    type: CreatedApiTokenRef,
    errors: { types: [...ADMIN_ERRORS, ValidationError] },
    args: { name: t.arg.string({ required: true }), role: t.arg({ type: ApiTokenRoleEnum, required: true }) },
    resolve: async (_root, args, ctx) => {
      const actor = requireAdmin(ctx);
      const name = args.name.trim();
      if (name.length < 1 || name.length > 100) {
        throw new ValidationError("name must be 1 to 100 characters", [
          new FieldError("name", "name must be 1 to 100 characters"),
        ]);
      }
      const secret = newSecret();
      const token = await prisma.$transaction(async (tx) => {
        const created = await tx.apiToken.create({ data: { name, role: args.role, secretHash: hashSecret(secret) } });
        await tx.auditEntry.create({
          data: { actor, action: "apiToken.create", target: created.id, after: { name, role: args.role } },
        });
        return created;
      });
      return { token, secret };
    },
  }),
);

builder.mutationField("revokeApiToken", (t) =>
  t.field({
    type: ApiTokenRef,
    errors: { types: [...ADMIN_ERRORS, NotFoundError, ConflictError] },
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, args, ctx) => {
      const actor = requireAdmin(ctx);
      const id = String(args.id);
      const token = isUuid(id) ? await prisma.apiToken.findUnique({ where: { id } }) : null;
      if (!token) throw new NotFoundError(`No API token ${id}.`);
      if (token.revokedAt) throw new ConflictError(`API token ${token.name} is already revoked.`);
      if (token.id === ctx.viewer?.tokenId) throw new ConflictError("A token cannot revoke itself.");
      const revoked = await prisma.$transaction(async (tx) => {
        const row = await tx.apiToken.update({ where: { id }, data: { revokedAt: new Date() } });
        await tx.auditEntry.create({
          data: { actor, action: "apiToken.revoke", target: id, before: { name: token.name } },
        });
        return row;
      });
      // After the commit: a request in between must not cache the token as still valid.
      forgetVerifiedTokens();
      return revoked;
    },
  }),
);
