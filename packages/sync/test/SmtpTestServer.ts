import { once } from "node:events";
import type { AddressInfo } from "node:net";
import nodemailer from "nodemailer";
import { SMTPServer } from "smtp-server";

export interface ReceivedMail {
  to: string[];
  raw: string;
}

/** A real SMTP server on an ephemeral port that keeps what it receives. */
export async function startSmtp(options: { rejectFirst?: number } = {}) {
  const received: ReceivedMail[] = [];
  let toReject = options.rejectFirst ?? 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    onData(stream, session, callback) {
      let raw = "";
      stream.on("data", (chunk: Buffer) => {
        raw += chunk.toString("utf8");
      });
      stream.on("end", () => {
        if (toReject > 0) {
          toReject--;
          const error = Object.assign(new Error("mailbox busy, try later"), { responseCode: 451 });
          return callback(error);
        }
        received.push({ to: session.envelope.rcptTo.map((r) => r.address), raw });
        callback();
      });
    },
  });
  server.listen(0, "127.0.0.1");
  await once(server.server, "listening");
  const { port } = server.server.address() as AddressInfo;
  return {
    received,
    port,
    url: `smtp://127.0.0.1:${port}`,
    transport: nodemailer.createTransport({ host: "127.0.0.1", port, secure: false, ignoreTLS: true }),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The sign-in link in a received message (quoted-printable soft breaks undone). */
export function linkIn(mail: ReceivedMail): string | null {
  const text = mail.raw.replace(/=\r?\n/g, "").replace(/=3D/g, "=");
  return /https?:\/\/\S+\/enroll\?token=[A-Za-z0-9_-]+/.exec(text)?.[0] ?? null;
}
