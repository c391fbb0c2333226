import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { StringEnum } from '../../http/schema-kit.js';
import { ERROR_DETAIL_KEYWORD } from '../../http/validation-errors.js';
import { MAX_PAGE_SIZE } from '../../numbers/phone-number-service.js';
import { UPDATE_MAPPING } from './field-mapping.js';

const UUID = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}';
const nullable = <T extends TSchema>(schema: T, description: string) => Type.Union([schema, Type.Null()], { description });

export const AccountParams = Type.Object({
  AccountSid: Type.String({ description: 'The project id. Any other account answers 404, like an unknown number.' }),
});

export const NumberParams = Type.Object({
  AccountSid: AccountParams.properties.AccountSid,
  Sid: Type.String({ description: 'The number\'s sid (its Relay REST id), optionally followed by `.json`. Any other value answers 404.' }),
});

/** The request's enum order, as the contract lists it. */
const CAPABILITIES = ['sms', 'voice', 'fax', 'mms'] as const;

/**
 * The contract's ImportPhoneNumberRequest: the `+` is required here. Its pattern is tightened
 * to what Relay REST also enforces, a country code that does not start with 0.
 */
export const CompatibilityImportRequest = Type.Object(
  {
    number: Type.String({
      minLength: 6,
      maxLength: 31,
      pattern: '^\\+[1-9][0-9]{4,29}$',
      [ERROR_DETAIL_KEYWORD]: "must be an E.164 number: '+' followed by 5 to 30 ASCII digits, with a country code that does not start with 0",
      description: "The number to import in E.164 format: '+' followed by 5 to 30 digits.",
      examples: ['+15558675309'],
    }),
    number_type: StringEnum(['longcode', 'tollfree'] as const, { description: 'longcode or tollfree.' }),
    capabilities: Type.Optional(
      Type.Array(StringEnum(CAPABILITIES), {
        minItems: 1,
        maxItems: 16,
        description: 'Defaults to all four when absent. In a form body, repeat the key for each value (`capabilities=sms&capabilities=voice`).',
      }),
    ),
  },
  { additionalProperties: false },
);
export type CompatibilityImportRequest = Static<typeof CompatibilityImportRequest>;

const METHOD = (description: string) => StringEnum(['GET', 'POST'] as const, { description });
const URL_TEXT = (description: string) => Type.String({ description: `${description} An absolute http or https URL; an empty value clears it.` });
const SID = (description: string) =>
  Type.String({ pattern: `^(${UUID})?$`, [ERROR_DETAIL_KEYWORD]: 'must be a UUID', description: `${description} A UUID; an empty value clears it.` });

export const UPDATE_FIELDS: Record<string, TSchema> = {
  FriendlyName: Type.String({ minLength: 1, maxLength: 255, description: 'The number\'s name (Relay REST `name`).' }),
  VoiceUrl: URL_TEXT('Where incoming calls are requested; chooses the laml_webhooks call handler.'),
  VoiceMethod: METHOD('The method of VoiceUrl requests.'),
  VoiceFallbackUrl: URL_TEXT('Requested when VoiceUrl fails.'),
  VoiceFallbackMethod: METHOD('The method of VoiceFallbackUrl requests.'),
  StatusCallback: URL_TEXT('Where call status changes are sent.'),
  StatusCallbackMethod: METHOD('The method of StatusCallback requests.'),
  VoiceApplicationSid: SID('The LaML application that answers calls; chooses the laml_application call handler.'),
  VoiceReceiveMode: StringEnum(['voice', 'fax'] as const, { description: 'Whether calls are received as voice or fax.' }),
  SmsUrl: URL_TEXT('Where incoming messages are requested; chooses the laml_webhooks message handler.'),
  SmsMethod: METHOD('The method of SmsUrl requests.'),
  SmsFallbackUrl: URL_TEXT('Requested when SmsUrl fails.'),
  SmsFallbackMethod: METHOD('The method of SmsFallbackUrl requests.'),
  SmsApplicationSid: SID('The LaML application that answers messages; chooses the laml_application message handler.'),
};
// The mapping table and this schema name the same parameters: one cannot gain one the other lacks.
for (const m of UPDATE_MAPPING) if (UPDATE_FIELDS[m.parameter] === undefined) throw new Error(`no schema for ${m.parameter}`);

/** The contract's CreateIncomingPhoneNumberRequest: the number to buy, and the attributes an update would set. */
export const CompatibilityPurchaseRequest = Type.Object(
  {
    PhoneNumber: Type.String({
      minLength: 6,
      maxLength: 18,
      pattern: '^\\+[1-9][0-9]{4,16}$',
      [ERROR_DETAIL_KEYWORD]: "must be an E.164 number: '+' followed by 5 to 17 ASCII digits, with a country code that does not start with 0",
      description: 'The number to buy, E.164, as a search answered it.',
      examples: ['+15125550100'],
    }),
    ...Object.fromEntries(Object.entries(UPDATE_FIELDS).map(([name, schema]) => [name, Type.Optional(schema)])),
  },
  { additionalProperties: false },
);
export type CompatibilityPurchaseRequest = { PhoneNumber: string } & Partial<Record<string, string>>;

