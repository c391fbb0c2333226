import { Type } from '@sinclair/typebox';
import { SCOPES } from '../../domain/scopes.js';
import { StringEnum } from '../../http/schema-kit.js';

export { CreateTokenRequest, UpdateTokenRequest } from '../../http/token-request-schemas.js';

export const TokenParams = Type.Object({ token_id: Type.String({ description: 'The token\'s id (a UUID). Another project\'s, a revoked or a malformed id answers 404.' }) });

export const TokenResponse = Type.Object(
  {
    id: Type.String({ format: 'uuid', description: 'The token\'s id.' }),
    name: Type.String(),
    permissions: Type.Array(StringEnum(SCOPES), { description: 'The scopes, in alphabetical order.' }),
    token: Type.String({
      description:
        'The secret (PT followed by 48 hex digits), to use with the project id in HTTP Basic authentication. Only the create answer holds it: numberspace keeps only a hash, so the update answer has the empty string here.',
    }),
  },
  { additionalProperties: false },
);

/** The token validation error of the Project Tokens API. */
export const TokenValidationError = Type.Object(
  {
    errors: Type.Array(
      Type.Object(
        {
          type: Type.String({ description: 'Always validation_error.' }),
          code: Type.String({ description: 'What is wrong: one of the problem codes in docs/errors.md.' }),
          message: Type.String(),
          attribute: Type.Union([Type.String(), Type.Null()], { description: 'The request attribute at fault, or null.' }),
          url: Type.String(),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
