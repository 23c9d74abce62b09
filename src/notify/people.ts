import type { PersonAddresses } from '../domain/notification-channels.js';

/** Where each person is reached (`people:` in the configuration), by identity. */
export type People = Readonly<Record<string, PersonAddresses>>;

const EMAIL = /^[^\s@<>()",;:]+@[^\s@<>()",;:]+\.[^\s@<>()",;:]+$/;

/** An identity that is an e-mail address needs no entry. */
export const emailOf = (people: People, identity: string): string | undefined =>
  people[identity]?.email ?? (EMAIL.test(identity) ? identity : undefined);

export const slackIdOf = (people: People, identity: string): string | undefined => people[identity]?.slack;

export const isEmailAddress = (text: string): boolean => EMAIL.test(text);
