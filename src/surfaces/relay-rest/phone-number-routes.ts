import { Type } from '@sinclair/typebox';
import { type GuardDeps, guard } from '../../auth/route-guard.js';
import type { App } from '../../http/app-type.js';
import { pickErrors } from './error-responses.js';
import { sendJson } from '../../http/send-json.js';
import { ListPhoneNumbersQuery, PhoneNumberListResponse } from './phone-number-list-schemas.js';
import { PhoneNumberResponse } from './phone-number-schemas.js';
import type { PhoneNumberService } from '../../numbers/phone-number-service.js';
import { recordJson } from '../../domain/phone-number-record.js';
import { listRequest, pageJson } from './list-page.js';
import { UpdatePhoneNumberRequest } from './phone-number-update-schemas.js';

const TAGS = ['Phone Numbers'];

/**
 * The id is deliberately only a string here: a schema format would make a malformed id a
 * 400, where the contract's answer for a number the caller cannot see is 404 whatever the id.
 */
const PhoneNumberParams = Type.Object({
  id: Type.String({ description: 'Unique ID of the phone number (a UUID). Any other value answers 404.' }),
});

const SCOPE_NOTE = 'Needs an API token with the "numbers" scope, and sees only the numbers of the token\'s project.';
const NOT_VISIBLE =
  'An id that is unknown, malformed, released, or belongs to another project answers 404 alike.';

/** Paths are relative to the surface's prefix, /api/relay/rest. */
export function phoneNumberRoutes(app: App, deps: GuardDeps & { phoneNumbers: PhoneNumberService }): void {
  const onRequest = guard(deps, { scope: 'numbers' });

  app.get(
    '/phone_numbers',
    {
      onRequest,
      schema: {
        operationId: 'list_phone_numbers',
        summary: 'List phone numbers',
        description: [
          `Lists the project's active numbers, newest first (creation time, then id, both descending). ${SCOPE_NOTE}`,
          'Pagination is by cursor, not offset: follow links.next (and links.prev) as given. Each link is a path that repeats the filters and page_size and carries page_number and a signed page_token; a token is valid only for the project, filters and page_size it was issued for, and anything else (forged, altered, another project\'s, other filters) answers 400. Walking links.next from the first page visits every number that exists throughout the walk exactly once, even while numbers are imported or released.',
          'page_number above 0 without a page_token answers 400. links.next is present only when more numbers follow; links.prev only when not on the first page. A walk back that reaches the newest numbers answers the first page.',
          'Query parameters this operation does not define are ignored. Invalid values (page_size outside 1..1000, non-integers) answer 400.',
        ].join('\n\n'),
        tags: TAGS,
        querystring: ListPhoneNumbersQuery,
        response: {
          200: { description: 'One page of numbers.', ...PhoneNumberListResponse },
          ...pickErrors(400, 401, 403, 429, 500, 503),
        },
      },
    },
    async (request, reply) => sendJson(reply, pageJson(await deps.phoneNumbers.listJson(request.principal, listRequest(request.query), 'relay'))),
  );

  app.get(
    '/phone_numbers/:id',
    {
      onRequest,
      schema: {
        operationId: 'retrieve_phone_number',
        summary: 'Get phone number',
        description: `Retrieves one of the project's active numbers. ${SCOPE_NOTE} ${NOT_VISIBLE}`,
        tags: TAGS,
        params: PhoneNumberParams,
        response: {
          200: { description: 'The number.', ...PhoneNumberResponse },
          ...pickErrors(401, 403, 404, 429, 500, 503),
        },
      },
    },
    async (request, reply) => sendJson(reply, await deps.phoneNumbers.getJson(request.principal, request.params.id, 'relay')),
  );

  app.put(
    '/phone_numbers/:id',
    {
      onRequest,
      schema: {
        operationId: 'update_phone_number',
        summary: 'Update phone number',
        description: [
          `Updates a number's name and handlers with a partial body: absent attributes keep their values. ${SCOPE_NOTE} ${NOT_VISIBLE}`,
          'Each call_handler needs its companion attribute once the update is applied (sent now or stored before): laml_webhooks call_request_url; relay_script call_relay_script_url; relay_topic call_relay_topic; relay_application call_relay_application; relay_context call_relay_context; laml_application call_laml_application_id; dialogflow call_dialogflow_agent_id; relay_connector call_relay_connector_id; relay_sip_endpoint call_sip_endpoint_id; relay_verto_endpoint call_verto_resource; video_room call_video_room_id; ai_agent call_ai_agent_id; call_flow call_flow_id. Each message_handler likewise: laml_webhooks message_request_url; laml_application message_laml_application_id; relay_topic message_relay_topic; relay_context message_relay_context; relay_application message_relay_application.',
          'ai_agent and call_flow (sent this way by SignalWire\'s SDK) store their id as calling_handler_resource_id; changing call_handler clears it. Every *_url attribute must be an absolute http or https URL. JSON null is not accepted for any attribute; an empty string clears an optional text attribute. Unknown attributes answer 422. Problems in types, enums and formats are reported together; once those pass, every handler and URL problem is reported together.',
          'number, number_type, capabilities and created_at never change; updated_at moves forward on every update. The answer is the whole updated number.',
        ].join('\n\n'),
        tags: TAGS,
        params: PhoneNumberParams,
        body: UpdatePhoneNumberRequest,
        response: {
          200: { description: 'The updated number.', ...PhoneNumberResponse },
          ...pickErrors(400, 401, 403, 404, 413, 415, 422, 429, 500, 503),
        },
      },
    },
    async (request, reply) =>
      sendJson(reply, recordJson(await deps.phoneNumbers.update(request.principal, request.params.id, request.body, { requestId: request.id, surface: 'relay-rest' }))),
  );

  app.delete(
    '/phone_numbers/:id',
    {
      onRequest,
      config: { counts: 'release' },
      schema: {
        operationId: 'release_phone_number',
        summary: 'Release phone number',
        description: `Releases a number from the project. ${SCOPE_NOTE} ${NOT_VISIBLE} Once released, the number is gone from get, update and list (releasing it again answers 404), and the number can be imported again by any project, under a new id.`,
        tags: TAGS,
        params: PhoneNumberParams,
        response: {
          204: { description: 'Released; no body.', type: 'null' },
          ...pickErrors(401, 403, 404, 429, 500, 503),
        },
      },
    },
    async (request, reply) => {
      await deps.phoneNumbers.release(request.principal, request.params.id, { requestId: request.id, surface: 'relay-rest' });
      return reply.code(204).send();
    },
  );
}
