/** The shapes of the API answers the console reads. */

export type Capability = 'voice' | 'sms' | 'mms' | 'fax';
export const CAPABILITIES: readonly Capability[] = ['voice', 'sms', 'mms', 'fax'];

export interface PhoneNumber {
  readonly id: string;
  readonly number: string;
  readonly name: string | null;
  readonly capabilities: readonly Capability[];
  readonly number_type: 'longcode' | 'toll-free';
  readonly created_at: string;
  readonly updated_at: string;
  readonly call_handler: string | null;
  readonly message_handler: string | null;
  readonly country_code: string | null;
  readonly [field: string]: unknown;
}

export interface Links {
  readonly self: string;
  readonly first: string;
  readonly next?: string;
  readonly prev?: string;
}

export interface NumberPage {
  readonly links: Links;
  readonly data: readonly PhoneNumber[];
}

export interface ActivityItem {
  readonly id: string;
  readonly at: string;
  readonly action: string;
  readonly resource_id: string;
  readonly number: string | null;
  readonly surface: string | null;
  readonly token_id: string | null;
  readonly request_id: string | null;
  readonly details: Readonly<Record<string, unknown>>;
}

export interface ActivityPage {
  readonly links: Links;
  readonly data: readonly ActivityItem[];
}

export interface Overview {
  readonly active_numbers: number;
  readonly by_country: readonly { readonly country_code: string | null; readonly count: number }[];
  readonly by_type: readonly { readonly number_type: string; readonly count: number }[];
  readonly daily: readonly { readonly date: string; readonly imported: number; readonly purchased: number; readonly released: number }[];
  readonly recent: readonly ActivityItem[];
}

export interface AvailableNumber {
  readonly number: string;
  readonly region?: string;
  readonly city?: string;
  readonly rate_center?: string;
  readonly lata?: string;
  readonly capabilities: Readonly<Record<Capability, boolean>>;
}

export interface Token {
  readonly id: string;
  readonly name: string;
  readonly permissions: readonly string[];
  readonly token?: string;
}

export const SCOPES = ['calling', 'chat', 'datasphere', 'fax', 'management', 'messaging', 'numbers', 'pubsub', 'storage', 'tasking', 'video'] as const;
