import type { ComponentChildren, TargetedSubmitEvent } from 'preact';
import { useCallback, useEffect, useId, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { type Answer, errorText, failureText, isQuiet, send } from './api.js';

/** Building blocks shared by the pages: headings, labelled fields, alerts, dialogs, tables. */

let navigated = false;

/** The next page's heading takes the focus (after sign-in, when the form that had it is gone). */
export function focusNextHeading(): void {
  navigated = true;
}

/** The page's h1; after a navigation focus moves to it, so a screen reader starts at the new page. */
export function PageHeading({ title, children }: { title: string; children?: ComponentChildren }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${title} · numberspace console`;
  }, [title]);
  useEffect(() => {
    if (navigated) ref.current?.focus({ preventScroll: false });
    navigated = true;
  }, []);
  return (
    <div class="page-heading">
      <h1 ref={ref} tabIndex={-1}>
        {title}
      </h1>
      {children}
    </div>
  );
}

function describedBy(...ids: (string | false | undefined)[]): string | undefined {
  const list = ids.filter((i): i is string => typeof i === 'string' && i !== '');
  return list.length === 0 ? undefined : list.join(' ');
}

export function FieldErrors({ id, errors }: { id: string; errors: readonly string[] | undefined }) {
  if (errors === undefined || errors.length === 0) return null;
  return (
    <div id={id} class="field-error">
      {errors.map((e) => (
        <p key={e}>{e}</p>
      ))}
    </div>
  );
}

interface FieldProps {
  readonly id: string;
  readonly label: string;
  readonly errors?: readonly string[] | undefined;
  readonly hint?: string;
  readonly class?: string;
}

type InputMode = 'text' | 'numeric' | 'tel' | 'search' | 'email' | 'url' | 'decimal' | 'none';

export function TextField(
  props: FieldProps & {
    readonly value: string;
    readonly onValue: (value: string) => void;
    readonly type?: 'text' | 'password' | 'url' | 'search' | 'tel';
    readonly inputMode?: InputMode;
    readonly autoComplete?: string;
    readonly required?: boolean;
    readonly placeholder?: string;
    readonly maxLength?: number;
  },
) {
  const invalid = props.errors !== undefined && props.errors.length > 0;
  const hintId = props.hint === undefined ? undefined : `${props.id}-hint`;
  const errorId = invalid ? `${props.id}-error` : undefined;
  return (
    <div class={`field ${props.class ?? ''}`}>
      <label for={props.id}>{props.label}</label>
      {props.hint !== undefined && (
        <p id={hintId} class="hint">
          {props.hint}
        </p>
      )}
      <input
        id={props.id}
        name={props.id}
        type={(props.type ?? 'text') as 'text'}
        value={props.value}
        onInput={(e) => props.onValue(e.currentTarget.value)}
        inputMode={props.inputMode}
        autoComplete={props.autoComplete ?? 'off'}
        spellcheck={false}
        required={props.required}
        placeholder={props.placeholder}
        maxLength={props.maxLength}
        aria-invalid={invalid ? 'true' : undefined}
        aria-describedby={describedBy(hintId, errorId)}
      />
      <FieldErrors id={`${props.id}-error`} errors={props.errors} />
    </div>
  );
}

export interface Option {
  readonly value: string;
  readonly label: string;
  readonly disabled?: boolean;
}

export function SelectField(props: FieldProps & { readonly value: string; readonly onValue: (value: string) => void; readonly options: readonly Option[] }) {
  const invalid = props.errors !== undefined && props.errors.length > 0;
  const hintId = props.hint === undefined ? undefined : `${props.id}-hint`;
  const errorId = invalid ? `${props.id}-error` : undefined;
  return (
    <div class={`field ${props.class ?? ''}`}>
      <label for={props.id}>{props.label}</label>
      {props.hint !== undefined && (
        <p id={hintId} class="hint">
          {props.hint}
        </p>
      )}
      <select
        id={props.id}
        name={props.id}
        value={props.value}
        onChange={(e) => props.onValue(e.currentTarget.value)}
        aria-invalid={invalid ? 'true' : undefined}
        aria-describedby={describedBy(hintId, errorId)}
      >
        {props.options.map((o) => (
          <option key={o.value} value={o.value} disabled={o.disabled}>
            {o.label}
          </option>
        ))}
      </select>
      <FieldErrors id={`${props.id}-error`} errors={props.errors} />
    </div>
  );
}

/** Checkboxes in a fieldset; each is labelled with its value (voice, sms, …). */
export function CheckboxGroup(props: {
  readonly id: string;
  readonly legend: string;
  readonly options: readonly string[];
  readonly checked: readonly string[];
  readonly onChange: (checked: string[]) => void;
  readonly errors?: readonly string[] | undefined;
  readonly hint?: string;
}) {
  const invalid = props.errors !== undefined && props.errors.length > 0;
  const hintId = props.hint === undefined ? undefined : `${props.id}-hint`;
  const toggle = (option: string, on: boolean) => {
    const set = new Set(props.checked);
    if (on) set.add(option);
    else set.delete(option);
    props.onChange(props.options.filter((o) => set.has(o)));
  };
  return (
    <fieldset class="checkboxes" id={props.id} aria-describedby={describedBy(hintId, invalid && `${props.id}-error`)}>
      <legend>{props.legend}</legend>
      {props.hint !== undefined && (
        <p id={hintId} class="hint">
          {props.hint}
        </p>
      )}
      <div class="checkbox-list">
        {props.options.map((o) => (
          <label key={o} class="checkbox" for={`${props.id}-${o}`}>
            <input
              type="checkbox"
              id={`${props.id}-${o}`}
              name={props.id}
              value={o}
              checked={props.checked.includes(o)}
              onChange={(e) => toggle(o, e.currentTarget.checked)}
              aria-invalid={invalid ? 'true' : undefined}
            />
            {o}
          </label>
        ))}
      </div>
      <FieldErrors id={`${props.id}-error`} errors={props.errors} />
    </fieldset>
  );
}

export function Alert({ messages, title }: { messages: readonly (string | null)[]; title?: string }) {
  const shown = messages.filter((m): m is string => m !== null && m !== '');
  if (shown.length === 0) return null;
  return (
    <div role="alert" class="alert alert-error">
      {title !== undefined && <p class="alert-title">{title}</p>}
      {shown.map((m) => (
        <p key={m}>{m}</p>
      ))}
    </div>
  );
}

/** A polite live region, present from the start so that what appears in it is announced. */
export function Status({ children, class: extra }: { children?: ComponentChildren; class?: string }) {
  return (
    <div role="status" aria-live="polite" class={`status ${extra ?? ''}`}>
      {children}
    </div>
  );
}

/** A table's box: it scrolls sideways on narrow screens so the page itself never does. */
export function TableWrap({ children }: { children: ComponentChildren }) {
  // Focusable, so that a keyboard can scroll it; unnamed, so that its name cannot be mistaken for a field's label.
  return (
    <div class="table-wrap" tabIndex={0}>
      {children}
    </div>
  );
}

/** A modal <dialog>, shown while `open`; Escape or Cancel calls onClose. */
export function Dialog(props: { open: boolean; title: string; onClose: () => void; children: ComponentChildren; describedBy?: string }) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  // Opened as the render commits, so that a key pressed right after the click already reaches the dialog.
  useLayoutEffect(() => {
    const dialog = ref.current;
    if (dialog === null) return;
    if (props.open && !dialog.open) {
      dialog.showModal();
      // The safe choice first (Cancel), where the dialog names one.
      dialog.querySelector<HTMLElement>('[data-initial-focus]')?.focus();
    }
    if (!props.open && dialog.open) dialog.close();
  }, [props.open]);
  return (
    <dialog ref={ref} aria-labelledby={titleId} aria-describedby={props.describedBy} onClose={props.onClose} class="dialog">
      {props.open && (
        <>
          <h2 id={titleId}>{props.title}</h2>
          {props.children}
        </>
      )}
    </dialog>
  );
}

export function Loading({ what }: { what: string }) {
  return <p class="loading">Loading {what}…</p>;
}

export type FormEvent = TargetedSubmitEvent<HTMLFormElement>;

export interface Get<T> {
  readonly data: T | null;
  /** The failed answer, for pages that place its problems beside their fields. */
  readonly failed: Answer | null;
  readonly error: string | null;
  readonly loading: boolean;
  readonly reload: () => void;
}

/** GET a path (null: nothing yet) and keep its answer; a new path or reload() fetches again. */
export function useGet<T>(path: string | null, onData?: (data: T) => void): Get<T> {
  const [state, setState] = useState<{ data: T | null; failed: Answer | null; error: string | null; loading: boolean }>({
    data: null,
    failed: null,
    error: null,
    loading: path !== null,
  });
  const [generation, setGeneration] = useState(0);
  const handler = useRef(onData);
  handler.current = onData;
  useEffect(() => {
    if (path === null) return;
    const abort = new AbortController();
    setState((s) => ({ ...s, loading: true }));
    send('GET', path, { signal: abort.signal }).then(
      (answer) => {
        if (abort.signal.aborted) return;
        if (answer.ok) {
          handler.current?.(answer.body as T);
          setState({ data: answer.body as T, failed: null, error: null, loading: false });
        } else {
          setState((s) => ({ data: answer.status === 404 ? null : s.data, failed: answer, error: failureText(answer), loading: false }));
        }
      },
      (error: unknown) => {
        if (abort.signal.aborted || isQuiet(error)) return;
        setState((s) => ({ ...s, failed: null, error: errorText(error), loading: false }));
      },
    );
    return () => abort.abort();
  }, [path, generation]);
  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  return { ...state, reload };
}
