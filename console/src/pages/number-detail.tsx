import { useState } from 'preact/hooks';
import { errorText, failureText, isQuiet, NO_PROBLEMS, NUMBERS_PATH, relayDetails, send, type Sorted, sortProblems } from '../api.js';
import { displayDateTime, displayNumber, numberTypeName } from '../format.js';
import { go, setFlash } from '../router.js';
import type { PhoneNumber } from '../types.js';
import { Alert, Dialog, type FormEvent, Loading, type Option, PageHeading, SelectField, Status, TextField, useGet } from '../ui.js';

/** Each call handler the API lets an update choose, with the attribute it needs. */
const CALL_HANDLERS: readonly { readonly value: string; readonly label: string; readonly field: string; readonly fieldLabel: string; readonly url?: boolean }[] = [
  { value: 'laml_webhooks', label: 'LaML webhooks', field: 'call_request_url', fieldLabel: 'Call request URL', url: true },
  { value: 'relay_script', label: 'Relay script', field: 'call_relay_script_url', fieldLabel: 'Relay script URL', url: true },
  { value: 'relay_topic', label: 'Relay topic', field: 'call_relay_topic', fieldLabel: 'Relay topic' },
  { value: 'relay_application', label: 'Relay application', field: 'call_relay_application', fieldLabel: 'Relay application' },
  { value: 'relay_context', label: 'Relay context (deprecated)', field: 'call_relay_context', fieldLabel: 'Relay context' },
  { value: 'laml_application', label: 'LaML application', field: 'call_laml_application_id', fieldLabel: 'LaML application ID' },
  { value: 'dialogflow', label: 'Dialogflow', field: 'call_dialogflow_agent_id', fieldLabel: 'Dialogflow agent ID' },
  { value: 'relay_connector', label: 'Relay connector', field: 'call_relay_connector_id', fieldLabel: 'Relay connector ID' },
  { value: 'relay_sip_endpoint', label: 'SIP endpoint', field: 'call_sip_endpoint_id', fieldLabel: 'SIP endpoint ID' },
  { value: 'relay_verto_endpoint', label: 'Verto endpoint', field: 'call_verto_resource', fieldLabel: 'Verto resource' },
  { value: 'video_room', label: 'Video room', field: 'call_video_room_id', fieldLabel: 'Video room ID' },
];

const MESSAGE_HANDLERS: readonly { readonly value: string; readonly label: string; readonly field: string; readonly fieldLabel: string; readonly url?: boolean }[] = [
  { value: 'laml_webhooks', label: 'LaML webhooks', field: 'message_request_url', fieldLabel: 'Message request URL', url: true },
  { value: 'laml_application', label: 'LaML application', field: 'message_laml_application_id', fieldLabel: 'Message LaML application ID' },
  { value: 'relay_topic', label: 'Relay topic', field: 'message_relay_topic', fieldLabel: 'Message Relay topic' },
  { value: 'relay_context', label: 'Relay context (deprecated)', field: 'message_relay_context', fieldLabel: 'Message Relay context' },
  { value: 'relay_application', label: 'Relay application', field: 'message_relay_application', fieldLabel: 'Message Relay application' },
];

const NONE = '';

const text = (v: unknown): string => (typeof v === 'string' ? v : '');

interface Draft {
  name: string;
  call_handler: string;
  message_handler: string;
  /** Companion attributes by name. */
  values: Record<string, string>;
}

function draftOf(n: PhoneNumber): Draft {
  const values: Record<string, string> = {};
  for (const h of [...CALL_HANDLERS, ...MESSAGE_HANDLERS]) values[h.field] = text(n[h.field]);
  return { name: n.name ?? '', call_handler: n.call_handler ?? NONE, message_handler: n.message_handler ?? NONE, values };
}

/** Only the attributes that differ from the record: a partial update changes nothing else. */
function changes(n: PhoneNumber, d: Draft): Record<string, string> {
  const body: Record<string, string> = {};
  if (d.name !== (n.name ?? '')) body.name = d.name;
  if (d.call_handler !== NONE && d.call_handler !== n.call_handler) body.call_handler = d.call_handler;
  if (d.message_handler !== NONE && d.message_handler !== n.message_handler) body.message_handler = d.message_handler;
  const call = CALL_HANDLERS.find((h) => h.value === d.call_handler);
  const message = MESSAGE_HANDLERS.find((h) => h.value === d.message_handler);
  for (const h of [call, message]) {
    if (h === undefined) continue;
    const value = (d.values[h.field] ?? '').trim();
    if (value !== text(n[h.field])) body[h.field] = value;
  }
  return body;
}

