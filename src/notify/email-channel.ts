import type { Transporter } from 'nodemailer';
import { messageOf } from '../domain/errors.js';
import type { ChannelSettings } from '../domain/notification-channels.js';
import type { StoredNotification } from '../domain/notification-delivery.js';
import { DeliveryError, type Channel } from './channel.js';
import { escapeHtml } from './escape.js';
import { composeMessage, type Message, type MessageContext } from './message.js';
import { emailOf, type People } from './people.js';

/** How the SMTP server is reached (`notifications.channels.<name>` of type email). */
export type SmtpSettings = Extract<ChannelSettings, { type: 'email' }>['smtp'];

export interface EmailOptions {
  name: string;
  smtp: SmtpSettings;
  from: string;
  replyTo: string | undefined;
  people: People;
  context: MessageContext;
}

/** E-mail over SMTP (nodemailer, loaded when the first message goes): a plain-text and an HTML part. */
export function emailChannel(options: EmailOptions): Channel {
  let transport: Promise<Transporter> | undefined;
  const open = () => (transport ??= createTransport(options.smtp));
  return {
    name: options.name,
    kind: 'email',
    async deliver(n: StoredNotification): Promise<void> {
      const message = composeMessage(n, options.context);
      const to = [...new Set(message.recipients.flatMap((id) => emailOf(options.people, id) ?? []))];
      if (to.length === 0)
        throw new DeliveryError(
          `no e-mail address for ${message.recipients.join(', ') || 'anyone'} (add people.<identity>.email, or notifications.groups)`,
          undefined,
          true,
        );
      try {
        await (
          await open()
        ).sendMail({
          from: options.from,
          ...(options.replyTo ? { replyTo: options.replyTo } : {}),
          to,
          subject: `[Waiver] ${message.title}`.replace(/[\r\n]+/g, ' '),
          text: emailText(message),
          html: emailHtml(message),
          headers: { 'X-Waiver-Notification': n.key },
        });
      } catch (e) {
        const code = (e as { responseCode?: unknown }).responseCode;
        throw new DeliveryError(
          `${options.smtp.host}:${options.smtp.port}: ${typeof code === 'number' ? `${code} ` : ''}${messageOf(e)}`,
        );
      }
    },
    async close() {
      if (transport) (await transport).close();
    },
  };
}

async function createTransport(smtp: SmtpSettings): Promise<Transporter> {
  const nodemailer = (await import('nodemailer')).default;
  return nodemailer.createTransport({
    host: smtp.host,
    port: smtp.port,
    secure: smtp.tls,
    requireTLS: smtp.starttls === 'required',
    ignoreTLS: smtp.starttls === 'never',
    ...(smtp.user ? { auth: { user: smtp.user, pass: smtp.password ?? '' } } : {}),
    ...(smtp.ca ? { tls: { ca: smtp.ca } } : {}),
    connectionTimeout: smtp.timeoutMs,
    greetingTimeout: smtp.timeoutMs,
    socketTimeout: smtp.timeoutMs,
  });
}

export function emailText(m: Message): string {
  const width = Math.max(...m.facts.map((f) => f.label.length), 0);
  return [
    m.title,
    '',
    m.summary,
    '',
    ...m.facts.map((f) => `${f.label.padEnd(width)}  ${f.value}`),
    ...(m.actions.length ? ['', ...m.actions.map((a) => `${a.label}: ${a.command}`)] : []),
    ...(m.link ? ['', m.link] : []),
    '',
    `-- Waiver (${m.event})`,
    '',
  ].join('\n');
}

export function emailHtml(m: Message): string {
  const rows = m.facts
    .map(
      (f) =>
        `<tr><th align="left" valign="top">${escapeHtml(f.label)}</th><td>${escapeHtml(f.value)}</td></tr>`,
    )
    .join('');
  const actions = m.actions
    .map((a) => `<li>${escapeHtml(a.label)}: <code>${escapeHtml(a.command)}</code></li>`)
    .join('');
  return [
    '<!doctype html><html><body>',
    `<h2>${escapeHtml(m.title)}</h2>`,
    `<p>${escapeHtml(m.summary)}</p>`,
    `<table cellpadding="4">${rows}</table>`,
    actions ? `<ul>${actions}</ul>` : '',
    m.link ? `<p><a href="${escapeHtml(m.link)}">Open in Waiver</a></p>` : '',
    `<p style="color:#666">Waiver (${escapeHtml(m.event)})</p>`,
    '</body></html>',
  ].join('');
}
