/** Queue settings for unit tests. */
import type { QueueSettings } from '../bindings';

/** `QueueSettings::default()` in `crates/api/src/limits.rs`. */
export const QUEUE_DEFAULTS: QueueSettings = {
  enabled: false,
  max_active_downloads: 3,
  max_active_uploads: 3,
  max_active_torrents: 5,
  ignore_slow: true,
  slow_download_bytes_per_sec: 2048,
  slow_upload_bytes_per_sec: 2048,
  slow_after_secs: 60,
};
