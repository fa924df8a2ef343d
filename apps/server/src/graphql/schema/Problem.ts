import type { Cause, Problem, Remediation } from "@enrollwatch/sync";
import { builder } from "../builder.ts";
import { EnrollmentStatusEnum, RemediationKindEnum } from "./enums.ts";

export const CauseRef = builder.objectRef<Cause>("Cause").implement({
  description: "A possible cause of a problem, from the article.",
  fields: (t) => ({
    code: t.exposeString("code", { description: "Stable reason code, e.g. OSQUERYD_STOPPED." }),
    text: t.exposeString("text"),
    likely: t.boolean({
      description: "True when Fleet's data points at this cause.",
      resolve: (c) => c.likely === true,
    }),
  }),
});

export const RemediationRef = builder.objectRef<Remediation>("Remediation").implement({
  description: "The troubleshooting step that fixes a problem.",
  fields: (t) => ({
    kind: t.field({ type: RemediationKindEnum, resolve: (r) => r.kind }),
    text: t.exposeString("text"),
  }),
});

export const DeviceProblemRef = builder.objectRef<Problem>("DeviceProblem").implement({
  description: "One problem detected on a device: its status, why (causes) and what to do (remediation).",
  fields: (t) => ({
    status: t.field({ type: EnrollmentStatusEnum, resolve: (p) => p.status }),
    causes: t.field({ type: [CauseRef], resolve: (p) => p.causes }),
    remediation: t.field({ type: RemediationRef, resolve: (p) => p.remediation }),
  }),
});

/** Problems are stored as JSON written by the engine; anything else is treated as none. */
export function asProblems(value: unknown): Problem[] {
  return Array.isArray(value) ? (value as Problem[]) : [];
}