const FIELDS = ['name', 'call_handler', 'message_handler', ...CALL_HANDLERS.map((h) => h.field), ...MESSAGE_HANDLERS.map((h) => h.field)];

export function NumberDetailPage({ id }: { id: string }) {
  const [record, setRecord] = useState<PhoneNumber | null>(null);
  const [draft, setDraft] = useState<Draft | null>(null);
  const loaded = useGet<PhoneNumber>(`${NUMBERS_PATH}/${encodeURIComponent(id)}`, (n) => {
    setRecord(n);
    setDraft(draftOf(n));
  });
  const [problems, setProblems] = useState<Sorted>(NO_PROBLEMS);
  const [saved, setSaved] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const [releasing, setReleasing] = useState(false);

  if (record === null || draft === null) {
    return (
      <>
        <PageHeading title="Number" />
        {loaded.failed?.status === 404 ? (
          <div class="alert alert-error" role="alert">
            <p>There is no number with this ID in the project: it was released, or never existed here.</p>
            <p>
              <a href="#/numbers">Back to the list</a>
            </p>
          </div>
        ) : (
          <Alert messages={[loaded.error]} />
        )}
        {loaded.loading && <Loading what="the number" />}
      </>
    );
  }

  const update = (patch: Partial<Draft>) => {
    setDraft({ ...draft, ...patch });
    setSaved(null);
  };
  const setValue = (field: string, value: string) => update({ values: { ...draft.values, [field]: value } });

  const save = async (event: FormEvent) => {
    event.preventDefault();
    const body = changes(record, draft);
    setProblems(NO_PROBLEMS);
    if (Object.keys(body).length === 0) {
      setSaved('Nothing to save: no field was changed.');
      return;
    }
    setSaving(true);
    setSaved(null);
    try {
      const answer = await send('PUT', `${NUMBERS_PATH}/${encodeURIComponent(record.id)}`, { body });
      if (answer.ok) {
        const n = answer.body as PhoneNumber;
        setRecord(n);
        // The record has no field for message_relay_application: keep what was sent.
        setDraft({ ...draftOf(n), values: { ...draftOf(n).values, message_relay_application: draft.values.message_relay_application ?? '' } });
        setSaved(`Saved: ${Object.keys(body).join(', ')}.`);
      } else if (answer.status === 422) {
        const sorted = sortProblems(relayDetails(answer.body), FIELDS);
        setProblems(sorted);
        const first = FIELDS.find((f) => sorted.fields[f] !== undefined);
        if (first !== undefined) document.getElementById(first)?.focus();
      } else {
        setProblems({ fields: {}, general: [failureText(answer)] });
      }
    } catch (e) {
      if (!isQuiet(e)) setProblems({ fields: {}, general: [errorText(e) ?? ''] });
    } finally {
      setSaving(false);
    }
  };

  const callOptions: Option[] = [
    { value: NONE, label: 'None', disabled: record.call_handler !== null },
    ...CALL_HANDLERS.map((h) => ({ value: h.value, label: `${h.label} (${h.value})` })),
  ];
  if (record.call_handler !== null && !CALL_HANDLERS.some((h) => h.value === record.call_handler)) {
    callOptions.push({ value: record.call_handler, label: `${record.call_handler} (set elsewhere)` });
  }
  const messageOptions: Option[] = [
    { value: NONE, label: 'None', disabled: record.message_handler !== null },
    ...MESSAGE_HANDLERS.map((h) => ({ value: h.value, label: `${h.label} (${h.value})` })),
  ];
  const call = CALL_HANDLERS.find((h) => h.value === draft.call_handler);
  const message = MESSAGE_HANDLERS.find((h) => h.value === draft.message_handler);

  return (
    <>
      <PageHeading title={record.number}>
        <p class="subtitle">
          {displayNumber(record.number) !== record.number && <span>{displayNumber(record.number)} · </span>}
          {numberTypeName(record.number_type)}
          {record.name !== null && <span> · {record.name}</span>}
        </p>
      </PageHeading>
      <p class="back">
        <a href="#/numbers">← Back to the list</a>
      </p>
      <div class="detail-layout">
        <section class="card">
          <h2 id="edit-heading">Name and routing</h2>
          <form onSubmit={save} noValidate>
            <Alert messages={problems.general} title={problems.general.length > 0 ? 'The number was not saved:' : undefined} />
            <TextField id="name" label="Name" value={draft.name} onValue={(name) => update({ name })} errors={problems.fields.name} hint="Empty clears the name." />
            <fieldset class="group">
              <legend>Calls</legend>
              <SelectField
                id="call_handler"
                label="Call handler"
                value={draft.call_handler}
                onValue={(call_handler) => update({ call_handler })}
                options={callOptions}
                errors={problems.fields.call_handler}
                {...(record.call_handler !== null ? { hint: 'The API can change a handler, not remove it.' } : {})}
              />
              {call !== undefined && (
                <TextField
                  id={call.field}
                  label={`${call.fieldLabel} (${call.field})`}
                  value={draft.values[call.field] ?? ''}
                  onValue={(v) => setValue(call.field, v)}
                  errors={problems.fields[call.field]}
                  {...(call.url === true ? { type: 'url' as const, inputMode: 'url' as const, placeholder: 'https://' } : {})}
                />
              )}
            </fieldset>
            <fieldset class="group">
              <legend>Messages</legend>
              <SelectField
                id="message_handler"
                label="Message handler"
                value={draft.message_handler}
                onValue={(message_handler) => update({ message_handler })}
                options={messageOptions}
                errors={problems.fields.message_handler}
              />
              {message !== undefined && (
                <TextField
                  id={message.field}
                  label={`${message.fieldLabel} (${message.field})`}
                  value={draft.values[message.field] ?? ''}
                  onValue={(v) => setValue(message.field, v)}
                  errors={problems.fields[message.field]}
                  {...(message.url === true ? { type: 'url' as const, inputMode: 'url' as const, placeholder: 'https://' } : {})}
                />
              )}
            </fieldset>
            <div class="form-actions">
              <button type="submit" class="button button-primary" disabled={saving}>
                {saving ? 'Saving…' : 'Save changes'}
              </button>
            </div>
            <Status>{saved !== null && <p class="status-success">{saved}</p>}</Status>
          </form>
        </section>
        <section class="card">
          <h2 id="record-heading">Every field</h2>
          <dl class="record">
            {Object.entries(record).map(([key, value]) => (
              <div key={key} class="record-row">
                <dt>{key}</dt>
                <dd>{fieldValue(key, value)}</dd>
              </div>
            ))}
          </dl>
        </section>
        <section class="card danger-zone">
          <h2 id="release-heading">Release</h2>
          <p>Releasing gives the number up: it leaves this project and its routing is lost.</p>
          <button type="button" class="button button-danger" onClick={() => setReleasing(true)}>
            Release
          </button>
        </section>
      </div>
      <ReleaseDialog number={record} open={releasing} onClose={() => setReleasing(false)} />
    </>
  );
}

