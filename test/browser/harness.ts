import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type ConsoleMessage, type Page } from 'playwright-core';

/**
 * Drives Debian's Chromium, headless, for the web console's browser tests: one fresh profile
 * per run, and a record of everything the page must never do (an error on its console, an
 * uncaught exception, a Content-Security-Policy violation, a browser dialog, a 5xx, an answer
 * of 400 or more that no test said it provokes).
 */

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH !== undefined && process.env.CHROMIUM_PATH !== '' ? process.env.CHROMIUM_PATH : '/usr/bin/chromium';

export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/** Why the browser tests cannot run here, or undefined when they can. */
export function missingBrowser(): string | undefined {
  if (existsSync(CHROMIUM_PATH)) return undefined;
  return `Chromium not found at ${CHROMIUM_PATH}: install Debian's chromium package (apt-get install chromium) or set CHROMIUM_PATH to run the console's browser tests`;
}

export interface ApiFailure {
  readonly method: string;
  readonly url: string;
  readonly status: number;
}

/** An answer of 400 or more that a test provokes on purpose. */
export interface ExpectedFailure {
  readonly status: number;
  readonly method: string;
  /** The URL's path, or a pattern it matches. */
  readonly path: string | RegExp;
}

export interface Session {
  readonly context: BrowserContext;
  readonly page: Page;
  /** Things that went wrong in the page; a test asserts it stays empty. */
  readonly problems: string[];
  /** Every answer of status 400 or more the page received, in order. */
  readonly failures: ApiFailure[];
  /**
   * Runs `action` with these answers expected: while it runs, an answer matching one of them
   * is no fault, nor is the console error Chromium logs for it. Any other 4xx answer is one
   * (through that console error).
   */
  expecting<T>(expected: readonly ExpectedFailure[], action: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** What Chromium logs on the page's console for each answer of 400 or more. */
const RESOURCE_ERROR = /^Failed to load resource: the server responded with a status of (\d{3})\b/;

const pathMatches = (path: string, wanted: string | RegExp) => (typeof wanted === 'string' ? path === wanted : wanted.test(path));

export async function openSession(options: { viewport?: { width: number; height: number } } = {}): Promise<Session> {
  const profile = mkdtempSync(join(tmpdir(), 'numberspace-chromium-'));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: options.viewport ?? { width: 1440, height: 900 },
      acceptDownloads: true,
      reducedMotion: 'reduce',
      locale: 'en-US',
      timezoneId: 'UTC',
    });
  } catch (error) {
    rmSync(profile, { recursive: true, force: true });
    throw error;
  }
  const problems: string[] = [];
  const failures: ApiFailure[] = [];
  const expected: ExpectedFailure[] = [];
  /** How many answers of each status and URL were expected when they came: their console errors are excused. */
  const excused = new Map<string, number>();
  const isExpected = (method: string | null, url: string, status: number) => {
    if (!URL.canParse(url)) return false;
    const path = new URL(url).pathname;
    return expected.some((e) => e.status === status && (method === null || e.method === method) && pathMatches(path, e.path));
  };

  // Recorded through a binding, so a violation in any document of the session is kept.
  await context.exposeBinding('__numberspaceCspViolation', (_source, text: string) => {
    problems.push(`CSP violation: ${text}`);
  });
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      const report = (window as unknown as { __numberspaceCspViolation?: (text: string) => void }).__numberspaceCspViolation;
      report?.(`${e.violatedDirective} blocked ${e.blockedURI || '(inline)'} at ${e.sourceFile}:${e.lineNumber}`);
    });
  });

  const watch = (page: Page) => {
    // The console asks in <dialog> elements of its own: a browser dialog is always a fault.
    page.on('dialog', (dialog) => {
      problems.push(`unexpected ${dialog.type()} dialog: ${JSON.stringify(dialog.message())}`);
      void dialog.dismiss().catch(() => {});
    });
    page.on('console', (message: ConsoleMessage) => {
      if (message.type() !== 'error') return;
      const resource = RESOURCE_ERROR.exec(message.text());
      if (resource !== null) {
        // The message names the resource's URL as its location, but not the method.
        const { url } = message.location();
        const status = Number(resource[1]);
        const key = `${status} ${url}`;
        const owed = excused.get(key) ?? 0;
        if (owed > 0) return void excused.set(key, owed - 1);
        if (status < 500 && isExpected(null, url, status)) return;
      }
      problems.push(`console error: ${message.text()} (${message.location().url}:${message.location().lineNumber})`);
    });
    page.on('pageerror', (error) => problems.push(`uncaught exception: ${error.stack ?? error.message}`));
    page.on('crash', () => problems.push('the page crashed'));
    page.on('request', (request) => {
      const url = new URL(request.url());
      if (url.pathname.startsWith('/api/') && request.headers()['x-requested-with'] === undefined) {
        problems.push(`an API request without X-Requested-With (a 401 to it would make the browser prompt): ${request.method()} ${url.pathname}`);
      }
    });
    page.on('response', (response) => {
      if (response.status() < 400) return;
      const failure = { method: response.request().method(), url: response.url(), status: response.status() };
      failures.push(failure);
      if (failure.status < 500 && isExpected(failure.method, failure.url, failure.status)) {
        const key = `${failure.status} ${failure.url}`;
        excused.set(key, (excused.get(key) ?? 0) + 1);
      } else if (failure.status < 500) {
        problems.push(`unexpected answer: ${failure.method} ${failure.url} answered ${failure.status}`);
      }
      if (failure.status >= 500) problems.push(`server error: ${failure.method} ${failure.url} answered ${failure.status}`);
      if (failure.status === 401 && response.headers()['www-authenticate'] !== undefined) {
        problems.push(`401 with a WWW-Authenticate challenge (the browser would prompt): ${failure.method} ${failure.url}`);
      }
    });
  };
  context.pages().forEach(watch);
  context.on('page', watch);
  const page = context.pages()[0] ?? (await context.newPage());

  return {
    context,
    page,
    problems,
    failures,
    async expecting(list, action) {
      expected.push(...list);
      try {
        return await action();
      } finally {
        expected.splice(expected.length - list.length, list.length);
      }
    },
    async close() {
      await context.close().catch(() => {});
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

// ---- axe-core ----

const require = createRequire(import.meta.url);
let axeSource: string | undefined;

export interface AxeViolation {
  readonly id: string;
  readonly impact: string | null;
  readonly help: string;
  readonly targets: string[];
}

/**
 * Runs axe-core on the page as it stands. Its source is evaluated through the debugging
 * protocol, which the page's Content-Security-Policy does not govern (an inline script tag
 * would be refused, and rightly).
 */
export async function runAxe(page: Page): Promise<AxeViolation[]> {
  axeSource ??= readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
  const loaded = await page.evaluate(() => typeof (window as unknown as { axe?: unknown }).axe !== 'undefined');
  if (!loaded) await page.evaluate(`${axeSource};\nundefined`);
  return page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(context: Document, options: object): Promise<{ violations: { id: string; impact?: string | null; help: string; nodes: { target: unknown[] }[] }[] }> } }).axe;
    const result = await axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact ?? null, help: v.help, targets: v.nodes.map((n) => n.target.map(String).join(' ')) }));
  });
}

