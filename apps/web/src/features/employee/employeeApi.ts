/** The employee side of the API: sign-in by link, then the employee's own GraphQL endpoint. */

const CSRF = { "x-enrollwatch-csrf": "1" };

export interface MyDevice {
  id: string;
  name: string;
  serial: string | null;
  platform: string;
  /** The platform as the employee calls it ("Mac", "iPhone"), not Fleet's id ("darwin", "ios"). */
  platformName: string;
  status: string;
  statusSince: string;
  summary: string;
  steps: string[];
  downloads: { label: string; url: string }[];
}

export interface Me {
  email: string;
  name: string | null;
  devices: MyDevice[];
}

export type SignInResult = { ok: true } | { ok: false; message: string };

export async function signInWithLink(token: string): Promise<SignInResult> {
  const response = await fetch("/employee/session", {
    method: "POST",
    credentials: "same-origin",
    headers: { "content-type": "application/json", ...CSRF },
    body: JSON.stringify({ token }),
  });
  if (response.ok) return { ok: true };
  const body = (await response.json().catch(() => ({}))) as { message?: string };
  return { ok: false, message: body.message ?? "This link cannot be used. Ask your IT team for a new one." };
}

export class SessionEnded extends Error {}

async function employeeGraphQL<T>(query: string, variables?: Record<string, unknown>): Promise<T> {
  const response = await fetch("/employee/graphql", {
    method: "POST",
    credentials: "same-origin",
    headers: { "content-type": "application/json", accept: "application/json", ...CSRF },
    body: JSON.stringify({ query, variables }),
  });
  if (response.status === 401) throw new SessionEnded("Your session has ended.");
  const body = (await response.json()) as { data?: T; errors?: { message: string }[] };
  if (body.errors?.length || !body.data) throw new Error(body.errors?.[0]?.message ?? "Something went wrong.");
  return body.data;
}

const DEVICE_FIELDS = "id name serial platform platformName status statusSince summary steps downloads { label url }";

export async function loadMe(): Promise<Me> {
  return (await employeeGraphQL<{ me: Me }>(`{ me { email name devices { ${DEVICE_FIELDS} } } }`)).me;
}

export interface CheckResult {
  outcome: "CHECKED" | "BUSY" | "RATE_LIMITED";
  message: string;
  device: MyDevice;
}

export async function checkAgain(deviceId: string): Promise<CheckResult> {
  const data = await employeeGraphQL<{ checkAgain: CheckResult }>(
    `mutation($id: ID!) { checkAgain(deviceId: $id) { outcome message device { ${DEVICE_FIELDS} } } }`,
    { id: deviceId },
  );
  return data.checkAgain;
}

export async function signOut(): Promise<void> {
  await fetch("/employee/logout", { method: "POST", credentials: "same-origin", headers: CSRF });
}
