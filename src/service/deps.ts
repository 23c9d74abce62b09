import type { ProcessSettings } from '../domain/settings.js';
import type { Clock, ExceptionStore, Notifier, Target } from './ports.js';

/** What every use case runs against; built once by the composition root. */
export interface ServiceDeps {
  store: ExceptionStore;
  target: Target;
  notifier: Notifier;
  clock: Clock;
  settings: ProcessSettings;
  /** This process among replicas sharing the database: the holder of leases. */
  instance: string;
}
