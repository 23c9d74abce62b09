import { categories } from '../../../src/domain/exception';
import { useSession } from '../auth/session';
import { exceptionsQuery } from '../first-calls';
import { Pager, usePages } from '../components/pager';
import { ExceptionTable } from '../components/exception-table';
import { Empty, ErrorNote, Loading } from '../components/status';
import { useAsync } from '../components/use-async';
import { href, inventoryHref } from '../route';
import { stateFilters } from '../shell';

const STATES = stateFilters;

/** The inventory: filters in the URL (shareable), pages from the server (never the whole store). */
export function ExceptionsPage({ query }: { query: URLSearchParams }) {
  const { api } = useSession();
  const state = query.get('state') ?? '';
  const namespace = query.get('namespace') ?? '';
  const expiringWithin = query.get('expiringWithin') ?? '';
  const policy = query.get('policy') ?? '';
  const category = query.get('category') ?? '';
  const search = query.get('search') ?? '';
  const sort = query.get('sort') ?? '';
  const filtered = [state, namespace, expiringWithin, policy, category, search].some(Boolean);
  const pages = usePages();
  const cursor = pages.cursor;
  const page = useAsync(
    () => api.get('/api/v1/exceptions', { query: exceptionsQuery(query, cursor) }),
    [api, state, namespace, expiringWithin, policy, category, search, sort, cursor],
    () => api.arrived('/api/v1/exceptions', { query: exceptionsQuery(query, cursor) }),
  );
  const apply = (form: HTMLFormElement) => {
    const data = new FormData(form);
    pages.reset();
    window.location.hash = inventoryHref(data);
  };
  return (
    <>
      <form
        className="filters"
        aria-label="Filter exceptions"
        onSubmit={(e) => {
          e.preventDefault();
          apply(e.currentTarget);
        }}
      >
        <label>
          Search
          <input
            type="search"
            name="search"
            defaultValue={search}
            key={`q-${search}`}
            placeholder="name, ticket, requestor, reason"
          />
        </label>
        <label>
          State
          <select name="state" defaultValue={state} key={`s-${state}`}>
            <option value="">any</option>
            {STATES.map((s) => (
              <option key={s}>{s}</option>
            ))}
            {/* A state from the URL that is none of these: shown as asked, so the refusal below reads true. */}
            {state && !STATES.includes(state) && <option value={state}>{state} (unknown)</option>}
          </select>
        </label>
        <label>
          Namespace
          <input name="namespace" defaultValue={namespace} key={`n-${namespace}`} placeholder="payments" />
        </label>
        <label>
          Policy
          <input name="policy" defaultValue={policy} key={`p-${policy}`} />
        </label>
        <label>
          Category
          <select name="category" defaultValue={category} key={`c-${category}`}>
            <option value="">any</option>
            {categories.map((c) => (
              <option key={c}>{c}</option>
            ))}
          </select>
        </label>
        <label>
          Expiring within
          <input
            name="expiringWithin"
            defaultValue={expiringWithin}
            key={`e-${expiringWithin}`}
            placeholder="7d"
          />
        </label>
        <label>
          Order
          <select name="sort" defaultValue={sort} key={`o-${sort}`}>
            <option value="">oldest request first</option>
            <option value="newest">newest request first</option>
            <option value="expiry">soonest expiry first</option>
          </select>
        </label>
        <button type="submit">Filter</button>
      </form>
      {page.error !== undefined && (
        <>
          <ErrorNote error={page.error} />
          <p>
            <a href={href('/exceptions')}>Clear the filters</a>
          </p>
        </>
      )}
      {page.loading && !page.data && <Loading what="exceptions" />}
      {page.data &&
        (page.data.items.length === 0 ? (
          filtered ? (
            <Empty>No exception matches these filters.</Empty>
          ) : (
            <Empty>
              No exceptions yet. <a href={href('/request')}>Request one</a>.
            </Empty>
          )
        ) : (
          <ExceptionTable
            items={page.data.items}
            caption={`Page ${pages.number}, ${page.data.items.length} shown`}
          />
        ))}
      <Pager label="Pages of exceptions" pages={pages} next={page.data?.continue} />
    </>
  );
}