// ---- pages and layout ----

/**
 * Whether the page scrolls sideways: the document wider than the viewport. When it is, the
 * elements that reach past the right edge and escape every clipping box: those positioned
 * absolute or fixed (a clipping box does not hold them unless it is their containing block)
 * and those with no ancestor that clips.
 */
export async function horizontalOverflow(page: Page): Promise<{ scrollWidth: number; innerWidth: number; widest: string[] }> {
  return page.evaluate(() => {
    const innerWidth = window.innerWidth;
    const scrollWidth = document.documentElement.scrollWidth;
    const widest: string[] = [];
    if (scrollWidth > innerWidth) {
      for (const el of Array.from(document.body.querySelectorAll('*'))) {
        const r = el.getBoundingClientRect();
        if (r.right <= innerWidth + 0.5) continue;
        const position = getComputedStyle(el).position;
        let clipped = false;
        for (let p = el.parentElement; p !== null && !clipped; p = p.parentElement) clipped = getComputedStyle(p).overflowX !== 'visible';
        if (clipped && position !== 'absolute' && position !== 'fixed') continue;
        const cls = typeof el.className === 'string' && el.className.trim() !== '' ? `.${el.className.trim().split(/\s+/).join('.')}` : '';
        const text = (el.textContent ?? '').trim().slice(0, 30);
        if (widest.length < 8) widest.push(`<${el.tagName.toLowerCase()}${cls}> (position ${position}, right edge ${Math.round(r.right)}px, text ${JSON.stringify(text)}) in <${el.parentElement?.tagName.toLowerCase()}>`);
      }
    }
    return { scrollWidth, innerWidth, widest };
  });
}

/** The focused element's description and whether anything visible marks its focus. */
export async function focusState(page: Page): Promise<{ tag: string; label: string; type: string; indicator: string | null }> {
  return page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    if (el === null || el === document.body) return { tag: 'body', label: '', type: '', indicator: null };
    const style = getComputedStyle(el);
    let indicator: string | null = null;
    if (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0) indicator = `outline ${style.outlineWidth} ${style.outlineStyle} ${style.outlineColor}`;
    else if (style.boxShadow !== 'none' && style.boxShadow !== '') indicator = `box-shadow ${style.boxShadow}`;
    const labels = (el as HTMLInputElement).labels;
    const label = (labels !== undefined && labels !== null && labels.length > 0 ? labels[0]!.textContent : el.getAttribute('aria-label') ?? el.textContent) ?? '';
    return { tag: el.tagName.toLowerCase(), label: label.trim(), type: el.getAttribute('type') ?? '', indicator };
  });
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
