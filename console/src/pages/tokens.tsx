import { useEffect, useRef, useState } from 'preact/hooks';
import { type Answer, errorText, failureText, isQuiet, NO_PROBLEMS, send, type Session, type Sorted, sortProblems, tokenProblems } from '../api.js';
import { displayDateTime } from '../format.js';
import { SCOPES, type Token } from '../types.js';
import { Alert, CheckboxGroup, Dialog, type FormEvent, Loading, PageHeading, Status, TableWrap, TextField } from '../ui.js';

/**
 * The project's tokens as GET /api/numberspace/tokens lists them (never their secrets), read
 * again after every change made here. Reading the list changes nothing; the Project Tokens
 * API is used only to create, change and delete.
 */

const TOKENS_PATH = '/api/project/tokens';
const LIST_PATH = '/api/numberspace/tokens';

/** A token as the list shows it. */
export interface ListedToken extends Token {
  readonly created_at: string;
}

function problemsOf(answer: Answer, fields: readonly string[]): Sorted {
  if (answer.status === 422) return sortProblems(tokenProblems(answer.body), fields);
  return { fields: {}, general: [answer.status === 404 ? 'There is no such token in this project: it was deleted, or the ID is wrong.' : failureText(answer)] };
}

type Action = { readonly kind: 'rename' | 'scopes' | 'delete'; readonly token: Token };

/** What the page tells the app about the session's own token. */
export interface OwnToken {
  /** It was deleted: the session is over. */
  readonly onDeleted: () => void;
  /** Its scopes changed: the session's management flag follows them. */
  readonly onScopes: (scopes: readonly string[]) => void;
}

