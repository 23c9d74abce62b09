import { WaiverError } from '../domain/errors.js';
import { parseNamespace } from '../domain/namespace-name.js';
import { categories, states, type Category, type State } from '../domain/exception.js';
import { parseDuration } from '../domain/time.js';
import { listSorts, type ListFilter, type ListSort } from '../service/list-exceptions.js';

/** The inventory's filters as people and URLs give them: text. */
export interface ListFilterText {
  namespace?: string | undefined;
  policy?: string | undefined;
  category?: string | undefined;
  target?: string | undefined;
  /** Text in the name, ticket, requestor or reason. */
  search?: string | undefined;
  /** id (the default), newest or expiry. */
  sort?: string | undefined;
  /** Comma-separated states. */
  state?: string | undefined;
  /** A duration such as 7d. */
  expiringWithin?: string | undefined;
}

/**
 * The one parser of list filters, for the CLI's flags and the API's query alike; `names` says what the
 * caller calls each field, so an error names the flag or the parameter the user typed.
 */
export function parseListFilter(
  text: ListFilterText,
  names: { state: string; expiringWithin: string } = { state: 'state', expiringWithin: 'expiringWithin' },
): ListFilter {
  return {
    namespace: text.namespace ? parseNamespace(text.namespace) : text.namespace,
    policy: text.policy || undefined,
    category: text.category ? parseCategory(text.category) : undefined,
    target: text.target || undefined,
    search: text.search?.trim() || undefined,
    sort: text.sort ? parseSort(text.sort) : undefined,
    states: text.state === undefined ? undefined : parseStates(text.state, names.state),
    expiringWithinMs:
      text.expiringWithin === undefined
        ? undefined
        : parseDuration(text.expiringWithin, names.expiringWithin),
  };
}

/** The filter back as text: what remote mode sends. */
export function listFilterText(filter: ListFilter): ListFilterText {
  return {
    namespace: filter.namespace,
    policy: filter.policy,
    category: filter.category,
    target: filter.target,
    search: filter.search,
    sort: filter.sort,
    state: filter.states?.join(','),
    expiringWithin:
      filter.expiringWithinMs === undefined ? undefined : `${Math.ceil(filter.expiringWithinMs / 1000)}s`,
  };
}

function parseSort(text: string): ListSort {
  if (!(listSorts as readonly string[]).includes(text))
    throw new WaiverError('usage', `unknown order "${text}"; use ${listSorts.join(', ')}`, 'sort');
  return text as ListSort;
}

function parseCategory(text: string): Category {
  if (!(categories as readonly string[]).includes(text))
    throw new WaiverError('usage', `unknown category "${text}"; use ${categories.join(', ')}`, 'category');
  return text as Category;
}

function parseStates(text: string, field: string): State[] {
  const wanted = text.split(',').map((s) => s.trim());
  const unknown = wanted.find((s) => !(states as readonly string[]).includes(s));
  if (unknown !== undefined)
    throw new WaiverError('usage', `unknown state "${unknown}"; use ${states.join(', ')}`, field);
  return wanted as State[];
}
