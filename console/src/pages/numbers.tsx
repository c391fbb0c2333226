import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import { NUMBERS_PATH, query } from '../api.js';
import { displayDateTime, displayNumber, numberTypeName } from '../format.js';
import { numberHref, takeFlash } from '../router.js';
import type { NumberPage } from '../types.js';
import { Alert, type FormEvent, Loading, PageHeading, Status, TableWrap, TextField, useGet } from '../ui.js';

const PAGE_SIZE = 50;

export function NumbersPage() {
  const [flash] = useState(takeFlash);
  const [number, setNumber] = useState('');
  const [name, setName] = useState('');
  const [path, setPath] = useState(`${NUMBERS_PATH}${query({ page_size: PAGE_SIZE })}`);
  // The browser tests measure answer → render: marked once the JSON is parsed and once the rows are committed.
  const list = useGet<NumberPage>(path, () => performance.mark('numbers-answer'));
  const page = list.data;
  useLayoutEffect(() => {
    if (page !== null) performance.mark('numbers-rendered');
  }, [page]);
  // A pager button that turns disabled (the first or last page) would drop the focus: hand it to the other one.
  const prevRef = useRef<HTMLButtonElement>(null);
  const nextRef = useRef<HTMLButtonElement>(null);
  const paged = useRef(false);
  useLayoutEffect(() => {
    if (!paged.current || list.loading) return;
    paged.current = false;
    const active = document.activeElement;
    const lost = active === null || active === document.body || (active instanceof HTMLButtonElement && active.disabled);
    if (lost) (nextRef.current?.disabled === false ? nextRef.current : prevRef.current)?.focus();
  }, [page, list.loading]);
  const follow = (link: string | undefined) => {
    if (link === undefined || list.loading) return;
    paged.current = true;
    setPath(link);
  };

  const search = (event: FormEvent) => {
    event.preventDefault();
    const next = { number: number.trim(), name: name.trim() };
    setPath(`${NUMBERS_PATH}${query({ page_size: PAGE_SIZE, filter_number: next.number, filter_name: next.name })}`);
  };
  const clear = () => {
    setNumber('');
    setName('');
    setPath(`${NUMBERS_PATH}${query({ page_size: PAGE_SIZE })}`);
  };
  // What the page shown was asked for, read from its own self link (the next request may already be on its way).
  const shownQuery = new URLSearchParams(page?.links.self.split('?')[1] ?? '');
  const filtered = (shownQuery.get('filter_number') ?? '') !== '' || (shownQuery.get('filter_name') ?? '') !== '';
  const pageNumber = Number(shownQuery.get('page_number') ?? '0') || 0;

  return (
    <>
      <PageHeading title="Numbers" />
      <form class="toolbar" onSubmit={search} role="search" aria-label="Search">
        <TextField id="filter-number" label="Number" value={number} onValue={setNumber} inputMode="tel" hint="Any part of the number, e.g. +1512" />
        <TextField id="filter-name" label="Name" value={name} onValue={setName} hint="Part of the name, any case" />
        <div class="toolbar-buttons">
          <button type="submit" class="button button-primary">
            Search
          </button>
          {(filtered || number !== '' || name !== '') && (
            <button type="button" class="button button-secondary" onClick={clear}>
              Clear
            </button>
          )}
        </div>
      </form>
      <Status>
        {flash !== null && <p class="status-success">{flash}</p>}
        {page !== null && !list.loading && (
          <p class="status-quiet">
            {page.data.length === 0
              ? filtered
                ? 'No numbers match.'
                : ''
              : `Page ${pageNumber + 1}: ${page.data.length} ${page.data.length === 1 ? 'number' : 'numbers'}${filtered ? ' matching' : ''}.`}
          </p>
        )}
      </Status>
      <Alert messages={[list.error]} />
      {page === null ? (
        list.loading && <Loading what="numbers" />
      ) : page.data.length === 0 && !filtered ? (
        <div class="empty-state">
          <p>This project has no numbers yet.</p>
          <p>
            <a href="#/import">Bring in the ones you hold elsewhere</a>, or <a href="#/buy">purchase one from stock</a>.
          </p>
        </div>
      ) : (
        <>
          <TableWrap>
            <table class={`numbers-table${list.loading ? ' is-loading' : ''}`} aria-busy={list.loading ? 'true' : undefined}>
              <caption class="visually-hidden">Numbers</caption>
              <thead>
                <tr>
                  <th scope="col">Number</th>
                  <th scope="col">E.164</th>
                  <th scope="col">Name</th>
                  <th scope="col">Type</th>
                  <th scope="col">Capabilities</th>
                  <th scope="col">Country</th>
                  <th scope="col">Call handler</th>
                  <th scope="col">Message handler</th>
                  <th scope="col">Created</th>
                </tr>
              </thead>
              <tbody>
                {page.data.map((n) => (
                  <tr key={n.id}>
                    <th scope="row" class="nowrap">
                      <a href={numberHref(n.id)}>{displayNumber(n.number)}</a>
                    </th>
                    <td class="nowrap">
                      <code>{n.number}</code>
                    </td>
                    <td class="name-cell">{n.name ?? <span class="muted">—</span>}</td>
                    <td class="nowrap">{numberTypeName(n.number_type)}</td>
                    <td>{n.capabilities.join(', ')}</td>
                    <td>{n.country_code ?? <span class="muted">—</span>}</td>
                    <td>{n.call_handler ?? <span class="muted">none</span>}</td>
                    <td>{n.message_handler ?? <span class="muted">none</span>}</td>
                    <td class="nowrap">
                      <time dateTime={n.created_at}>{displayDateTime(n.created_at)}</time>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
          <nav class="pager" aria-label="Pages">
            <button ref={prevRef} type="button" class="button button-secondary" disabled={page.links.prev === undefined} onClick={() => follow(page.links.prev)}>
              Previous
            </button>
            <button ref={nextRef} type="button" class="button button-secondary" disabled={page.links.next === undefined} onClick={() => follow(page.links.next)}>
              Next
            </button>
          </nav>
        </>
      )}
    </>
  );
}
