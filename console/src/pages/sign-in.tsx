import { useEffect, useState } from 'preact/hooks';
import { type Credentials, errorText, failureText, type Session, send } from '../api.js';
import { Alert, type FormEvent, TextField } from '../ui.js';

/**
 * Signing in asks the server what the token may do (any valid token may ask), so the console
 * offers only that, and never learns it by trying and failing.
 */
async function signIn(credentials: Credentials): Promise<Session | string> {
  const answer = await send('GET', '/api/numberspace/token', { credentials });
  if (answer.status === 401) return 'The project ID or API token was refused.';
  if (!answer.ok) return failureText(answer);
  const { token_id: tokenId, scopes } = (answer.body ?? {}) as { token_id?: unknown; scopes?: unknown };
  if (typeof tokenId !== 'string' || !Array.isArray(scopes)) return 'The server answered something the console cannot read; is it numberspace?';
  if (!scopes.includes('numbers')) return 'This token does not have the numbers scope, which the console needs.';
  return { ...credentials, management: scopes.includes('management'), tokenId };
}

export function SignInPage({ notice, onSignedIn }: { notice: string | null; onSignedIn: (session: Session) => void }) {
  const [projectId, setProjectId] = useState('');
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [missing, setMissing] = useState<{ projectId?: string[]; token?: string[] }>({});

  useEffect(() => {
    document.title = 'Sign in · numberspace console';
    // Signed out (or refused): the button that had the focus is gone; the form takes it.
    if (document.activeElement === null || document.activeElement === document.body) document.getElementById('project-id')?.focus();
  }, []);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const credentials = { projectId: projectId.trim(), token: token.trim() };
    const empty = {
      ...(credentials.projectId === '' ? { projectId: ['Enter the project ID.'] } : {}),
      ...(credentials.token === '' ? { token: ['Enter an API token of the project.'] } : {}),
    };
    setMissing(empty);
    if (Object.keys(empty).length > 0) {
      setError(null);
      document.getElementById(empty.projectId !== undefined ? 'project-id' : 'api-token')?.focus();
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const result = await signIn(credentials);
      if (typeof result === 'string') setError(result);
      else onSignedIn(result);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main id="main" class="sign-in" tabIndex={-1}>
      <div class="sign-in-card">
        <p class="brand brand-static">
          <span class="brand-mark" aria-hidden="true">
            n
          </span>
          <span>
            numberspace <span class="brand-sub">console</span>
          </span>
        </p>
        <h1>Sign in</h1>
        <p class="lede">Use your project ID and an API token of the project with the numbers scope.</p>
        <Alert messages={[error ?? notice]} />
        <form onSubmit={submit} noValidate aria-label="Sign in">
          <TextField id="project-id" label="Project ID" value={projectId} onValue={setProjectId} autoComplete="username" errors={missing.projectId} />
          <TextField id="api-token" label="API token" type="password" value={token} onValue={setToken} autoComplete="current-password" errors={missing.token} />
          <button type="submit" class="button button-primary button-wide" disabled={busy}>
            {busy ? 'Signing in…' : 'Sign in'}
          </button>
        </form>
        <p class="fine-print">
          The credentials stay in this browser tab only (session storage) and are sent to this server alone. The first start of the server prints a project ID and a
          token.
        </p>
      </div>
    </main>
  );
}
