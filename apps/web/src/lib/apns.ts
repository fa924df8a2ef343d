const DAY_MS = 86_400_000;
export const APNS_WARN_DAYS = 30;

/** Whether (and how) to warn about the APNs certificate: within 30 days of expiry, or past it. */
export function apnsWarning(
  expiresAt: string | null | undefined,
  now: number,
): { expired: boolean; days: number } | null {
  if (!expiresAt) return null;
  const at = Date.parse(expiresAt);
  if (Number.isNaN(at)) return null;
  const days = Math.ceil((at - now) / DAY_MS);
  if (at <= now) return { expired: true, days: Math.floor((now - at) / DAY_MS) };
  return days <= APNS_WARN_DAYS ? { expired: false, days } : null;
}
