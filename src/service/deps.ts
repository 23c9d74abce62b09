import type { NotificationRouting } from '../domain/notification-routes.js';
import type { ProcessSettings } from '../domain/settings.js';
import type {
  ClusterCatalog,
  ClusterDoctor,
  ClusterInventory,
  Clock,
  ExceptionStore,
  ManifestLinter,
  Target,
} from './ports.js';

/** What every use case runs against; built once by the composition root. */
export interface ServiceDeps {
  store: ExceptionStore;
  target: Target;
  /** Who hears of which event, on which channel: the outbox is filled from it. */
  notifications: NotificationRouting;
  clock: Clock;
  settings: ProcessSettings;
  /** This process among replicas sharing the database: the holder of leases. */
  instance: string;
  /** With a cluster configured: requests are checked against what it has. */
  catalog?: ClusterCatalog | undefined;
  /** With a cluster configured: what it runs, for `covers`. */
  inventory?: ClusterInventory | undefined;
  /** With a cluster configured: `waiver doctor`'s checks. */
  doctor?: ClusterDoctor | undefined;
  /** Where untrusted manifests are linted; in-process when absent. */
  linter?: ManifestLinter | undefined;
}
