import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { errorText, failureText, isQuiet, NO_PROBLEMS, relayDetails, send, type Sorted, sortProblems } from '../api.js';
import { IMPORT_PATH, type Run, runImport } from '../bulk-import.js';
import { displayCount } from '../format.js';
import type { CsvFile, FileRow, NumberType } from '../import-file.js';
import { type Outcome, resultsCsv, type RowResult } from '../import-results.js';
import { numberHref } from '../router.js';
import { sha256Hex } from '../sha256.js';
import { CAPABILITIES, type PhoneNumber } from '../types.js';
import { Alert, CheckboxGroup, type FormEvent, PageHeading, SelectField, Status, TableWrap, TextField } from '../ui.js';

export function ImportPage() {
  return (
    <>
      <PageHeading title="Import" />
      <p class="lede">Bring numbers you already hold with another carrier into this project: one at a time, or a whole CSV file.</p>
      <div class="import-layout">
        <SingleImport />
        <BulkImport />
      </div>
    </>
  );
}

const TYPE_OPTIONS = [
  { value: 'longcode', label: 'Long code (longcode)' },
  { value: 'tollfree', label: 'Toll-free (tollfree)' },
];

function SingleImport() {
  const [number, setNumber] = useState('');
  const [type, setType] = useState('longcode');
  const [capabilities, setCapabilities] = useState<string[]>([...CAPABILITIES]);
  const [problems, setProblems] = useState<Sorted>(NO_PROBLEMS);
  const [created, setCreated] = useState<PhoneNumber | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setProblems(NO_PROBLEMS);
    setCreated(null);
    try {
      const answer = await send('POST', IMPORT_PATH, { body: { number: number.trim(), number_type: type, capabilities } });
      if (answer.status === 201) {
        setCreated(answer.body as PhoneNumber);
        setNumber('');
      } else if (answer.status === 422) {
        const sorted = sortProblems(relayDetails(answer.body), ['number', 'number_type', 'capabilities']);
        setProblems(sorted);
        const first = ['number', 'number_type', 'capabilities'].find((f) => sorted.fields[f] !== undefined);
        document.getElementById(first === 'number' ? 'import-number' : first === 'number_type' ? 'import-type' : first === 'capabilities' ? 'import-capabilities-voice' : '')?.focus();
      } else {
        setProblems({ fields: {}, general: [failureText(answer)] });
      }
    } catch (e) {
      if (!isQuiet(e)) setProblems({ fields: {}, general: [errorText(e) ?? ''] });
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="card">
      <h2 id="single-heading">One number</h2>
      <form onSubmit={submit} noValidate>
        <Alert messages={problems.general} title={problems.general.length > 0 ? 'The number was not imported:' : undefined} />
        <TextField
          id="import-number"
          label="Number"
          value={number}
          onValue={setNumber}
          inputMode="tel"
          hint="E.164: + and the digits, e.g. +15125550100"
          errors={problems.fields.number}
        />
        <SelectField id="import-type" label="Type" value={type} onValue={setType} options={TYPE_OPTIONS} errors={problems.fields.number_type} />
        <CheckboxGroup
          id="import-capabilities"
          legend="Capabilities"
          options={CAPABILITIES}
          checked={capabilities}
          onChange={setCapabilities}
          errors={problems.fields.capabilities}
        />
        <div class="form-actions">
          <button type="submit" class="button button-primary" disabled={busy}>
            {busy ? 'Importing…' : 'Import number'}
          </button>
        </div>
        <Status>
          {created !== null && (
            <p class="status-success">
              Imported <a href={numberHref(created.id)}>{created.number}</a>.
            </p>
          )}
        </Status>
      </form>
    </section>
  );
}

interface LoadedFile {
  readonly name: string;
  readonly size: number;
  readonly digest: string;
  readonly csv: CsvFile;
  readonly check: typeof import('../import-file.js').checkRows;
}

const OUTCOME_LABEL: Readonly<Record<Outcome, string>> = { imported: 'imported', already_imported: 'already imported', rejected: 'rejected' };
const BATCH = 500;

