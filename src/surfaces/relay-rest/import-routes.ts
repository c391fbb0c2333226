import { type GuardDeps, guard } from '../../auth/route-guard.js';
import type { App } from '../../http/app-type.js';
import { pickErrors } from './error-responses.js';
import { sendJson } from '../../http/send-json.js';
import { PhoneNumberResponse } from './phone-number-schemas.js';
import { ImportPhoneNumberRequest } from './import-schemas.js';
import { recordJson } from '../../domain/phone-number-record.js';
import type { ImportService } from '../../numbers/import-service.js';

export function importRoutes(app: App, deps: GuardDeps & { importNumber: ImportService }): void {
  app.post(
    '/imported_phone_numbers',
    {
      onRequest: guard(deps, { scope: 'numbers', partnerApi: true }),
      config: { counts: 'import' },
      schema: {
        operationId: 'create_imported_phone_number',
        summary: 'Import phone number',
        description:
          'Imports a number hosted at another carrier into the caller\'s project. Partner API: the Space must have it enabled, and the token needs the "numbers" scope. A number is active in at most one project of the installation: importing an active number answers 422 "Number has already been taken".',
        tags: ['Imported Phone Numbers'],
        body: ImportPhoneNumberRequest,
        response: {
          201: { description: 'The number was imported.', ...PhoneNumberResponse },
          ...pickErrors(400, 401, 403, 413, 415, 422, 429, 500, 503),
        },
      },
    },
    async (request, reply) => {
      return sendJson(reply, recordJson(await deps.importNumber(request.principal, request.body, { requestId: request.id, surface: 'relay-rest' })), 201);
    },
  );
}
