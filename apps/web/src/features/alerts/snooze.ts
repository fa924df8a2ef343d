/** The snooze choices of the triage queue, and the instant each one means. */
export type SnoozeChoice = { kind: "days"; days: number } | { kind: "date"; date: string };

export const SNOOZE_PRESETS = [1, 3, 7] as const;

const DAY_MS = 86_400_000;
/** The server refuses longer snoozes (AlertTriage): past a year the rule should be switched off. */
export const MAX_SNOOZE_MS = 365 * DAY_MS;
/** A date means the start of that working day, local time: the alert is back when people are. */
export const SNOOZE_DATE_HOUR = 9;

export type SnoozeUntil = { ok: true; until: Date } | { ok: false; message: string };

export function snoozeUntil(choice: SnoozeChoice, now: Date): SnoozeUntil {
  let until: Date;
  if (choice.kind === "days") {
    until = new Date(now.getTime() + choice.days * DAY_MS);
  } else {
    const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(choice.date);
    if (!match) return { ok: false, message: "Choose a date." };
    until = new Date(Number(match[1]), Number(match[2]) - 1, Number(match[3]), SNOOZE_DATE_HOUR);
    if (Number.isNaN(until.getTime())) return { ok: false, message: "Choose a date." };
  }
  if (until.getTime() <= now.getTime()) return { ok: false, message: "The date must be in the future." };
  if (until.getTime() - now.getTime() > MAX_SNOOZE_MS) {
    return { ok: false, message: "Snooze for at most a year; disable the rule instead." };
  }
  return { ok: true, until };
}

/** yyyy-mm-dd in local time, for a date input's min and max. */
export function localDate(d: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}
