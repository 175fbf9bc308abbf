/**
 * Email through SMTP_URL (nodemailer): transcripts and offline notifications. Sending never
 * blocks chat handling: callers do not wait for it, and a failure is logged and counted
 * (`visitor_chat_emails_total{result="failed"}`), never thrown at them.
 */
import nodemailer from 'nodemailer';
import type { Logger } from './log';

/** One email. */
export interface Mail {
  to: string;
  subject: string;
  text: string;
  /** A text file attached (the transcript). */
  attachment?: { filename: string; content: string };
}

/** Sends mail; see {@link createMailer}. */
export interface Mailer {
  /** Sends `mail` of `kind`; resolves whether the SMTP server took it (never rejects). */
  send(kind: 'transcript' | 'notification', mail: Mail): Promise<boolean>;
  /** Waits for the emails being sent (at most 5 s), then closes the transport. */
  close(): Promise<void>;
}

/** An address a visitor may give (no display name, no spaces, at most 254). */
export const EMAIL_ADDRESS = /^[^\s@<>(),;:"]{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/;

/** A mailer on `url` (`smtp://user:pass@host:port`) sending as `from`. */
export function createMailer(o: {
  url: string;
  from: string;
  log: Logger;
  onSent?: (kind: 'transcript' | 'notification', ok: boolean) => void;
}): Mailer {
  const transport = nodemailer.createTransport(o.url);
  const sending = new Set<Promise<boolean>>();
  async function send(kind: 'transcript' | 'notification', mail: Mail): Promise<boolean> {
    try {
      await transport.sendMail({
        from: o.from,
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
        attachments: mail.attachment
          ? [{ ...mail.attachment, contentType: 'text/plain; charset=utf-8' }]
          : undefined,
      });
      o.onSent?.(kind, true);
      return true;
    } catch (e) {
      o.log.warn(`email (${kind}) to ${mail.to} not sent: ${(e as Error).message}`);
      o.onSent?.(kind, false);
      return false;
    }
  }
  return {
    send(kind, mail) {
      const p = send(kind, mail);
      sending.add(p);
      void p.then(() => sending.delete(p));
      return p;
    },
    async close() {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        Promise.all(sending),
        new Promise((resolve) => (timer = setTimeout(resolve, 5000))),
      ]);
      clearTimeout(timer);
      transport.close();
    },
  };
}
