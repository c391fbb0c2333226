import { type Static, Type } from '@sinclair/typebox';
import { SCOPES } from '../../domain/scopes.js';
import { StringEnum } from '../../http/schema-kit.js';
import { MAX_TOKEN_NAME } from '../../tenancy/token-service.js';

const NAME = Type.String({ minLength: 1, maxLength: MAX_TOKEN_NAME, description: 'A label for people: 1 to 255 characters, not blank, no control characters.' });
const PERMISSIONS = (description: string, minItems?: number) =>
  Type.Array(StringEnum(SCOPES), { ...(minItems === undefined ? {} : { minItems }), maxItems: 64, description });

export const CreateTokenRequest = Type.Object(
  {
    name: NAME,
    permissions: PERMISSIONS('The scopes the token grants, from the 11 known ones; repeats are ignored.', 1),
    subproject_id: Type.Optional(Type.String({ description: 'Not emulated: numberspace has no subprojects, so any value answers 422 (not_served).' })),
  },
  { additionalProperties: false },
);
export type CreateTokenRequest = Static<typeof CreateTokenRequest>;

export const UpdateTokenRequest = Type.Object(
  {
    name: Type.Optional(NAME),
    permissions: Type.Optional(PERMISSIONS('Replaces the token\'s scopes; must not be empty. Absent: the scopes stay.')),
  },
  { additionalProperties: false },
);
export type UpdateTokenRequest = Static<typeof UpdateTokenRequest>;

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
