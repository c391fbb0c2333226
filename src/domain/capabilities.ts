/**
 * Capabilities are stored as a 4-bit mask. The wire order is the contract's enum order
 * (voice, sms, mms, fax) whatever order the request used, so every mask maps to one
 * frozen array computed once.
 */
export const CAPABILITIES = ['voice', 'sms', 'mms', 'fax'] as const;
export type Capability = (typeof CAPABILITIES)[number];

const BIT: Record<Capability, number> = { voice: 1, sms: 2, mms: 4, fax: 8 };
export const ALL_CAPABILITIES_MASK = 15;

const BY_MASK: ReadonlyArray<readonly Capability[]> = Array.from({ length: 16 }, (_, mask) =>
  Object.freeze(CAPABILITIES.filter((c) => (mask & BIT[c]) !== 0)),
);

/** Absent means all four; repeated values collapse. */
export function capabilitiesToMask(list: readonly Capability[] | undefined): number {
  if (list === undefined) return ALL_CAPABILITIES_MASK;
  let mask = 0;
  for (const c of list) mask |= BIT[c];
  return mask;
}

export function maskToCapabilities(mask: number): readonly Capability[] {
  return BY_MASK[mask & ALL_CAPABILITIES_MASK] ?? [];
}
