import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface Received {
  headers: IncomingHttpHeaders;
  raw: string;
  body: unknown;
}

/** How a receiver answers one request: a status (2xx accepts) and headers, or never (`hang`). */
export interface Answer {
  status: number;
  headers?: Record<string, string>;
  /** Holds the request open and never answers it: the sender's deadline decides, not a race with it. */
  hang?: boolean;
  body?: string;
}

export interface HttpReceiver {
  url: string;
  /** Requests it accepted (a 2xx answer), in order. */
  accepted: Received[];
  /** Every request, accepted or not. */
  all: Received[];
  /** How the next requests are answered; the default accepts with `accept`. */
  answer: (next: (request: Received) => Answer) => void;
  stop(): Promise<void>;
}

/** An HTTP endpoint on loopback that records what is POSTed to it: a Slack, Teams or webhook receiver. */
export async function httpReceiver(accept: Answer = { status: 200, body: 'ok' }): Promise<HttpReceiver> {
  const accepted: Received[] = [];
  const all: Received[] = [];
  let decide: (request: Received) => Answer = () => accept;
  const server = createServer((req, res: ServerResponse) => {
    let raw = '';
    req.setEncoding('utf8').on('data', (chunk: string) => (raw += chunk));
    req.on('end', () => {
      const received: Received = { headers: req.headers, raw, body: parseJson(raw) };
      all.push(received);
      const answer = decide(received);
      const reply = () => {
        if (res.destroyed) return;
        if (answer.status < 300) accepted.push(received);
        res.writeHead(answer.status, answer.headers).end(answer.body ?? '');
      };
      if (!answer.hang) reply();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/T000/B000/secretpath`,
    accepted,
    all,
    answer: (next) => (decide = next),
    stop: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

const parseJson = (raw: string): unknown => {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
};

export interface SmtpReceiver {
  port: number;
  /** Messages accepted, parsed, with the envelope's recipients. */
  messages: (ParsedMail & { envelopeTo: string[] })[];
  /** Refuse the next messages with this SMTP reply code (undefined: accept). */
  refuse: (code: number | undefined) => void;
  stop(): Promise<void>;
}

/** A real SMTP server on loopback (smtp-server), with STARTTLS when given a certificate. */
export async function smtpReceiver(
  tls?: { key: string; cert: string },
  login?: { user: string; pass: string },
): Promise<SmtpReceiver> {
  const messages: SmtpReceiver['messages'] = [];
  let refusal: number | undefined;
  const server = new SMTPServer({
    authOptional: true,
    ...(tls ? { key: tls.key, cert: tls.cert } : { disabledCommands: ['STARTTLS'] }),
    logger: false,
    onAuth(auth, _session, callback) {
      if (login && auth.username === login.user && auth.password === login.pass)
        return callback(null, { user: auth.username });
      callback(new Error('invalid login'));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        if (refusal !== undefined) {
          const error = Object.assign(new Error('mailbox unavailable'), { responseCode: refusal });
          return callback(error);
        }
        const envelopeTo = session.envelope.rcptTo.map((r) => r.address);
        simpleParser(Buffer.concat(chunks))
          .then((mail) => {
            messages.push(Object.assign(mail, { envelopeTo }));
            callback();
          })
          .catch((e: Error) => callback(e));
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    port,
    messages,
    refuse: (code) => (refusal = code),
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
