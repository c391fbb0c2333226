import { errors, problem } from '../domain/errors.js';

/**
 * Reading a search's query parameters by hand, so every bad one answers 422 naming it (a
 * schema would answer 400 without saying which): each surface names its own parameters.
 */
export type Query = Readonly<Record<string, unknown>>;

const refuse = (name: string, detail: string) => errors.invalid([problem('invalid_value', `${name} ${detail}`, name)]);

/** The parameter's one value; undefined when absent or empty. A repeated parameter is refused. */
export function textParam(query: Query, name: string): string | undefined {
  const raw = query[name];
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string') throw refuse(name, 'must be given once');
  return raw === '' ? undefined : raw;
}

/** ASCII digits of a length in [min, max]. */
export function digitsParam(query: Query, name: string, min: number, max: number): string | null {
  const value = textParam(query, name);
  if (value === undefined) return null;
  if (!/^[0-9]+$/.test(value) || value.length < min || value.length > max) {
    throw refuse(name, min === max ? `must be ${min} digits` : `must be ${min} to ${max} digits`);
  }
  return value;
}

/** An integer in [min, max]; `fallback` when absent. */
export function integerParam(query: Query, name: string, min: number, max: number, fallback: number): number {
  const value = textParam(query, name);
  if (value === undefined) return fallback;
  if (!/^[0-9]{1,6}$/.test(value) || Number(value) < min || Number(value) > max) throw refuse(name, `must be an integer from ${min} to ${max}`);
  return Number(value);
}

/** true or false (any case); undefined when absent. */
export function booleanParam(query: Query, name: string): boolean | undefined {
  const value = textParam(query, name);
  if (value === undefined) return undefined;
  const lower = value.toLowerCase();
  if (lower !== 'true' && lower !== 'false') throw refuse(name, 'must be true or false');
  return lower === 'true';
}

/** A two-letter state or province code, upper-cased. */
export function regionParam(query: Query, name: string): string | null {
  const value = textParam(query, name);
  if (value === undefined) return null;
  if (!/^[A-Za-z]{2}$/.test(value)) throw refuse(name, 'must be a two-letter state or province code (ISO 3166-2), e.g. TX');
  return value.toUpperCase();
}

/** Free text of at most `max` characters, no control characters. */
export function placeParam(query: Query, name: string, max = 100): string | null {
  const value = textParam(query, name)?.trim();
  if (value === undefined || value === '') return null;
  if (value.length > max || /[\u0000-\u001f\u007f]/.test(value)) throw refuse(name, `must be at most ${max} characters with no control characters`);
  return value;
}

export { refuse as invalidParam };
