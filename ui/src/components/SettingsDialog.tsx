import * as Dialog from '@radix-ui/react-dialog';
import * as Tabs from '@radix-ui/react-tabs';
import { useEffect, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { ApiError, BlocklistStatus, EncryptionMode, Settings } from '../bindings';
import { kibPerSecText, parseKibPerSec } from '../lib/format';
import { queueDraft, readQueueDraft, type QueueDraft, type QueueField } from '../lib/queueSettings';
import { isScheduleDays, minuteToTime, SCHEDULE_DAYS, timeToMinute } from '../lib/schedule';
import { readSeedingDraft, seedingDraft, type SeedingDraft } from '../lib/seedingLimits';
import { watchedFolderFrom } from '../lib/watchedFolder';
import { useApp } from '../state/app';
import { FolderField } from './FolderField';
import { CategorySelect } from './labels/CategorySelect';
import { MagnetHandlerButton } from './MagnetHandlerButton';
import type { LanguagePref, ThemePref } from '../state/prefs';
import { FormError } from './FormError';
import { SeedingLimitsFields } from './SeedingLimitsFields';

interface Props {
  open: boolean;
  onClose: () => void;
  language: LanguagePref;
  onLanguage: (l: LanguagePref) => void;
  theme: ThemePref;
  onTheme: (t: ThemePref) => void;
}

interface Draft {
  settings: Settings;
  down: string;
  up: string;
  altDown: string;
  altUp: string;
  port: string;
  /** The schedule's times as `HH:MM`. */
  scheduleFrom: string;
  scheduleTo: string;
  seeding: SeedingDraft;
  queue: QueueDraft;
  /** The watched folder as typed; empty is none. */
  watched: string;
}

function toDraft(settings: Settings, locale: string): Draft {
  return {
    settings,
    down: kibPerSecText(settings.limits.download_bytes_per_sec),
    up: kibPerSecText(settings.limits.upload_bytes_per_sec),
    altDown: kibPerSecText(settings.alt_limits?.download_bytes_per_sec ?? null),
    altUp: kibPerSecText(settings.alt_limits?.upload_bytes_per_sec ?? null),
    port: String(settings.listen_port),
    scheduleFrom: minuteToTime(settings.alt_schedule.from_minute),
    scheduleTo: minuteToTime(settings.alt_schedule.to_minute),
    seeding: seedingDraft(settings.seeding_limits, locale),
    queue: queueDraft(settings.queue, locale),
    watched: settings.watched_folder ?? '',
  };
}

/** Each queue field's label and what its error says, under `queue.`. */
const QUEUE_FIELDS: Record<QueueField, { label: string; invalid: string }> = {
  maxDownloads: { label: 'maxDownloads', invalid: 'invalidMax' },
  maxUploads: { label: 'maxUploads', invalid: 'invalidMax' },
  maxTorrents: { label: 'maxTorrents', invalid: 'invalidMax' },
  slowDown: { label: 'slowDown', invalid: 'invalidRate' },
  slowUp: { label: 'slowUp', invalid: 'invalidRate' },
  slowAfterSecs: { label: 'slowAfter', invalid: 'invalidSeconds' },
};

export function SettingsDialog(props: Props) {
  const { t } = useTranslation();
  return (
    <Dialog.Root open={props.open} onOpenChange={(open) => !open && props.onClose()}>
      <Dialog.Portal>
        <Dialog.Overlay className="dialog-overlay" />
        <Dialog.Content className="dialog settings-dialog" aria-describedby={undefined}>
          <Dialog.Title className="dialog-title">{t('settings.title')}</Dialog.Title>
          {props.open ? <SettingsForm {...props} /> : null}
        </Dialog.Content>
      </Dialog.Portal>
    </Dialog.Root>
  );
}

function SettingsForm({ onClose, language, onLanguage, theme, onTheme }: Props) {
  const { t, i18n } = useTranslation();
  const { call, notify, settings: mirror } = useApp();
  const [draft, setDraft] = useState<Draft | null>(null);
  const [loadError, setLoadError] = useState<ApiError | null>(null);
  const [saveError, setSaveError] = useState<string | null>(null);
  const [restartRequired, setRestartRequired] = useState(false);
  const [saving, setSaving] = useState(false);

  useEffect(() => {
    call({ type: 'get_settings' })
      .then((r) => {
        setDraft(toDraft(r.settings, i18n.language));
        setRestartRequired(r.restart_required);
      })
      .catch((e: ApiError) => setLoadError(e));
    // Once per opening: switching the language meanwhile must not throw away what was
    // typed (the ratio reads either decimal mark).
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [call]);

  const set = (patch: Partial<Settings>) =>
    setDraft((d) => (d ? { ...d, settings: { ...d.settings, ...patch } } : d));
  const setText = (patch: Partial<Omit<Draft, 'settings'>>) => setDraft((d) => (d ? { ...d, ...patch } : d));
  const setSchedule = (patch: Partial<Settings['alt_schedule']>) =>
    setDraft((d) => (d ? { ...d, settings: { ...d.settings, alt_schedule: { ...d.settings.alt_schedule, ...patch } } } : d));
  const setSeeding = (patch: Partial<SeedingDraft>) => setDraft((d) => (d ? { ...d, seeding: { ...d.seeding, ...patch } } : d));
  const setQueue = (patch: Partial<QueueDraft>) => setDraft((d) => (d ? { ...d, queue: { ...d.queue, ...patch } } : d));

  async function save() {
    if (!draft) return;
    const down = parseKibPerSec(draft.down);
    const up = parseKibPerSec(draft.up);
    const altDown = parseKibPerSec(draft.altDown);
    const altUp = parseKibPerSec(draft.altUp);
    const port = Number(draft.port);
    if (down === 'invalid' || up === 'invalid' || altDown === 'invalid' || altUp === 'invalid') {
      setSaveError(t('settings.invalidLimit'));
      return;
    }
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      setSaveError(t('settings.invalidPort'));
      return;
    }
    // A schedule that is off keeps its times; their fields are greyed out.
    const schedule = draft.settings.alt_schedule;
    const from = timeToMinute(draft.scheduleFrom);
    const to = timeToMinute(draft.scheduleTo);
    if (schedule.enabled && (from === 'invalid' || to === 'invalid')) {
      setSaveError(t('settings.invalidTime'));
      return;
    }
    const seeding = readSeedingDraft(draft.seeding);
    if ('invalid' in seeding) {
      setSaveError(t(seeding.invalid === 'ratio' ? 'seeding.invalidRatio' : 'seeding.invalidMinutes'));
      return;
    }
    const queue = readQueueDraft(draft.queue, draft.settings.queue);
    if ('invalid' in queue) {
      const field = QUEUE_FIELDS[queue.invalid];
      setSaveError(t(`queue.${field.invalid}`, { field: t(`queue.${field.label}`) }));
      return;
    }
    // Whether the alternative limits are on is the status bar's (and the schedule's), not this form's.
    const settings: Settings = mirror.withLive({
      ...draft.settings,
      listen_port: port,
      limits: { download_bytes_per_sec: down, upload_bytes_per_sec: up },
      alt_limits: { download_bytes_per_sec: altDown, upload_bytes_per_sec: altUp },
      alt_schedule: { ...schedule, from_minute: from === 'invalid' ? schedule.from_minute : from, to_minute: to === 'invalid' ? schedule.to_minute : to },
      seeding_limits: seeding.limits,
      queue: queue.queue,
      watched_folder: watchedFolderFrom(draft.watched),
    });
    setSaving(true);
    setSaveError(null);
    try {
      const r = await call({ type: 'update_settings', settings });
      mirror.set(r.settings);
      setDraft(toDraft(r.settings, i18n.language));
      setRestartRequired(r.restart_required);
      notify('info', r.restart_required ? t('settings.savedRestart') : t('settings.saved'));
      if (!r.restart_required) onClose();
    } catch (e) {
      setSaveError((e as ApiError).message);
    } finally {
      setSaving(false);
    }
  }

  const s = draft?.settings;
  return (
    <form
      className="settings-form"
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      <Tabs.Root defaultValue="downloads" orientation="vertical" className="settings-tabs">
        <Tabs.List className="settings-tab-list" aria-label={t('settings.sections')}>
          <Tabs.Trigger value="downloads">{t('settings.downloads')}</Tabs.Trigger>
          <Tabs.Trigger value="speed">{t('settings.speed')}</Tabs.Trigger>
          <Tabs.Trigger value="seeding">{t('settings.seeding')}</Tabs.Trigger>
          <Tabs.Trigger value="queue">{t('queue.tab')}</Tabs.Trigger>
          <Tabs.Trigger value="connection">{t('settings.connection')}</Tabs.Trigger>
          <Tabs.Trigger value="interface">{t('settings.interface')}</Tabs.Trigger>
        </Tabs.List>
        <div className="settings-panels">
          {loadError ? (
            <div className="form-error" role="alert">
              {t('settings.loadFailed')} {loadError.message}
            </div>
          ) : null}
          {!s && !loadError ? (
            <div className="resolving" role="status">
              <span className="spinner" aria-hidden="true" />
              {t('common.loading')}
            </div>
          ) : null}
          {s && draft ? (
            <>
              <Tabs.Content value="downloads" className="settings-panel">
                <FolderField label={t('settings.downloadFolder')} value={s.download_folder} onChange={(folder) => set({ download_folder: folder })} />
                <FolderField label={t('watched.folder')} value={draft.watched} onChange={(watched) => setText({ watched })} />
                <p className="hint">{t('watched.hint')}</p>
                <CategorySelect label={t('watched.category')} value={s.watched_folder_category} onChange={(name) => set({ watched_folder_category: name })} />
                <Check label={t('settings.notifications')} checked={s.notify_on_complete} onChange={(v) => set({ notify_on_complete: v })} />
              </Tabs.Content>
              <Tabs.Content value="speed" className="settings-panel">
                <p className="hint">{t('settings.limitsHint')}</p>
                <div className="field-pair">
                  <Field label={t('settings.downLimit')}>
                    <input type="text" inputMode="numeric" value={draft.down} onChange={(e) => setText({ down: e.target.value })} placeholder={t('settings.unlimited')} />
                  </Field>
                  <Field label={t('settings.upLimit')}>
                    <input type="text" inputMode="numeric" value={draft.up} onChange={(e) => setText({ up: e.target.value })} placeholder={t('settings.unlimited')} />
                  </Field>
                </div>
                <fieldset className="subsection">
                  <legend>{t('settings.altLimits')}</legend>
                  <p className="hint">{t('settings.altLimitsHint')}</p>
                  <div className="field-pair">
                    <Field label={t('settings.altDownLimit')}>
                      <input type="text" inputMode="numeric" value={draft.altDown} onChange={(e) => setText({ altDown: e.target.value })} placeholder={t('settings.unlimited')} />
                    </Field>
                    <Field label={t('settings.altUpLimit')}>
                      <input type="text" inputMode="numeric" value={draft.altUp} onChange={(e) => setText({ altUp: e.target.value })} placeholder={t('settings.unlimited')} />
                    </Field>
                  </div>
                  <Check label={t('settings.schedule')} checked={s.alt_schedule.enabled} onChange={(v) => setSchedule({ enabled: v })} />
                  <div className="schedule-fields">
                    <Field label={t('settings.scheduleFrom')}>
                      <input type="time" value={draft.scheduleFrom} disabled={!s.alt_schedule.enabled} onChange={(e) => setText({ scheduleFrom: e.target.value })} />
                    </Field>
                    <Field label={t('settings.scheduleTo')}>
                      <input type="time" value={draft.scheduleTo} disabled={!s.alt_schedule.enabled} onChange={(e) => setText({ scheduleTo: e.target.value })} />
                    </Field>
                    <Field label={t('settings.scheduleDays')}>
                      <select
                        value={s.alt_schedule.days}
                        disabled={!s.alt_schedule.enabled}
                        onChange={(e) => isScheduleDays(e.target.value) && setSchedule({ days: e.target.value })}
                      >
                        {SCHEDULE_DAYS.map((d) => (
                          <option key={d} value={d}>
                            {t(`settings.days.${d}`)}
                          </option>
                        ))}
                      </select>
                    </Field>
                  </div>
                  <p className="hint">{t('settings.scheduleHint')}</p>
                </fieldset>
              </Tabs.Content>
              <Tabs.Content value="seeding" className="settings-panel">
                <p className="hint">{t('settings.seedingHint')}</p>
                <SeedingLimitsFields draft={draft.seeding} onChange={setSeeding} />
              </Tabs.Content>
              <Tabs.Content value="queue" className="settings-panel">
                <QueueFields draft={draft.queue} onChange={setQueue} />
              </Tabs.Content>
              <Tabs.Content value="connection" className="settings-panel">
                <Field label={t('settings.listenPort')} hint={t('settings.listenPortHint')}>
                  <input type="text" inputMode="numeric" value={draft.port} onChange={(e) => setText({ port: e.target.value })} />
                </Field>
                <Check label={t('settings.dht')} checked={s.dht} onChange={(v) => set({ dht: v })} />
                <Check label={t('settings.lsd')} checked={s.local_service_discovery} onChange={(v) => set({ local_service_discovery: v })} />
                <Check label={t('settings.upnp')} checked={s.upnp} onChange={(v) => set({ upnp: v })} />
                <Field label={t('settings.encryption')} hint={t('settings.encryptionHint')}>
                  <select value={s.encryption} onChange={(e) => set({ encryption: e.target.value as EncryptionMode })}>
                    <option value="prefer">{t('settings.encryptionPrefer')}</option>
                    <option value="require">{t('settings.encryptionRequire')}</option>
                    <option value="disable">{t('settings.encryptionDisable')}</option>
                  </select>
                </Field>
                <Field label={t('settings.maxConnections')}>
                  <input type="number" min={1} value={s.max_connections} onChange={(e) => set({ max_connections: Number(e.target.value) })} />
                </Field>
                <Field label={t('settings.maxConnectionsPerTorrent')}>
                  <input type="number" min={1} value={s.max_connections_per_torrent} onChange={(e) => set({ max_connections_per_torrent: Number(e.target.value) })} />
                </Field>
                <Field label={t('settings.maxConnectionsPerIp')}>
                  <input type="number" min={1} value={s.max_connections_per_ip} onChange={(e) => set({ max_connections_per_ip: Number(e.target.value) })} />
                </Field>
                <Field label={t('settings.blocklist')} hint={t('settings.blocklistHint')}>
                  <input type="text" value={s.blocklist_path ?? ''} onChange={(e) => set({ blocklist_path: e.target.value.trim() === '' ? null : e.target.value })} spellCheck={false} />
                </Field>
                {s.blocklist_path ? <BlocklistReload /> : null}
              </Tabs.Content>
              <Tabs.Content value="interface" className="settings-panel">
                <Field label={t('settings.language')}>
                  <select value={language} onChange={(e) => onLanguage(e.target.value as LanguagePref)}>
                    <option value="en">{t('languages.en')}</option>
                    <option value="de">{t('languages.de')}</option>
                  </select>
                </Field>
                <Field label={t('settings.theme')}>
                  <select value={theme} onChange={(e) => onTheme(e.target.value as ThemePref)}>
                    <option value="system">{t('settings.themeSystem')}</option>
                    <option value="light">{t('settings.themeLight')}</option>
                    <option value="dark">{t('settings.themeDark')}</option>
                  </select>
                </Field>
                <p className="hint">{t('settings.interfaceHint')}</p>
                <Check label={t('settings.startAtLogin')} checked={s.start_at_login} onChange={(v) => set({ start_at_login: v })} />
                <Check label={t('settings.closeToTray')} checked={s.close_to_tray} onChange={(v) => set({ close_to_tray: v })} />
                <MagnetHandlerButton />
              </Tabs.Content>
            </>
          ) : null}
        </div>
      </Tabs.Root>
      {restartRequired ? (
        <p className="warning" role="status">
          {t('settings.restartRequired')}
        </p>
      ) : null}
      <FormError message={saveError} />
      <div className="dialog-actions">
        <span className="spacer" />
        <Dialog.Close asChild>
          <button type="button" className="btn">
            {t('common.close')}
          </button>
        </Dialog.Close>
        <button type="submit" className="btn primary" disabled={!draft || saving}>
          {t('common.save')}
        </button>
      </div>
    </form>
  );
}

/**
 * The queue's limits; greyed out while the queue is off, and the slow torrents'
 * thresholds while slow torrents count, as in qBittorrent.
 */
function QueueFields({ draft, onChange }: { draft: QueueDraft; onChange: (patch: Partial<QueueDraft>) => void }) {
  const { t } = useTranslation();
  const number = (key: QueueField, label: string, opts: { placeholder?: string; inputMode: 'numeric' | 'decimal'; disabled?: boolean }) => (
    <Field label={label}>
      <input
        type="text"
        inputMode={opts.inputMode}
        value={draft[key]}
        placeholder={opts.placeholder}
        disabled={opts.disabled}
        onChange={(e) => onChange({ [key]: e.target.value })}
      />
    </Field>
  );
  const noLimit = { placeholder: t('queue.noLimit'), inputMode: 'numeric' as const };
  return (
    <>
      <Check label={t('queue.enabled')} checked={draft.enabled} onChange={(enabled) => onChange({ enabled })} />
      <p className="hint">{t('queue.hint')}</p>
      <fieldset className="queue-fields" disabled={!draft.enabled}>
        <div className="queue-grid">
          {number('maxDownloads', t('queue.maxDownloads'), noLimit)}
          {number('maxUploads', t('queue.maxUploads'), noLimit)}
          {number('maxTorrents', t('queue.maxTorrents'), noLimit)}
        </div>
        <Check label={t('queue.ignoreSlow')} checked={draft.ignoreSlow} onChange={(ignoreSlow) => onChange({ ignoreSlow })} />
        <div className="queue-grid">
          {number('slowDown', t('queue.slowDown'), { inputMode: 'decimal', disabled: !draft.ignoreSlow })}
          {number('slowUp', t('queue.slowUp'), { inputMode: 'decimal', disabled: !draft.ignoreSlow })}
          {number('slowAfterSecs', t('queue.slowAfter'), { inputMode: 'numeric', disabled: !draft.ignoreSlow })}
        </div>
        <p className="hint">{t('queue.slowHint')}</p>
      </fieldset>
    </>
  );
}

/** Reads the saved blocklist file again and says what it held. */
function BlocklistReload() {
  const { t } = useTranslation();
  const { call } = useApp();
  const [status, setStatus] = useState<BlocklistStatus | null>(null);
  const [error, setError] = useState<string | null>(null);
  const reload = async () => {
    setError(null);
    try {
      const r = await call({ type: 'reload_blocklist' });
      setStatus(r.blocklist);
    } catch (e) {
      setStatus(null);
      setError((e as ApiError).message);
    }
  };
  return (
    <div className="blocklist-reload">
      <button type="button" className="btn" onClick={() => void reload()}>
        {t('settings.blocklistReload')}
      </button>
      {status ? (
        <span className="hint" role="status">
          {t('settings.blocklistRanges', { count: status.ranges })}
          {status.bad_lines.length > 0 ? ` ${t('settings.blocklistBadLines', { lines: status.bad_lines.join(', ') })}` : ''}
        </span>
      ) : null}
      {error ? (
        <span className="form-error" role="alert">
          {error}
        </span>
      ) : null}
    </div>
  );
}

function Field({ label, hint, children }: { label: string; hint?: string; children: ReactNode }) {
  return (
    <label className="field">
      <span>{label}</span>
      {children}
      {hint ? <small className="hint">{hint}</small> : null}
    </label>
  );
}

function Check({ label, checked, onChange }: { label: string; checked: boolean; onChange: (v: boolean) => void }) {
  return (
    <label className="check">
      <input type="checkbox" checked={checked} onChange={(e) => onChange(e.target.checked)} />
      {label}
    </label>
  );
}
