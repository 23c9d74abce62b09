/** The channels a configuration names, with their secrets already read (from the environment or files). */
export type ChannelSettings =
  | { name: string; type: 'log' }
  | { name: string; type: 'slack' | 'teams'; url: string; timeoutMs: number }
  | { name: string; type: 'webhook'; url: string; secret: string; timeoutMs: number }
  | {
      name: string;
      type: 'email';
      smtp: {
        host: string;
        port: number;
        /** TLS from the first byte (port 465); otherwise STARTTLS as `starttls` says. */
        tls: boolean;
        /** `required`: refuse a server without STARTTLS; `opportunistic`: use it when offered; `never`. */
        starttls: 'required' | 'opportunistic' | 'never';
        user: string | undefined;
        password: string | undefined;
        /** PEM certificates to trust besides the system's (a private CA). */
        ca: string | undefined;
        timeoutMs: number;
      };
      from: string;
      replyTo: string | undefined;
    };

/** Where a person is reached: an e-mail address, a Slack member id. */
export interface PersonAddresses {
  email?: string | undefined;
  slack?: string | undefined;
}

/** Everything about notifications a process needs, read once at start-up. */
export interface NotificationSettings {
  channels: ChannelSettings[];
  people: Readonly<Record<string, PersonAddresses>>;
  /** `server.publicUrl`: messages link there. */
  publicUrl: string | undefined;
  /** How failed deliveries are tried again, and how often a server looks at the outbox. */
  backoff: { baseMs: number; capMs: number; maxAttempts: number };
  intervalMs: number;
  /** How long a claim on a notification lasts: longer than any channel's timeout. */
  claimMs?: number;
}