function fieldValue(key: string, value: unknown) {
  if (value === null || value === undefined) return <span class="muted">null</span>;
  if (Array.isArray(value)) return value.length === 0 ? <span class="muted">[]</span> : value.join(', ');
  if (typeof value === 'string' && /_at$/.test(key)) {
    return (
      <>
        <time dateTime={value}>{displayDateTime(value)}</time> <code class="muted">{value}</code>
      </>
    );
  }
  if (typeof value === 'string') return <code>{value}</code>;
  return <code>{JSON.stringify(value)}</code>;
}

function ReleaseDialog({ number, open, onClose }: { number: PhoneNumber; open: boolean; onClose: () => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const release = async () => {
    setBusy(true);
    setError(null);
    try {
      const answer = await send('DELETE', `${NUMBERS_PATH}/${encodeURIComponent(number.id)}`);
      if (answer.status === 204 || answer.ok) {
        setFlash(`Released ${number.number}.`);
        onClose();
        go({ page: 'numbers' });
        return;
      }
      setError(answer.status === 404 ? 'This number is no longer in the project: it was already released.' : failureText(answer));
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog
      open={open}
      title={`Release ${number.number}?`}
      onClose={() => {
        setError(null);
        onClose();
      }}
    >
      <p>
        {number.name === null ? 'The number' : `“${number.name}”`} leaves this project, and its call and message routing is lost. This cannot be undone from
        the console.
      </p>
      <Alert messages={[error]} />
      <div class="dialog-actions">
        <button type="button" class="button button-danger" onClick={release} disabled={busy}>
          {busy ? 'Releasing…' : 'Release'}
        </button>
        <button type="button" class="button button-secondary" onClick={onClose} data-initial-focus>
          Cancel
        </button>
      </div>
    </Dialog>
  );
}
