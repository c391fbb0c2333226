import { type Static, Type } from '@sinclair/typebox';
import { ERROR_DETAIL_KEYWORD } from '../../http/validation-errors.js';
import { StringEnum } from '../../http/schema-kit.js';

/** The request's enum order, as the contract lists it (the response uses voice, sms, mms, fax). */
const REQUEST_CAPABILITIES = ['sms', 'voice', 'fax', 'mms'] as const;

export const ImportPhoneNumberRequest = Type.Object(
  {
    number: Type.String({
      minLength: 5,
      maxLength: 30,
      // ASCII digits only (Ajv compiles patterns with the `u` flag, where [0-9] is still ASCII),
      // at most one leading +, and no leading 0: no E.164 country code starts with 0.
      pattern: '^\\+?[1-9][0-9]*$',
      [ERROR_DETAIL_KEYWORD]:
        "must be an E.164 number: ASCII digits with at most one leading '+', and a country code that does not start with 0",
      description:
        "The number to import, E.164. 5 to 30 characters: ASCII digits with an optional leading '+'. Stored and returned with the '+'.",
      examples: ['+15558675309'],
    }),
    number_type: StringEnum(['longcode', 'tollfree'] as const, {
      description: 'longcode or tollfree. The response spells toll-free `toll-free`.',
    }),
    capabilities: Type.Optional(
      Type.Array(StringEnum(REQUEST_CAPABILITIES), {
        minItems: 1,
        // Four values exist; repeats are allowed (they collapse) but an unbounded list is not.
        maxItems: 16,
        description: 'Defaults to all four when absent. 1 to 16 items when present; repeated values collapse.',
      }),
    ),
  },
  { additionalProperties: false },
);
export type ImportPhoneNumberRequest = Static<typeof ImportPhoneNumberRequest>;