/** The contract's UpdateIncomingPhoneNumberRequest; partial. */
export const CompatibilityUpdateRequest = Type.Partial(
  Type.Object({
    ...UPDATE_FIELDS,
    AccountSid: Type.String({ description: 'Transfers the number to another account: not emulated. Only the number\'s own account is accepted (no change).' }),
    EmergencyAddressSid: Type.String({ description: 'E911 addresses are not emulated: answers 422.' }),
  }),
  { additionalProperties: false },
);
export type CompatibilityUpdateRequest = Static<typeof CompatibilityUpdateRequest> & Partial<Record<string, string>>;

export const DEFAULT_COMPAT_PAGE_SIZE = 50;

export const ListQuery = Type.Object({
  Page: Type.Optional(
    Type.String({ pattern: '^(0|[1-9][0-9]{0,8})$', description: 'Zero-indexed page number. Above 0 it needs the PageToken of a link this server returned.' }),
  ),
  PageSize: Type.Optional(
    Type.String({ pattern: `^([1-9][0-9]{0,2}|${MAX_PAGE_SIZE})$`, description: `1 to ${MAX_PAGE_SIZE}, default ${DEFAULT_COMPAT_PAGE_SIZE}.` }),
  ),
  PageToken: Type.Optional(Type.String({ description: 'The cursor of next_page_uri or previous_page_uri; valid only with the filters and PageSize it was issued for.' })),
  PhoneNumber: Type.Optional(Type.String({ description: 'Only numbers whose E.164 form contains this text (send + as %2B).' })),
  FriendlyName: Type.Optional(Type.String({ description: 'Only numbers whose name contains this text, compared case-insensitively.' })),
});
export type ListQuery = Static<typeof ListQuery>;

const Capabilities = Type.Object(
  { voice: Type.Boolean(), sms: Type.Boolean(), mms: Type.Boolean(), fax: Type.Boolean() },
  { additionalProperties: false },
);

const text = (description: string) => Type.String({ description });
const method = (description: string) => Type.String({ description });

export const IncomingPhoneNumber = Type.Object(
  {
    account_id: text('The project id.'),
    account_sid: text('The project id.'),
    address_requirements: Type.Literal('none'),
    address_sid: Type.Null(),
    api_version: Type.Literal('2010-04-01'),
    beta: Type.Literal(false),
    capabilities: Capabilities,
    country_code: text('ISO 3166-1 alpha-2 region of the number; empty for non-geographic numbers.'),
    date_created: text('RFC 2822, UTC.'),
    date_updated: text('RFC 2822, UTC.'),
    emergency_address_sid: nullable(Type.String(), 'The E911 address; null when none.'),
    emergency_status: StringEnum(['Active', 'Inactive'] as const),
    friendly_name: text('The number\'s name; when it has none, the number written for reading.'),
    identity_sid: Type.Null(),
    origin: StringEnum(['signalwire', 'hosted'] as const, { description: 'hosted: imported from another carrier.' }),
    phone_number: text('E.164.'),
    sid: text('The number\'s id, the same as its Relay REST id.'),
    sms_application_sid: nullable(Type.String(), 'Set while the message handler is laml_application.'),
    sms_fallback_method: method('GET or POST; POST when unset.'),
    sms_fallback_url: nullable(Type.String(), 'The message fallback URL.'),
    sms_method: method('GET or POST; POST when unset.'),
    sms_url: nullable(Type.String(), 'Set while the message handler is laml_webhooks.'),
    status_callback: nullable(Type.String(), 'The call status callback URL.'),
    status_callback_method: method('GET or POST; POST when unset.'),
    trunk_sid: Type.Null(),
    uri: text('This resource\'s path, with the prefix and suffix of the request.'),
    verification_status: Type.Optional(text('Toll-free numbers only: Unverified.')),
    voice_application_sid: nullable(Type.String(), 'Set while the call handler is laml_application.'),
    voice_caller_id_lookup: Type.Null(),
    voice_fallback_method: method('GET or POST; POST when unset.'),
    voice_fallback_url: nullable(Type.String(), 'The call fallback URL.'),
    voice_method: method('GET or POST; POST when unset.'),
    voice_url: nullable(Type.String(), 'Set while the call handler is laml_webhooks.'),
  },
  { additionalProperties: false },
);

export const IncomingPhoneNumberList = Type.Object(
  {
    uri: text('This page.'),
    first_page_uri: text('The first page.'),
    next_page_uri: nullable(Type.String(), 'The next (older) page; null when no more numbers follow.'),
    previous_page_uri: nullable(Type.String(), 'The previous (newer) page; null on the first page.'),
    page: Type.Integer(),
    page_size: Type.Integer(),
    incoming_phone_numbers: Type.Array(IncomingPhoneNumber, { description: 'Newest first.' }),
  },
  { additionalProperties: false },
);

export const CompatibilityError = Type.Object(
  {
    code: Type.Integer({ description: 'See docs/compatibility-api.md for the table of codes.' }),
    message: Type.String(),
    more_info: Type.String(),
    status: Type.Integer(),
  },
  { additionalProperties: false },
);

export const ImportError = Type.Object(
  {
    code: Type.String({ description: 'The problem\'s code, as Relay REST names it (number_taken, invalid_format ...).' }),
    message: Type.String(),
    more_info: Type.String(),
    status: Type.Integer(),
  },
  { additionalProperties: false },
);
