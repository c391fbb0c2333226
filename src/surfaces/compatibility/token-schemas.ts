import { Type } from '@sinclair/typebox';
import { SCOPES } from '../../domain/scopes.js';
import { StringEnum } from '../../http/schema-kit.js';
import { MAX_TOKEN_NAME } from '../../tenancy/token-service.js';
import { AccountParams } from './schemas.js';

export { AccountParams };

const NAME = Type.String({ minLength: 1, maxLength: MAX_TOKEN_NAME, description: 'A label for people: 1 to 255 characters, not blank, no control characters.' });
const PERMISSIONS = (description: string, minItems?: number) =>
  Type.Array(StringEnum(SCOPES), { ...(minItems === undefined ? {} : { minItems }), maxItems: 64, description });

/** The token bodies keep lower-case names on this surface too. */
export const CreateTokenRequest = Type.Object(
  {
    name: NAME,
    permissions: PERMISSIONS('The scopes the token grants, from the 11 known ones; repeats are ignored.', 1),
    subproject_id: Type.Optional(Type.String({ description: 'Not emulated: numberspace has no subprojects, so any value answers 422 (not_served).' })),
  },
  { additionalProperties: false },
);

export const UpdateTokenRequest = Type.Object(
  {
    name: Type.Optional(NAME),
    permissions: Type.Optional(PERMISSIONS('Replaces the token\'s scopes; must not be empty. Absent: the scopes stay.')),
  },
  { additionalProperties: false },
);

export const TokenParams = Type.Object({
  AccountSid: AccountParams.properties.AccountSid,
  token_id: Type.String({ description: 'The token\'s id (a UUID), optionally followed by `.json`. Another account\'s, a revoked or a malformed id answers 404.' }),
});

export const TokenResponse = Type.Object(
  {
    id: Type.String({ format: 'uuid', description: 'The token\'s id.' }),
    name: Type.String({ minLength: 1 }),
    permissions: Type.Array(Type.String(), { description: 'The scopes, in alphabetical order.' }),
    token: Type.String({
      description:
        'The secret (PT followed by 48 hex digits), to use with the project id in HTTP Basic authentication. Only the create answer holds it: numberspace keeps only a hash, so the update answer has the empty string here.',
    }),
  },
  { additionalProperties: false },
);

/** The contract's flat token validation error: one object, not a list. */
export const CompatibilityTokenValidationError = Type.Object(
  {
    type: Type.String({ description: 'Always validation_error.' }),
    code: Type.String({ description: 'What is wrong: one of the problem codes in docs/errors.md.' }),
    message: Type.String({ description: 'Every problem, each naming its parameter.' }),
    attribute: Type.String({ description: 'The parameter of the first problem; body when the body as a whole is at fault.' }),
    url: Type.String({ format: 'uri' }),
  },
  { additionalProperties: false },
);
