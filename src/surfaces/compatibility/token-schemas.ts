import { Type } from '@sinclair/typebox';
import { AccountParams } from './schemas.js';

export { AccountParams };

export { CreateTokenRequest, UpdateTokenRequest } from '../../http/token-request-schemas.js';

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
