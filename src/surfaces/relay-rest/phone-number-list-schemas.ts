import { type Static, Type } from '@sinclair/typebox';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../../numbers/phone-number-service.js';
import { PhoneNumberResponse } from './phone-number-schemas.js';


/**
 * Query values arrive as strings and are never coerced (the app's Ajv has coerceTypes off),
 * so the integers are declared as strings of digits and converted by the service. The
 * patterns also state the ranges, so a value out of range fails here with 400.
 */
export const ListPhoneNumbersQuery = Type.Object({
  filter_name: Type.Optional(
    Type.String({
      description:
        'Only numbers whose name contains this text, compared case-insensitively. Literal: % _ and \\ match themselves. Numbers without a name never match. Empty means no filter.',
    }),
  ),
  filter_number: Type.Optional(
    Type.String({
      description:
        'Only numbers containing this text, e.g. a prefix such as +1555 (send + as %2B: a bare + in a query string is a space). Literal substring; empty means no filter.',
    }),
  ),
  page_number: Type.Optional(
    Type.String({
      pattern: '^(0|[1-9][0-9]{0,8})$',
      description:
        'Integer, 0-indexed, default 0. Above 0 it needs the page_token of a link this server returned, and must be the page number that link carried. With page_token and no page_number, the token\'s page is served.',
    }),
  ),
  page_size: Type.Optional(
    Type.String({
      pattern: `^([1-9][0-9]{0,2}|${MAX_PAGE_SIZE})$`,
      description: `Integer from 1 to ${MAX_PAGE_SIZE}, default ${DEFAULT_PAGE_SIZE}, written in plain decimal digits.`,
    }),
  ),
  page_token: Type.Optional(
    Type.String({
      description:
        'Opaque cursor from links.next or links.prev. Valid only for the project, filters and page_size of the request that produced it; anything else answers 400. Tokens do not expire.',
    }),
  ),
});
export type ListPhoneNumbersQuery = Static<typeof ListPhoneNumbersQuery>;

export const PaginationLinks = Type.Object(
  {
    self: Type.String({ description: 'This page: a path, repeating the filters and page_size.' }),
    first: Type.String({ description: 'The first page.' }),
    next: Type.Optional(Type.String({ description: 'The next (older) page. Only present when there are more results.' })),
    prev: Type.Optional(Type.String({ description: 'The previous (newer) page. Only present when not on the first page.' })),
  },
  { additionalProperties: false },
);
export type PaginationLinks = Static<typeof PaginationLinks>;

export const PhoneNumberListResponse = Type.Object(
  {
    links: PaginationLinks,
    data: Type.Array(PhoneNumberResponse, { description: 'Newest first.' }),
  },
  { additionalProperties: false },
);
export type PhoneNumberListResponse = Static<typeof PhoneNumberListResponse>;
