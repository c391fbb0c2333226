import { type GuardDeps, guard } from '../../auth/route-guard.js';
import type { App } from '../../http/app-type.js';
import { pickErrors } from './error-responses.js';
import { type Idempotency, IdempotencyHeaders } from '../../http/idempotency.js';
import { PhoneNumberResponse } from './phone-number-schemas.js';
import { ImportPhoneNumberRequest } from './import-schemas.js';
import { recordJson } from '../../domain/phone-number-record.js';
import type { ImportService } from '../../numbers/import-service.js';
import { keptRecordReference } from '../../numbers/kept-import-answer.js';

export function importRoutes(app: App, deps: GuardDeps & { importNumber: ImportService; idempotency: Idempotency }): void {
  app.post(
    '/imported_phone_numbers',
    {
      onRequest: guard(deps, { scope: 'numbers', partnerApi: true }),
      preValidation: deps.idempotency.claim('relay-rest.import'),
      onSend: deps.idempotency.keepRefusal,
      onResponse: deps.idempotency.release,
      config: { counts: 'import' },
      schema: {
        operationId: 'create_imported_phone_number',
        summary: 'Import phone number',
        description:
          'Imports a number hosted at another carrier into the caller\'s project. Partner API: the Space must have it enabled, and the token needs the "numbers" scope. A number is active in at most one project of the installation: importing an active number answers 422 "Number has already been taken".',
        tags: ['Imported Phone Numbers'],
        headers: IdempotencyHeaders,
        body: ImportPhoneNumberRequest,
        response: {
          201: { description: 'The number was imported (or, with Idempotent-Replayed: true, the first answer to this Idempotency-Key).', ...PhoneNumberResponse },
          ...pickErrors(400, 401, 403, 409, 413, 415, 422, 429, 500, 503),
        },
      },
    },
    async (request, reply) =>
      deps.idempotency.answerOnce(
        request,
        reply,
        201,
        recordJson,
        (answerFor) => deps.importNumber(request.principal, request.body, { requestId: request.id, surface: 'relay-rest' }, answerFor),
        keptRecordReference,
      ),
  );
}
