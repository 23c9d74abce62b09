/**
 * Whether two identities name one person, for separation of duties. E-mail addresses are compared in
 * any case: identity providers hand out `A.User@Example.com` and `a.user@example.com` for one mailbox.
 * Other names too unless `ignoreCase` is off (a directory whose names differ by case alone).
 */
export function sameIdentity(a: string, b: string, ignoreCase: boolean): boolean {
  if (a === b) return true;
  // Equal once lowered, both hold an @ or neither does: one check says whether they are addresses.
  return (ignoreCase || a.includes('@')) && a.toLowerCase() === b.toLowerCase();
}