function BulkImport() {
  const [file, setFile] = useState<LoadedFile | null>(null);
  const [fileError, setFileError] = useState<string | null>(null);
  const [reading, setReading] = useState(false);
  const [rowType, setRowType] = useState('');
  const [dragging, setDragging] = useState(false);
  const [running, setRunning] = useState(false);
  const [done, setDone] = useState(0);
  const [run, setRun] = useState<(Run & { seconds: number }) | null>(null);
  const [runError, setRunError] = useState<string | null>(null);
  const [shown, setShown] = useState(BATCH);
  const stop = useRef(false);
  const input = useRef<HTMLInputElement>(null);
  const mounted = useRef(true);
  useEffect(
    () => () => {
      mounted.current = false;
      stop.current = true;
    },
    [],
  );

  const hasTypeColumn = file?.csv.header.includes('number_type') ?? false;
  const rows: readonly FileRow[] = useMemo(
    () => (file === null ? [] : file.check(file.csv, hasTypeColumn || rowType === '' ? undefined : (rowType as NumberType))),
    [file, rowType, hasTypeColumn],
  );
  const refused = rows.filter((r) => r.problem !== undefined).length;

  const load = async (chosen: File) => {
    setReading(true);
    setFileError(null);
    setFile(null);
    setRun(null);
    setRunError(null);
    let reader: typeof import('../import-file.js') | undefined;
    try {
      // The CSV parser is loaded the first time a file is chosen, not with the console.
      reader = await import('../import-file.js');
      const bytes = new Uint8Array(await chosen.arrayBuffer());
      const digest = await sha256Hex(bytes);
      const csv = reader.readCsv(bytes);
      setFile({ name: chosen.name, size: chosen.size, digest, csv, check: reader.checkRows });
    } catch (e) {
      const unusable = reader !== undefined && e instanceof reader.ImportFileError;
      setFileError(unusable ? `${chosen.name} cannot be imported: ${(e as Error).message}.` : `${chosen.name} could not be read: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      setReading(false);
    }
  };

  const start = async () => {
    if (file === null || rows.length === 0) return;
    stop.current = false;
    setRunning(true);
    setDone(0);
    setRun(null);
    setRunError(null);
    setShown(BATCH);
    const began = performance.now();
    // Progress is drawn at most every 100 ms, however fast the rows come back.
    let pending: number | null = null;
    let latest = 0;
    const progress = (n: number) => {
      latest = n;
      if (pending !== null) return;
      pending = window.setTimeout(() => {
        pending = null;
        if (mounted.current) setDone(latest);
      }, 100);
    };
    try {
      const result = await runImport({ rows, digest: file.digest, concurrency: 8, onProgress: progress, stopped: () => stop.current });
      if (pending !== null) window.clearTimeout(pending);
      if (!mounted.current) return;
      setDone(result.results.length);
      setRun({ ...result, seconds: (performance.now() - began) / 1000 });
    } catch (e) {
      if (!isQuiet(e) && mounted.current) setRunError(errorText(e));
    } finally {
      if (mounted.current) setRunning(false);
    }
  };

  const download = () => {
    if (run === null || file === null) return;
    const blob = new Blob([resultsCsv(run.results)], { type: 'text/csv;charset=utf-8' });
    const url = URL.createObjectURL(blob);
    const a = document.createElement('a');
    a.href = url;
    a.download = `${file.name.replace(/\.[^.]*$/, '')}.results.csv`;
    a.hidden = true;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  };

  const reset = () => {
    setFile(null);
    setRun(null);
    setRunError(null);
    setFileError(null);
    setRowType('');
    if (input.current !== null) input.current.value = '';
    input.current?.focus();
  };

  const counts = run === null ? null : tally(run.results);
  const total = rows.length;
  const needsType = file !== null && !hasTypeColumn && rowType === '';

  return (
    <section class="card wide">
      <h2 id="bulk-heading">Bulk import</h2>
      <p>
        Columns <code>number</code> (required), <code>number_type</code> (<code>longcode</code> or <code>tollfree</code>), <code>capabilities</code> (any of voice,
        sms, mms, fax separated by <code>;</code> or <code>|</code>; empty means all) and <code>name</code>, with a header row: the same file as{' '}
        <code>numberspace import</code>. Each row is sent with its own idempotency key, so importing the same file again imports nothing twice.
      </p>
      <div
        class={`drop-zone${dragging ? ' is-dragging' : ''}`}
        onDragOver={(e) => {
          e.preventDefault();
          if (e.dataTransfer !== null) e.dataTransfer.dropEffect = 'copy';
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={(e) => {
          e.preventDefault();
          setDragging(false);
          const dropped = e.dataTransfer?.files[0];
          if (dropped !== undefined && !running) void load(dropped);
        }}
      >
        <p class="drop-hint" aria-hidden="true">
          Drop a CSV file here, or choose one:
        </p>
        <div class="field">
          <label for="csv-file">CSV file</label>
          <input
            ref={input}
            id="csv-file"
            type="file"
            accept=".csv,text/csv"
            disabled={running}
            aria-describedby={fileError !== null ? 'csv-file-error' : undefined}
            aria-invalid={fileError !== null ? 'true' : undefined}
            onChange={(e) => {
              const chosen = e.currentTarget.files?.[0];
              if (chosen !== undefined) void load(chosen);
            }}
          />
        </div>
      </div>
      {fileError !== null && (
        <div role="alert" id="csv-file-error" class="alert alert-error">
          <p>{fileError}</p>
        </div>
      )}

      {file !== null && (
        <div class="preview">
          <h3>
            {file.name}: {displayCount(total)} {total === 1 ? 'row' : 'rows'}
          </h3>
          {total === 0 ? (
            <p>The file has a header row but no rows to import.</p>
          ) : (
            <>
              {refused > 0 && (
                <p class="warning">
                  {displayCount(refused)} {refused === 1 ? 'row breaks' : 'rows break'} the import rules and will be reported as rejected without being sent.
                </p>
              )}
              {!hasTypeColumn && (
                <SelectField
                  id="csv-type"
                  label="Type of every row (the file has no number_type column)"
                  value={rowType}
                  onValue={setRowType}
                  options={[{ value: '', label: 'Choose…' }, ...TYPE_OPTIONS]}
                />
              )}
              <TableWrap>
                <table>
                  <caption>{total > 10 ? `The first 10 of ${displayCount(total)} rows` : `All ${total} ${total === 1 ? 'row' : 'rows'}`}</caption>
                  <thead>
                    <tr>
                      <th scope="col">Row</th>
                      <th scope="col">Number</th>
                      <th scope="col">Type</th>
                      <th scope="col">Capabilities</th>
                      <th scope="col">Name</th>
                      <th scope="col">Check</th>
                    </tr>
                  </thead>
                  <tbody>
                    {rows.slice(0, 10).map((r) => {
                      const cells = file.csv.records[r.row - 1]?.cells;
                      return (
                        <tr key={r.row}>
                          <td class="num">{r.row}</td>
                          <td class="nowrap">{r.number}</td>
                          <td>{r.problem === undefined ? r.request.number_type : (cells?.get('number_type') ?? '')}</td>
                          <td>{r.problem === undefined ? (r.request.capabilities ?? ['all']).join(', ') : (cells?.get('capabilities') ?? '')}</td>
                          <td>{r.problem === undefined ? (r.name ?? '') : (cells?.get('name') ?? '')}</td>
                          <td>{r.problem === undefined ? <span class="ok">ready</span> : <span class="bad">{r.problem}</span>}</td>
                        </tr>
                      );
                    })}
                  </tbody>
                </table>
              </TableWrap>
              <div class="form-actions">
                {!running && (run === null || run.skipped > 0) && (
                  <button type="button" class="button button-primary" onClick={start} disabled={needsType}>
                    Import {displayCount(total)} {total === 1 ? 'number' : 'numbers'}
                  </button>
                )}
                {running && (
                  <button type="button" class="button button-secondary" onClick={() => (stop.current = true)}>
                    Stop
                  </button>
                )}
                {!running && (
                  <button type="button" class="button button-secondary" onClick={reset}>
                    Choose another file
                  </button>
                )}
              </div>
            </>
          )}
        </div>
      )}

      {(running || run !== null) && (
        <div class="progress-block">
          <label for="import-progress">Import progress</label>
          <progress id="import-progress" max={total} value={done} aria-describedby="import-progress-text" />
          <p id="import-progress-text" class="progress-text">
            {displayCount(done)} of {displayCount(total)}
          </p>
        </div>
      )}
      <Status>
        {reading && <p>Reading the file…</p>}
        {running && <p>Importing {displayCount(total)} rows…</p>}
        {run !== null && counts !== null && (
          <p class={counts.rejected > 0 || run.fatal !== null ? 'status-warning' : 'status-success'}>
            {run.fatal === null && run.skipped === 0 ? 'Done' : 'Stopped'}: imported {displayCount(counts.imported)}, already imported {displayCount(counts.already)},
            rejected {displayCount(counts.rejected)}
            {counts.unnamed > 0 ? `, name not set ${displayCount(counts.unnamed)}` : ''} ({displayCount(run.results.length)} of {displayCount(total)} rows in{' '}
            {run.seconds.toFixed(1)} s).
          </p>
        )}
      </Status>
      <Alert
        messages={[
          runError,
          run?.fatal !== null && run?.fatal !== undefined
            ? `The import stopped: ${run.fatal}. ${displayCount(run.skipped)} rows were not processed; run the same file again once this is fixed — nothing is imported twice.`
            : null,
        ]}
      />
      {run !== null && run.fatal === null && run.skipped > 0 && (
        <p class="warning">{displayCount(run.skipped)} rows were not processed. Import the same file again to finish: rows already done are not imported twice.</p>
      )}

      {run !== null && (
        <div class="results">
          <div class="section-head">
            <h3>Results</h3>
            <button type="button" class="button button-secondary" onClick={download}>
              Download results
            </button>
          </div>
          <TableWrap>
            <table>
              <caption class="visually-hidden">Import results</caption>
              <thead>
                <tr>
                  <th scope="col">Row</th>
                  <th scope="col">Number</th>
                  <th scope="col">Outcome</th>
                  <th scope="col">Error</th>
                </tr>
              </thead>
              <tbody>
                {run.results.slice(0, shown).map((r) => (
                  <ResultRow key={r.row} result={r} />
                ))}
              </tbody>
            </table>
          </TableWrap>
          {run.results.length > shown && (
            <p>
              Showing {displayCount(shown)} of {displayCount(run.results.length)} rows.{' '}
              <button type="button" class="button button-secondary" onClick={() => setShown((s) => s + BATCH * 4)}>
                Show more rows
              </button>
            </p>
          )}
        </div>
      )}
    </section>
  );
}

function ResultRow({ result: r }: { result: RowResult }) {
  return (
    <tr>
      <td class="num">{r.row}</td>
      <td class="nowrap">{r.id === '' ? r.number : <a href={numberHref(r.id)}>{r.number}</a>}</td>
      <td>
        <span class={`outcome outcome-${r.outcome}`}>{OUTCOME_LABEL[r.outcome]}</span>
      </td>
      <td class="details">{r.error}</td>
    </tr>
  );
}

function tally(results: readonly RowResult[]) {
  let imported = 0;
  let already = 0;
  let rejected = 0;
  let unnamed = 0;
  for (const r of results) {
    if (r.outcome === 'imported') imported++;
    else if (r.outcome === 'already_imported') already++;
    else rejected++;
    if (r.outcome !== 'rejected' && r.error !== '') unnamed++;
  }
  return { imported, already, rejected, unnamed };
}