export function TokensPage({ session, own }: { session: Session; own: OwnToken }) {
  const [tokens, setTokens] = useState<readonly ListedToken[] | null>(null);
  const [listError, setListError] = useState<string | null>(null);
  const [action, setAction] = useState<Action | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const [secret, setSecret] = useState<Token | null>(null);
  const [tokenId, setTokenId] = useState<string | null>(session.tokenId);
  const reads = useRef(0);
  const { management } = session;

  /** Reads the list again; only the latest read's answer is shown. */
  const reload = async () => {
    const read = ++reads.current;
    try {
      const answer = await send('GET', LIST_PATH);
      if (read !== reads.current) return;
      if (answer.ok) {
        setTokens((answer.body as { data: ListedToken[] }).data);
        setListError(null);
      } else {
        setListError(failureText(answer));
      }
    } catch (e) {
      if (read === reads.current && !isQuiet(e)) setListError(errorText(e));
    }
  };
  useEffect(() => {
    if (management) void reload();
    return () => {
      reads.current++;
    };
  }, [management]);
  useEffect(() => {
    // A session kept by an earlier console does not know its token's id: ask once.
    if (!management || tokenId !== null) return;
    send('GET', '/api/numberspace/token').then(
      (answer) => {
        const id = (answer.body as { token_id?: unknown } | null)?.token_id;
        if (answer.ok && typeof id === 'string') setTokenId(id);
      },
      () => {},
    );
  }, [management, tokenId]);

  if (!management) {
    return (
      <>
        <PageHeading title="Tokens" />
        <p class="alert alert-info">Managing tokens needs a token with the management scope; the one you signed in with does not have it.</p>
      </>
    );
  }

  const changed = (t: Token, message: string) => {
    setStatus(message);
    if (t.id === tokenId) {
      own.onScopes(t.permissions);
      // Without management the list would be refused: the page closes instead.
      if (!t.permissions.includes('management')) return;
    }
    void reload();
  };

  return (
    <>
      <PageHeading title="Tokens" />
      <p class="lede">The project's API tokens, oldest first. A token's secret is shown once, when it is created; numberspace does not keep it.</p>
      <Status>{status !== null && <p class="status-success">{status}</p>}</Status>
      {secret !== null && typeof secret.token === 'string' && secret.token !== '' && (
        <SecretPanel key={secret.id} token={secret as Token & { token: string }} onDone={() => setSecret(null)} />
      )}
      <div class="tokens-layout">
        <section class="card" aria-labelledby="tokens-heading">
          <h2 id="tokens-heading">Tokens of this project</h2>
          <Alert messages={[listError]} />
          {tokens === null ? (
            listError === null && <Loading what="the tokens" />
          ) : tokens.length === 0 ? (
            <p class="empty">None: create a token.</p>
          ) : (
            <TableWrap>
              <table class="tokens-table">
                <caption class="visually-hidden">Tokens of this project</caption>
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">ID</th>
                    <th scope="col">Scopes</th>
                    <th scope="col">Created</th>
                    <th scope="col">Actions</th>
                  </tr>
                </thead>
                <tbody>
                  {tokens.map((t) => (
                    <tr key={t.id} class={t.id === tokenId ? 'own-token' : undefined}>
                      <th scope="row">
                        {t.name}
                        {t.id === tokenId && (
                          <>
                            {' '}
                            <span class="tag tag-session">this session's token</span>
                          </>
                        )}
                      </th>
                      <td class="nowrap">
                        <code class="id">{t.id}</code>
                      </td>
                      <td class="scopes">{t.permissions.join(', ')}</td>
                      <td class="nowrap">
                        <time dateTime={t.created_at}>{displayDateTime(t.created_at)}</time>
                      </td>
                      <td>
                        <div class="row-actions">
                          <button type="button" class="button button-secondary button-small" aria-label={`Rename ${t.name}`} onClick={() => setAction({ kind: 'rename', token: t })}>
                            Rename
                          </button>
                          <button type="button" class="button button-secondary button-small" aria-label={`Change scopes of ${t.name}`} onClick={() => setAction({ kind: 'scopes', token: t })}>
                            Change scopes
                          </button>
                          <button type="button" class="button button-danger button-small" aria-label={`Delete ${t.name}`} onClick={() => setAction({ kind: 'delete', token: t })}>
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
        <CreateToken
          onCreating={() => setSecret(null)}
          onCreated={(t) => {
            setStatus(`Created token ${t.name}.`);
            setSecret(t);
            void reload();
          }}
        />
      </div>
      <RenameDialog
        action={action?.kind === 'rename' ? action : null}
        onClose={() => setAction(null)}
        onDone={(t) => changed(t, `Renamed the token to ${t.name}.`)}
        onGone={() => void reload()}
      />
      <ScopesDialog
        action={action?.kind === 'scopes' ? action : null}
        own={action?.token.id === tokenId}
        onClose={() => setAction(null)}
        onDone={(t) => changed(t, `Token ${t.name} now has the scopes ${t.permissions.join(', ')}.`)}
        onGone={() => void reload()}
      />
      <DeleteDialog
        action={action?.kind === 'delete' ? action : null}
        own={action?.token.id === tokenId}
        onClose={() => setAction(null)}
        onDone={(t) => {
          // Any further request with the deleted token would be refused: sign out without one.
          if (t.id === tokenId) return own.onDeleted();
          setStatus(`Deleted token ${t.name}: it is refused from now on.`);
          void reload();
        }}
        onGone={() => void reload()}
      />
    </>
  );
}

function CreateToken({ onCreating, onCreated }: { onCreating: () => void; onCreated: (token: Token) => void }) {
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<string[]>(['numbers']);
  const [problems, setProblems] = useState<Sorted>(NO_PROBLEMS);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setProblems(NO_PROBLEMS);
    onCreating();
    try {
      const answer = await send('POST', TOKENS_PATH, { body: { name, permissions: scopes } });
      if (answer.ok) {
        setName('');
        onCreated(answer.body as Token);
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

  return (
    <section class="card create-token" aria-labelledby="create-heading">
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
    </section>
  );
}

/** A new token's secret, above the list where it is seen at once; it takes the focus. */
function SecretPanel({ token, onDone }: { token: Token & { token: string }; onDone: () => void }) {
  const [copied, setCopied] = useState<string | null>(null);
  const field = useRef<HTMLInputElement>(null);
  useEffect(() => {
    field.current?.focus();
    field.current?.scrollIntoView({ block: 'center' });
  }, []);

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(token.token);
      setCopied('Copied the secret to the clipboard.');
    } catch {
      // No clipboard (a plain-http page, or permission refused): select it for Ctrl+C.
      field.current?.focus();
      field.current?.select();
      setCopied('The clipboard is not available here: the secret is selected, press Ctrl+C (⌘C) to copy it.');
    }
  };

  return (
    <section class="secret" aria-labelledby="secret-heading">
      <h2 id="secret-heading" class="secret-heading">
        Copy the secret of {token.name} now: it is shown only this once.
      </h2>
      <div class="secret-row">
        <label for="token-secret" class="visually-hidden">
          Token secret
        </label>
        <input id="token-secret" ref={field} type="text" readOnly value={token.token} onFocus={(e) => e.currentTarget.select()} spellcheck={false} />
        <button type="button" class="button button-primary" onClick={copy}>
          Copy
        </button>
        <button type="button" class="button button-secondary" onClick={onDone}>
          Done
        </button>
      </div>
      <Status>{copied !== null && <p>{copied}</p>}</Status>
    </section>
  );
}

interface DialogProps {
  readonly action: Action | null;
  /** The token is the one this session is signed in with. */
  readonly own?: boolean;
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
        {props.own === true && (
          <p class="alert alert-warning">
            This is the token this session is signed in with: without management it can no longer manage tokens, and without numbers the console signs out.
          </p>
        )}
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
      {props.own === true && (
        <p class="alert alert-warning">
          <strong>This is the token this session is signed in with.</strong> Once it is deleted the console signs out; sign in again with another token of the
          project.
        </p>
      )}
      <Alert messages={problems.general} />
      <div class="dialog-actions">
        <button type="button" class="button button-danger" onClick={confirm} disabled={busy}>
          {busy ? 'Deleting…' : props.own === true ? 'Delete and sign out' : 'Delete'}
        </button>
        <button type="button" class="button button-secondary" onClick={close} data-initial-focus>
          Cancel
        </button>
      </div>
    </Dialog>
  );
}
