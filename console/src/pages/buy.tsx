import { useEffect, useState } from 'preact/hooks';
import { type Answer, errorText, failureText, isQuiet, NO_PROBLEMS, NUMBERS_PATH, query, relayDetails, send, type Sorted, sortProblems } from '../api.js';
import { displayNumber } from '../format.js';
import { numberHref } from '../router.js';
import { type AvailableNumber, CAPABILITIES, type PhoneNumber } from '../types.js';
import { Alert, type FormEvent, PageHeading, SelectField, Status, TableWrap, TextField } from '../ui.js';

const SEARCH_PATH = '/api/relay/rest/phone_numbers/search';
const FIELDS = ['areacode', 'region', 'contains', 'number_type'];

interface Bought {
  readonly number: string;
  readonly id: string;
}

export function BuyPage() {
  const [areaCode, setAreaCode] = useState('');
  const [region, setRegion] = useState('');
  const [contains, setContains] = useState('');
  const [type, setType] = useState('local');
  const [problems, setProblems] = useState<Sorted>(NO_PROBLEMS);
  const [results, setResults] = useState<readonly AvailableNumber[] | null>(null);
  const [searching, setSearching] = useState(false);
  const [buying, setBuying] = useState<string | null>(null);
  const [bought, setBought] = useState<Readonly<Record<string, Bought>>>({});
  const [lastBought, setLastBought] = useState<Bought | null>(null);
  const [buyError, setBuyError] = useState<string | null>(null);

  // The Buy button gives way to a link to the number: the focus follows it.
  useEffect(() => {
    if (lastBought !== null) document.getElementById(`bought-${lastBought.number.slice(1)}`)?.focus();
  }, [lastBought]);

  const search = async (event: FormEvent) => {
    event.preventDefault();
    setSearching(true);
    setProblems(NO_PROBLEMS);
    setBuyError(null);
    setLastBought(null);
    try {
      const answer = await send(
        'GET',
        `${SEARCH_PATH}${query({ areacode: areaCode.trim(), region: region.trim(), contains: contains.trim(), number_type: type, max_results: 20 })}`,
      );
      if (answer.ok) {
        setResults((answer.body as { data: AvailableNumber[] }).data);
      } else {
        setResults(null);
        showProblems(answer, setProblems);
      }
    } catch (e) {
      if (!isQuiet(e)) setProblems({ fields: {}, general: [errorText(e) ?? ''] });
    } finally {
      setSearching(false);
    }
  };

  const buy = async (number: string) => {
    setBuying(number);
    setBuyError(null);
    setLastBought(null);
    try {
      const answer = await send('POST', NUMBERS_PATH, { body: { number } });
      if (answer.ok) {
        const record = answer.body as PhoneNumber;
        const done = { number: record.number, id: record.id };
        setBought((b) => ({ ...b, [number]: done }));
        setLastBought(done);
      } else {
        const details = relayDetails(answer.body);
        setBuyError(`${number} was not bought: ${details.length > 0 ? details.join('; ') : failureText(answer)}`);
      }
    } catch (e) {
      if (!isQuiet(e)) setBuyError(errorText(e));
    } finally {
      setBuying(null);
    }
  };

  return (
    <>
      <PageHeading title="Buy" />
      <p class="lede">Search the numbers this server has in stock and buy one into the project.</p>
      <form class="toolbar search-form" onSubmit={search} noValidate role="search" aria-label="Stock search">
        <TextField id="buy-areacode" label="Area code" value={areaCode} onValue={setAreaCode} inputMode="numeric" hint="2 to 5 digits, e.g. 512" errors={problems.fields.areacode} />
        <TextField id="buy-region" label="Region" value={region} onValue={setRegion} hint="State or province, e.g. TX" errors={problems.fields.region} />
        <TextField id="buy-contains" label="Contains" value={contains} onValue={setContains} inputMode="numeric" hint="3 to 7 digits" errors={problems.fields.contains} />
        <SelectField
          id="buy-type"
          label="Type"
          value={type}
          onValue={setType}
          hint="Local or toll-free"
          options={[
            { value: 'local', label: 'Local' },
            { value: 'toll-free', label: 'Toll-free' },
          ]}
          errors={problems.fields.number_type}
        />
        <div class="toolbar-buttons">
          <button type="submit" class="button button-primary" disabled={searching}>
            {searching ? 'Searching…' : 'Search'}
          </button>
        </div>
      </form>
      <Alert messages={problems.general} />
      <Status>
        {lastBought !== null && (
          <p class="status-success">
            Bought {lastBought.number}. <a href={numberHref(lastBought.id)}>Open {lastBought.number}</a>
          </p>
        )}
        {results !== null && lastBought === null && <p class="status-quiet">{results.length === 0 ? 'No numbers in stock match.' : `${results.length} ${results.length === 1 ? 'number' : 'numbers'} found.`}</p>}
      </Status>
      <Alert messages={[buyError]} />
      {results !== null && results.length > 0 && (
        <TableWrap>
          <table>
            <caption class="visually-hidden">Numbers in stock</caption>
            <thead>
              <tr>
                <th scope="col">Number</th>
                <th scope="col">E.164</th>
                <th scope="col">Region</th>
                <th scope="col">City</th>
                <th scope="col">Rate center</th>
                <th scope="col">Capabilities</th>
                <th scope="col">
                  <span class="visually-hidden">Action</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {results.map((n) => {
                const done = bought[n.number];
                return (
                  <tr key={n.number}>
                    <th scope="row" class="nowrap">
                      {displayNumber(n.number)}
                    </th>
                    <td class="nowrap">
                      <code>{n.number}</code>
                    </td>
                    <td>{n.region ?? <span class="muted">—</span>}</td>
                    <td>{n.city ?? <span class="muted">—</span>}</td>
                    <td>{n.rate_center ?? <span class="muted">—</span>}</td>
                    <td>{CAPABILITIES.filter((c) => n.capabilities[c]).join(', ')}</td>
                    <td class="nowrap">
                      {done !== undefined ? (
                        <a id={`bought-${n.number.slice(1)}`} href={numberHref(done.id)}>
                          Open {n.number}
                        </a>
                      ) : (
                        <button type="button" class="button button-primary button-small" aria-label={`Buy ${n.number}`} aria-disabled={buying !== null ? 'true' : undefined} onClick={() => buying === null && buy(n.number)}>
                          {buying === n.number ? 'Buying…' : 'Buy'}
                        </button>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </TableWrap>
      )}
    </>
  );
}

function showProblems(answer: Answer, set: (s: Sorted) => void) {
  if (answer.status === 422) {
    const sorted = sortProblems(relayDetails(answer.body), FIELDS, { area_code: 'areacode', starts_with: 'contains', ends_with: 'contains', city: 'region' });
    set(sorted);
    const first = FIELDS.find((f) => sorted.fields[f] !== undefined);
    if (first !== undefined) document.getElementById(`buy-${first === 'number_type' ? 'type' : first}`)?.focus();
  } else {
    set({ fields: {}, general: [failureText(answer)] });
  }
}
