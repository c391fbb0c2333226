import { useEffect, useState } from 'preact/hooks';

/** The console's pages, one per hash route. */
export type Route =
  | { readonly page: 'overview' }
  | { readonly page: 'numbers' }
  | { readonly page: 'number'; readonly id: string }
  | { readonly page: 'import' }
  | { readonly page: 'buy' }
  | { readonly page: 'tokens' }
  | { readonly page: 'activity' };

const PAGES = ['overview', 'numbers', 'import', 'buy', 'tokens', 'activity'] as const;

export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/');
  const [first, second] = parts;
  if (first === 'numbers' && second !== undefined && second !== '') return { page: 'number', id: decodeURIComponent(second) };
  const page = PAGES.find((p) => p === first);
  return page === undefined ? { page: 'overview' } : { page };
}

export function href(route: Route): string {
  return route.page === 'number' ? `#/numbers/${encodeURIComponent(route.id)}` : `#/${route.page}`;
}

export function numberHref(id: string): string {
  return href({ page: 'number', id });
}

export function go(route: Route): void {
  const target = href(route);
  if (location.hash === target) window.dispatchEvent(new HashChangeEvent('hashchange'));
  else location.hash = target;
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const changed = () => setRoute(parseRoute(location.hash));
    window.addEventListener('hashchange', changed);
    return () => window.removeEventListener('hashchange', changed);
  }, []);
  return route;
}

/** A message for the next page to show, such as "Released +15125550100." after a release. */
let flash: string | null = null;
export function setFlash(message: string): void {
  flash = message;
}
export function takeFlash(): string | null {
  const message = flash;
  flash = null;
  return message;
}
