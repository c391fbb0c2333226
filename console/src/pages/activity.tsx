import { useState } from 'preact/hooks';
import { query, relayDetails, sortProblems } from '../api.js';
import { ActivityTable } from '../activity-table.js';
import type { ActivityPage as Page } from '../types.js';
import { Alert, CheckboxGroup, type FormEvent, Loading, PageHeading, Status, TextField, useGet } from '../ui.js';

const ACTIVITY_PATH = '/api/numberspace/activity';
const PAGE_SIZE = 50;

export function ActivityPage({ management }: { management: boolean }) {
  const kinds = management ? ['imported', 'purchased', 'updated', 'released', 'tokens'] : ['imported', 'purchased', 'updated', 'released'];
  const [number, setNumber] = useState('');
  const [checked, setChecked] = useState<string[]>(kinds);
  const [path, setPath] = useState(`${ACTIVITY_PATH}${query({ page_size: PAGE_SIZE })}`);
  const activity = useGet<Page>(path);
  const page = activity.data;

  const apply = (event: FormEvent) => {
    event.preventDefault();
    const all = checked.length === 0 || checked.length === kinds.length;
    setPath(`${ACTIVITY_PATH}${query({ page_size: PAGE_SIZE, number: number.trim(), kind: all ? undefined : checked.join(',') })}`);
  };

  const older = page !== null && page.links.self.includes('page_token=');
  const failed = activity.failed;
  const sorted = failed?.status === 422 ? sortProblems(relayDetails(failed.body), ['number', 'kind']) : null;
  const general = sorted === null ? [activity.error] : sorted.general;

  return (
    <>
      <PageHeading title="Activity" />
      <p class="lede">Every change to the project's numbers{management ? ' and tokens' : ''}, newest first.</p>
      <form class="toolbar" onSubmit={apply} noValidate>
        <TextField
          id="activity-number"
          label="Number"
          value={number}
          onValue={setNumber}
          inputMode="tel"
          hint="A number or its start, e.g. +1512"
          errors={sorted?.fields.number}
        />
        <CheckboxGroup id="activity-kind" legend="Kinds" options={kinds} checked={checked} onChange={setChecked} errors={sorted?.fields.kind} />
        <div class="toolbar-buttons">
          <button type="submit" class="button button-primary">
            Filter
          </button>
        </div>
      </form>
      <Alert messages={general} />
      <Status>
        {page !== null && !activity.loading && (
          <p class="status-quiet">
            {page.data.length === 0 ? 'No changes match.' : `${older ? 'Older:' : 'The latest'} ${page.data.length} ${page.data.length === 1 ? 'change' : 'changes'}.`}
          </p>
        )}
      </Status>
      {page === null ? (
        activity.loading && <Loading what="the activity" />
      ) : (
        <>
          {page.data.length > 0 && <ActivityTable items={page.data} label="Activity" />}
          <nav class="pager" aria-label="Pages">
            <button
              type="button"
              class="button button-secondary"
              onClick={() => {
                            setPath(page.links.first);
              }}
            >
              Newest
            </button>
            <button
              type="button"
              class="button button-secondary"
              disabled={page.links.next === undefined}
              onClick={() => {
                if (page.links.next === undefined || activity.loading) return;
                setPath(page.links.next);
              }}
            >
              Older
            </button>
          </nav>
        </>
      )}
    </>
  );
}
