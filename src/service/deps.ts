import type { NotificationRouting } from '../domain/notification-routes.js';
import type { Redact } from '../domain/redact.js';
import type { ProcessSettings } from '../domain/settings.js';
import type { Clock, ManifestLinter } from './ports/runtime.js';
import type { ExceptionStore } from './ports/store.js';
import type { TargetSet } from './ports/target.js';
import type { SharedViews } from './shared-views.js';

/** What every use case runs against; built once by the composition root. */
export interface ServiceDeps {
  store: ExceptionStore;
  /** The configured targets by name: each record is written to its own, and nowhere else. */
  targets: TargetSet;
  /** Who hears of which event, on which channel: the outbox is filled from it. */
  notifications: NotificationRouting;
  clock: Clock;
  settings: ProcessSettings;
  /** This process among replicas sharing the database: the holder of leases. */
  instance: string;
  /** Where untrusted manifests are linted; in-process when absent. */
  linter?: ManifestLinter | undefined;
  /**
   * Masks the configured secrets and anything that looks like a credential in what targets and channels
   * said (sync errors, older events); patterns only when absent.
   */
  redact?: Redact | undefined;
  /**
   * Who can change this process's configuration, for advice that names the right thing: a command's
   * user (flags and waiver.yaml, the default) or a server's operator (its callers can change nothing).
   */
  configuredBy?: 'command' | 'server' | undefined;
  /** Views of listed records kept between calls, made by the composition root; afresh each call when absent. */
  views?: SharedViews | undefined;
}
