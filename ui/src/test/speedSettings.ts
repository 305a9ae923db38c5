/** Bid-for-speed settings for unit tests: the core's defaults, changed where a test says. */
import type { SpeedSettings } from '../bindings';

export const BTT = 10n ** 18n;
export const MIB = 1 << 20;

/** `SpeedSettings::default()` in `crates/api/src/speed.rs`, with `overrides` on top. */
export function speedSettings(overrides: Partial<SpeedSettings> = {}): SpeedSettings {
  return {
    spending_enabled: false,
    strategy: 'auto',
    fixed_price_per_gib: (10_000n * BTT).toString(),
    max_price_per_gib: (50_000n * BTT).toString(),
    budget_per_torrent: '0',
    spending_cap: (20_000_000n * BTT).toString(),
    earning_enabled: false,
    ask_per_gib: (10_000n * BTT).toString(),
    credit_window_bytes: 4 * MIB,
    exposure_cap: (20_000_000n * BTT).toString(),
    total_exposure_cap: (100_000_000n * BTT).toString(),
    settlement_overdue_secs: 24 * 3600,
    settle_fee_multiple: 20,
    btt_per_trx: (300_000n * BTT).toString(),
    ...overrides,
  };
}
