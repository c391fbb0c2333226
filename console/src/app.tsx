import { useEffect, useState } from 'preact/hooks';
import { clearSession, loadSession, onSignedOut, type Session, saveSession, setCredentials } from './api.js';
import { ActivityPage } from './pages/activity.js';
import { BuyPage } from './pages/buy.js';
import { ImportPage } from './pages/import.js';
import { NumberDetailPage } from './pages/number-detail.js';
import { NumbersPage } from './pages/numbers.js';
import { OverviewPage } from './pages/overview.js';
import { SignInPage } from './pages/sign-in.js';
import { type OwnToken, TokensPage } from './pages/tokens.js';
import { go, href, type Route, useRoute } from './router.js';
import { focusNextHeading } from './ui.js';

const REFUSED = 'Signed out: your token was refused. Sign in again.';
const DELETED = 'Signed out: the token this session used was deleted. Sign in with another token of the project.';
const NO_NUMBERS = 'Signed out: the token this session used no longer has the numbers scope, which the console needs.';

export function App() {
  const [session, setSession] = useState<Session | null>(loadSession);
  const [notice, setNotice] = useState<string | null>(null);
  // Set during render, so that the pages' first requests already carry the credentials.
  setCredentials(session);

  useEffect(() => {
    onSignedOut(() => {
      clearSession();
      setCredentials(null);
      setSession(null);
      setNotice(REFUSED);
    });
  }, []);

  if (session === null) {
    return (
      <SignInPage
        notice={notice}
        onSignedIn={(s) => {
          saveSession(s);
          setCredentials(s);
          setNotice(null);
          setSession(s);
          focusNextHeading();
          go({ page: 'overview' });
        }}
      />
    );
  }
  const signOut = (message: string | null) => {
    clearSession();
    setCredentials(null);
    setNotice(message);
    setSession(null);
  };
  const own: OwnToken = {
    onDeleted: () => signOut(DELETED),
    onScopes: (scopes) => {
      if (!scopes.includes('numbers')) return signOut(NO_NUMBERS);
      const next = { ...session, management: scopes.includes('management') };
      saveSession(next);
      setSession(next);
    },
  };
  return <Shell session={session} own={own} onSignOut={() => signOut(null)} />;
}

const NAV: readonly { readonly page: Route['page']; readonly label: string; readonly management?: boolean }[] = [
  { page: 'overview', label: 'Overview' },
  { page: 'numbers', label: 'Numbers' },
  { page: 'import', label: 'Import' },
  { page: 'buy', label: 'Buy' },
  { page: 'tokens', label: 'Tokens', management: true },
  { page: 'activity', label: 'Activity' },
];

function skipToContent(event: MouseEvent) {
  // The routes live in the hash: focus the content instead of following #main.
  event.preventDefault();
  const main = document.getElementById('main');
  main?.focus();
  main?.scrollIntoView();
}

function Shell({ session, own, onSignOut }: { session: Session; own: OwnToken; onSignOut: () => void }) {
  const route = useRoute();
  const section = route.page === 'number' ? 'numbers' : route.page;
  return (
    <>
      <a class="skip-link" href="#main" onClick={skipToContent}>
        Skip to content
      </a>
      <header class="site-header">
        <div class="header-inner">
          <p class="brand">
            <span class="brand-mark" aria-hidden="true">
              n
            </span>
            <span>
              numberspace <span class="brand-sub">console</span>
            </span>
          </p>
          <nav aria-label="Main" class="main-nav">
            <ul>
              {NAV.filter((n) => n.management !== true || session.management).map((n) => (
                <li key={n.page}>
                  <a href={href({ page: n.page } as Route)} aria-current={section === n.page ? 'page' : undefined}>
                    {n.label}
                  </a>
                </li>
              ))}
            </ul>
          </nav>
          <div class="account">
            <span class="project" title="Project ID">
              <span class="visually-hidden">Project ID: </span>
              <code>{session.projectId}</code>
            </span>
            <button type="button" class="button button-secondary button-compact" onClick={onSignOut}>
              Sign out
            </button>
          </div>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <Page route={route} session={session} own={own} />
      </main>
    </>
  );
}

function Page({ route, session, own }: { route: Route; session: Session; own: OwnToken }) {
  switch (route.page) {
    case 'overview':
      return <OverviewPage />;
    case 'numbers':
      return <NumbersPage />;
    case 'number':
      return <NumberDetailPage key={route.id} id={route.id} />;
    case 'import':
      return <ImportPage />;
    case 'buy':
      return <BuyPage />;
    case 'tokens':
      return <TokensPage session={session} own={own} />;
    case 'activity':
      return <ActivityPage management={session.management} />;
  }
}
