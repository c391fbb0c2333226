import { useEffect, useRef, useState } from 'preact/hooks';
import { type Answer, errorText, failureText, isQuiet, NO_PROBLEMS, send, type Sorted, sortProblems, tokenProblems } from '../api.js';
import { SCOPES, type Token } from '../types.js';
import { Alert, CheckboxGroup, Dialog, type FormEvent, PageHeading, Status, TableWrap, TextField } from '../ui.js';

/**
 * The project's tokens, as numberspace's own read-only list gives them
 * (GET /api/numberspace/tokens), read again after every change made here.
 */

const TOKENS_PATH = '/api/project/tokens';
const LIST_PATH = '/api/numberspace/tokens';

function problemsOf(answer: Answer, fields: readonly string[]): Sorted {
  if (answer.status === 422) return sortProblems(tokenProblems(answer.body), fields);
  return { fields: {}, general: [answer.status === 404 ? 'There is no such token in this project: it was deleted, or the ID is wrong.' : failureText(answer)] };
}

type Action = { readonly kind: 'rename' | 'scopes' | 'delete'; readonly token: Token };

export function TokensPage({ management }: { management: boolean }) {
  const [tokens, setTokens] = useState<Token[] | null>(null);
  const [listError, setListError] = useState<string | null>(null);
  const [action, setAction] = useState<Action | null>(null);
  const [status, setStatus] = useState<string | null>(null);

  const reload = async () => {
    try {
      const answer = await send('GET', LIST_PATH);
      if (answer.ok) {
        setTokens((answer.body as { data: Token[] }).data);
        setListError(null);
      } else setListError(failureText(answer));
    } catch (e) {
      if (!isQuiet(e)) setListError(errorText(e) ?? '');
    }
  };
  useEffect(() => {
    if (management) void reload();
  }, [management]);
  const keep = (_token: Token) => void reload();
  const forget = (_id: string) => void reload();

  if (!management) {
    return (
      <>
        <PageHeading title="Tokens" />
        <p class="alert alert-info">Managing tokens needs a token with the management scope; the one you signed in with does not have it.</p>
      </>
    );
  }

  return (
    <>
      <PageHeading title="Tokens" />
      <p class="lede">
        The project's API tokens: create one with the scopes it needs (its secret is shown once), rename it, change its scopes, delete it.
      </p>
      <Status>{status !== null && <p class="status-success">{status}</p>}</Status>
      <div class="tokens-layout">
        <CreateToken
          onCreated={(t) => {
            keep(t);
            setStatus(`Created token ${t.name}.`);
          }}
        />
        <section class="card">
          <h2 id="session-heading">Tokens of this project</h2>
          <Alert messages={listError === null ? [] : [listError]} />
          {tokens === null ? (
            <p class="empty">Loading…</p>
          ) : tokens.length === 0 ? (
            <p class="empty">None: create a token.</p>
          ) : (
            <TableWrap>
              <table>
                <caption class="visually-hidden">Tokens of this project</caption>
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">ID</th>
                    <th scope="col">Scopes</th>
                    <th scope="col">Actions</th>
                  </tr>
                </thead>
                <tbody>
                  {tokens.map((t) => (
                    <tr key={t.id}>
                      <th scope="row">{t.name}</th>
                      <td>
                        <code class="id">{t.id}</code>
                      </td>
                      <td>{t.permissions.join(', ')}</td>
                      <td>
                        <div class="row-actions">
                          <button type="button" class="button button-secondary button-small" onClick={() => setAction({ kind: 'rename', token: t })}>
                            Rename
                          </button>
                          <button type="button" class="button button-secondary button-small" onClick={() => setAction({ kind: 'scopes', token: t })}>
                            Change scopes
                          </button>
                          <button type="button" class="button button-danger button-small" onClick={() => setAction({ kind: 'delete', token: t })}>
                            Delete
                          </button>
                        </div>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableWrap>
          )}
        </section>
      </div>
      <RenameDialog
        action={action?.kind === 'rename' ? action : null}
        onClose={() => setAction(null)}
        onDone={(t) => {
          keep(t);
          setStatus(`Renamed the token to ${t.name}.`);
        }}
        onGone={forget}
      />
      <ScopesDialog
        action={action?.kind === 'scopes' ? action : null}
        onClose={() => setAction(null)}
        onDone={(t) => {
          keep(t);
          setStatus(`Token ${t.name} now has the scopes ${t.permissions.join(', ')}.`);
        }}
        onGone={forget}
      />
      <DeleteDialog
        action={action?.kind === 'delete' ? action : null}
        onClose={() => setAction(null)}
        onDone={(t) => {
          forget(t.id);
          setStatus(`Deleted token ${t.name}: it is refused from now on.`);
        }}
        onGone={forget}
      />
    </>
  );
}

function CreateToken({ onCreated }: { onCreated: (token: Token) => void }) {
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<string[]>(['numbers']);
  const [problems, setProblems] = useState<Sorted>(NO_PROBLEMS);
  const [busy, setBusy] = useState(false);
  const [secret, setSecret] = useState<Token | null>(null);
  const [copied, setCopied] = useState<string | null>(null);
  const secretRef = useRef<HTMLInputElement>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setProblems(NO_PROBLEMS);
    setSecret(null);
    setCopied(null);
    try {
      const answer = await send('POST', TOKENS_PATH, { body: { name, permissions: scopes } });
      if (answer.ok) {
        const token = answer.body as Token;
        setSecret(token);
        setName('');
        onCreated(token);
        setTimeout(() => secretRef.current?.focus(), 0);
      } else {
        const sorted = problemsOf(answer, ['name', 'permissions']);
        setProblems(sorted);
        if (sorted.fields.name !== undefined) document.getElementById('token-name')?.focus();
        else if (sorted.fields.permissions !== undefined) document.getElementById(`token-scopes-${SCOPES[0]}`)?.focus();
      }
    } catch (e) {
      if (!isQuiet(e)) setProblems({ fields: {}, general: [errorText(e) ?? ''] });
    } finally {
      setBusy(false);
    }
  };

  const copy = async () => {
    if (secret?.token === undefined) return;
    try {
      await navigator.clipboard.writeText(secret.token);
      setCopied('Copied the secret to the clipboard.');
    } catch {
      // No clipboard (a plain-http page, or permission refused): select it for Ctrl+C.
      secretRef.current?.focus();
      secretRef.current?.select();
      setCopied('The clipboard is not available here: the secret is selected, press Ctrl+C (⌘C) to copy it.');
    }
  };

  return (
    <section class="card">
      <h2 id="create-heading">Create a token</h2>
      <form onSubmit={submit} noValidate>
        <Alert messages={problems.general} title={problems.general.length > 0 ? 'The token was not created:' : undefined} />
        <TextField id="token-name" label="Name" value={name} onValue={setName} maxLength={255} hint="What uses it, e.g. CI deploy" errors={problems.fields.name} />
        <CheckboxGroup id="token-scopes" legend="Scopes" options={SCOPES} checked={scopes} onChange={setScopes} errors={problems.fields.permissions} />
        <div class="form-actions">
          <button type="submit" class="button button-primary" disabled={busy}>
            {busy ? 'Creating…' : 'Create token'}
          </button>
        </div>
      </form>
      {secret !== null && secret.token !== undefined && secret.token !== '' && (
        <div class="secret">
          <p>
            <strong>Copy the secret of {secret.name} now:</strong> it is shown only this once.
          </p>
          <div class="secret-row">
            <label for="token-secret" class="visually-hidden">
              Token secret
            </label>
            <input id="token-secret" ref={secretRef} type="text" readOnly value={secret.token} onFocus={(e) => e.currentTarget.select()} spellcheck={false} />
            <button type="button" class="button button-primary" onClick={copy}>
              Copy
            </button>
          </div>
          <Status>{copied !== null && <p>{copied}</p>}</Status>
          <button type="button" class="button button-secondary" onClick={() => setSecret(null)}>
            Done
          </button>
        </div>
      )}
    </section>
  );
}

interface DialogProps {
  readonly action: Action | null;
  readonly onClose: () => void;
  readonly onDone: (token: Token) => void;
  readonly onGone: (id: string) => void;
}

function usePatch(props: DialogProps, fields: readonly string[]) {
  const [problems, setProblems] = useState<Sorted>(NO_PROBLEMS);
  const [busy, setBusy] = useState(false);
  const run = async (request: () => Promise<Answer>, done: (answer: Answer) => void) => {
    setBusy(true);
    setProblems(NO_PROBLEMS);
    try {
      const answer = await request();
      if (answer.ok) {
        done(answer);
        props.onClose();
      } else {
        if (answer.status === 404 && props.action !== null) props.onGone(props.action.token.id);
        setProblems(problemsOf(answer, fields));
      }
    } catch (e) {
      if (!isQuiet(e)) setProblems({ fields: {}, general: [errorText(e) ?? ''] });
    } finally {
      setBusy(false);
    }
  };
  const close = () => {
    setProblems(NO_PROBLEMS);
    props.onClose();
  };
  return { problems, busy, run, close };
}

function RenameDialog(props: DialogProps) {
  const token = props.action?.token;
  const [name, setName] = useState('');
  const [forId, setForId] = useState<string | null>(null);
  if (token !== undefined && forId !== token.id) {
    setForId(token.id);
    setName(token.name);
  }
  const { problems, busy, run, close } = usePatch(props, ['name']);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (token === undefined) return;
    void run(
      () => send('PATCH', `${TOKENS_PATH}/${token.id}`, { body: { name } }),
      (answer) => props.onDone(answer.body as Token),
    );
  };
  return (
    <Dialog
      open={token !== undefined}
      title={`Rename token ${token?.name ?? ''}`}
      onClose={() => {
        setForId(null);
        close();
      }}
    >
      <form onSubmit={submit} noValidate>
        <Alert messages={problems.general} />
        <TextField id="rename-name" label="New name" value={name} onValue={setName} maxLength={255} errors={problems.fields.name} />
        <div class="dialog-actions">
          <button type="submit" class="button button-primary" disabled={busy}>
            {busy ? 'Saving…' : 'Save name'}
          </button>
          <button type="button" class="button button-secondary" onClick={close}>
            Cancel
          </button>
        </div>
      </form>
    </Dialog>
  );
}

function ScopesDialog(props: DialogProps) {
  const token = props.action?.token;
  const [scopes, setScopes] = useState<string[]>([]);
  const [forId, setForId] = useState<string | null>(null);
  if (token !== undefined && forId !== token.id) {
    setForId(token.id);
    setScopes(SCOPES.filter((s) => token.permissions.includes(s)));
  }
  const { problems, busy, run, close } = usePatch(props, ['permissions']);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (token === undefined) return;
    void run(
      () => send('PATCH', `${TOKENS_PATH}/${token.id}`, { body: { permissions: scopes } }),
      (answer) => props.onDone(answer.body as Token),
    );
  };
  return (
    <Dialog
      open={token !== undefined}
      title={`Change the scopes of ${token?.name ?? ''}`}
      onClose={() => {
        setForId(null);
        close();
      }}
    >
      <form onSubmit={submit} noValidate>
        <Alert messages={problems.general} />
        <p class="hint">The scopes chosen replace the token's scopes. A token keeps at least one: to take them all away, delete it.</p>
        <CheckboxGroup id="change-scopes" legend="Scopes" options={SCOPES} checked={scopes} onChange={setScopes} errors={problems.fields.permissions} />
        <div class="dialog-actions">
          <button type="submit" class="button button-primary" disabled={busy}>
            {busy ? 'Saving…' : 'Save scopes'}
          </button>
          <button type="button" class="button button-secondary" onClick={close}>
            Cancel
          </button>
        </div>
      </form>
    </Dialog>
  );
}

function DeleteDialog(props: DialogProps) {
  const token = props.action?.token;
  const { problems, busy, run, close } = usePatch(props, []);
  const confirm = () => {
    if (token === undefined) return;
    void run(
      () => send('DELETE', `${TOKENS_PATH}/${token.id}`),
      () => props.onDone(token),
    );
  };
  return (
    <Dialog open={token !== undefined} title={`Delete token ${token?.name ?? ''}?`} onClose={close}>
      <p>
        Anything that uses it is refused from its next request. This cannot be undone; its ID is <code class="id">{token?.id}</code>.
      </p>
      <Alert messages={problems.general} />
      <div class="dialog-actions">
        <button type="button" class="button button-danger" onClick={confirm} disabled={busy}>
          {busy ? 'Deleting…' : 'Delete'}
        </button>
        <button type="button" class="button button-secondary" onClick={close} data-initial-focus>
          Cancel
        </button>
      </div>
    </Dialog>
  );
}
