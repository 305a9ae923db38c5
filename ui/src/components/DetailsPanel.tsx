import * as Tabs from '@radix-ui/react-tabs';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ApiError, PeerInfo, TorrentInfo } from '../bindings';
import { formatBytes, formatDateTime, formatDuration, formatEta, formatPercent, formatRate, formatRatio } from '../lib/format';
import { displayName, progressFraction, shareRatio } from '../lib/torrents';
import { useSettings } from '../state/app';
import { usePeers } from '../state/queries';
import { FilesTab } from './details/FilesTab';
import { AddPeersForm } from './details/AddPeersForm';
import { BandwidthPriorityEditor } from './details/BandwidthPriorityEditor';
import { SeedingLimitsEditor } from './details/SeedingLimitsEditor';
import { TorrentLimitsEditor } from './details/TorrentLimitsEditor';
import { TrackersTab } from './details/TrackersTab';
import { PiecesMap } from './PiecesMap';
import { seedingSummaryText } from './SeedingLimitsFields';
import { SpeedChart } from './SpeedChart';
import { SpeedTab } from './speed/SpeedTab';

interface Props {
  torrent: TorrentInfo;
  onClose: () => void;
}

export function DetailsPanel({ torrent, onClose }: Props) {
  const { t } = useTranslation();
  const [tab, setTab] = useState('general');
  return (
    <section className="details" aria-label={t('details.label', { name: displayName(torrent) })}>
      <Tabs.Root value={tab} onValueChange={setTab} className="details-tabs">
        <div className="details-bar">
          <Tabs.List className="tab-list" aria-label={t('details.tabs')}>
            <Tabs.Trigger value="general">{t('details.general')}</Tabs.Trigger>
            <Tabs.Trigger value="files">{t('details.files')}</Tabs.Trigger>
            <Tabs.Trigger value="trackers">{t('details.trackers')}</Tabs.Trigger>
            <Tabs.Trigger value="peers">{t('details.peers')}</Tabs.Trigger>
            <Tabs.Trigger value="pieces">{t('details.pieces')}</Tabs.Trigger>
            <Tabs.Trigger value="speed">{t('details.speed')}</Tabs.Trigger>
            <Tabs.Trigger value="btt" title={t('btt.tabHint')}>
              {t('btt.tab')}
            </Tabs.Trigger>
          </Tabs.List>
          <span className="details-name" title={displayName(torrent)}>
            {displayName(torrent)}
          </span>
          <button type="button" className="icon-btn" onClick={onClose} aria-label={t('details.close')}>
            ×
          </button>
        </div>
        <Tabs.Content value="general" className="details-body">
          <GeneralTab torrent={torrent} />
        </Tabs.Content>
        <Tabs.Content value="files" className="details-body">
          <FilesTab torrent={torrent} />
        </Tabs.Content>
        <Tabs.Content value="trackers" className="details-body">
          {tab === 'trackers' ? <TrackersTab key={torrent.id} torrent={torrent} /> : null}
        </Tabs.Content>
        <Tabs.Content value="peers" className="details-body">
          {tab === 'peers' ? <PeersTab torrent={torrent} /> : null}
        </Tabs.Content>
        <Tabs.Content value="pieces" className="details-body">
          {tab === 'pieces' ? <PiecesMap torrent={torrent} /> : null}
        </Tabs.Content>
        <Tabs.Content value="speed" className="details-body">
          {tab === 'speed' ? <SpeedChart torrentId={torrent.id} /> : null}
        </Tabs.Content>
        <Tabs.Content value="btt" className="details-body">
          {tab === 'btt' ? <SpeedTab torrentId={torrent.id} /> : null}
        </Tabs.Content>
      </Tabs.Root>
    </section>
  );
}

function GeneralTab({ torrent }: { torrent: TorrentInfo }) {
  const { t, i18n } = useTranslation();
  const locale = i18n.language;
  const globalSeeding = useSettings()?.seeding_limits;
  const seedingLimits = torrent.seeding_limits
    ? t('seeding.own', { limits: seedingSummaryText(t, torrent.seeding_limits, locale) })
    : globalSeeding
      ? t('seeding.global', { limits: seedingSummaryText(t, globalSeeding, locale) })
      : '—';
  const rows: [string, string][] = [
    [t('general.infoHash'), torrent.id],
    [t('general.state'), torrent.error ? `${t(`state.${torrent.state}`)}: ${torrent.error}` : t(`state.${torrent.state}`)],
    [t('general.progress'), `${formatPercent(progressFraction(torrent), locale)} (${formatBytes(torrent.progress_bytes, locale)} / ${formatBytes(torrent.total_bytes, locale)})`],
    [
      t('general.pieces'),
      torrent.pieces != null && torrent.piece_length != null ? `${torrent.pieces.toLocaleString(locale)} × ${formatBytes(torrent.piece_length, locale)}` : '—',
    ],
    [t('general.savePath'), torrent.save_path],
    [t('general.category'), torrent.category ?? '—'],
    [t('general.tags'), torrent.tags.length > 0 ? torrent.tags.join(', ') : '—'],
    [t('queue.position'), t('queue.positionValue', { position: torrent.queue_position.toLocaleString(locale) })],
    [t('queue.forceStart'), t(torrent.force_start ? 'common.yes' : 'common.no')],
    [t('general.sequential'), t(torrent.sequential ? 'common.yes' : 'common.no')],
    [t('general.firstLast'), t(torrent.first_last_pieces_first ? 'common.yes' : 'common.no')],
    [t('general.downloaded'), formatBytes(torrent.fetched_bytes, locale)],
    [t('general.uploaded'), formatBytes(torrent.uploaded_bytes, locale)],
    [t('general.downloadedAllTime'), formatBytes(torrent.all_time_downloaded_bytes, locale)],
    [t('general.uploadedAllTime'), formatBytes(torrent.all_time_uploaded_bytes, locale)],
    [t('general.ratio'), formatRatio(shareRatio(torrent), locale)],
    [t('general.seedingTime'), formatDuration(torrent.seeding_secs, locale)],
    [t('general.seedingLimits'), seedingLimits],
    [t('general.rates'), `↓ ${formatRate(torrent.download_bytes_per_sec, locale, true)}  ↑ ${formatRate(torrent.upload_bytes_per_sec, locale, true)}`],
    [t('general.eta'), formatEta(torrent.eta_secs, locale)],
    [t('general.peers'), String(torrent.peers)],
    [
      t('general.reached'),
      t('general.reachedValue', {
        incoming: torrent.reached.incoming,
        outgoing: torrent.reached.outgoing,
        utp: torrent.reached.utp,
        encrypted: torrent.reached.encrypted,
        refused: torrent.reached.refused_plaintext,
      }),
    ],
    [
      t('general.limits'),
      `↓ ${torrent.limits.download_bytes_per_sec ? formatRate(torrent.limits.download_bytes_per_sec, locale) : t('settings.unlimited')}  ↑ ${
        torrent.limits.upload_bytes_per_sec ? formatRate(torrent.limits.upload_bytes_per_sec, locale) : t('settings.unlimited')
      }`,
    ],
    [t('general.createdBy'), torrent.created_by ?? '—'],
    [t('general.created'), formatDateTime(torrent.creation_date, locale)],
    [t('general.comment'), torrent.comment ?? '—'],
    [t('general.added'), formatDateTime(torrent.added_at, locale)],
    [t('general.magnet'), torrent.magnet],
  ];
  return (
    <>
      <dl className="general-grid">
        {rows.map(([label, value]) => (
          <div className="general-row" key={label}>
            <dt>{label}</dt>
            <dd className="selectable">{value}</dd>
          </div>
        ))}
      </dl>
      <BandwidthPriorityEditor torrent={torrent} />
      <TorrentLimitsEditor torrent={torrent} />
      <SeedingLimitsEditor torrent={torrent} />
    </>
  );
}

function PeersTab({ torrent }: { torrent: TorrentInfo }) {
  const peers = usePeers(torrent.id);
  return (
    <>
      <PeersTable peers={peers.value} error={peers.error} />
      <AddPeersForm torrent={torrent} />
    </>
  );
}

function PeersTable({ peers, error }: { peers: PeerInfo[] | null; error: ApiError | null }) {
  const { t, i18n } = useTranslation();
  if (error) return <p className="form-error" role="alert">{error.message}</p>;
  if (!peers) return <p className="empty-note">{t('common.loading')}</p>;
  if (peers.length === 0) return <p className="empty-note">{t('peers.none')}</p>;
  const locale = i18n.language;
  const rates = peers.some((p) => typeof p.download_bytes_per_sec === 'number');
  const flags = peers.some((p) => typeof p.am_choking === 'boolean');
  return (
    <table className="peers-table">
      <thead>
        <tr>
          <th scope="col">{t('peers.address')}</th>
          <th scope="col">{t('peers.client')}</th>
          <th scope="col">{t('peers.direction')}</th>
          <th scope="col">{t('peers.btSpeed')}</th>
          {flags ? <th scope="col" title={t('peers.flagsHint')}>{t('peers.flags')}</th> : null}
          {rates ? <th scope="col" className="num">{t('peers.downRate')}</th> : null}
          {rates ? <th scope="col" className="num">{t('peers.upRate')}</th> : null}
          <th scope="col" className="num">{t('peers.downloaded')}</th>
          <th scope="col" className="num">{t('peers.uploaded')}</th>
        </tr>
      </thead>
      <tbody>
        {peers.map((p) => (
          <tr key={p.address}>
            <td className="mono">{p.address}</td>
            <td>{p.client ?? '—'}</td>
            <td>{t(p.incoming ? 'peers.incoming' : 'peers.outgoing')}</td>
            <td>{t(p.bt_speed ? 'common.yes' : 'common.no')}</td>
            {flags ? <td className="mono" title={t('peers.flagsHint')}>{peerFlags(p)}</td> : null}
            {rates ? <td className="num">{formatRate(p.download_bytes_per_sec ?? 0, locale)}</td> : null}
            {rates ? <td className="num">{formatRate(p.upload_bytes_per_sec ?? 0, locale)}</td> : null}
            <td className="num">{formatBytes(p.downloaded_bytes, locale)}</td>
            <td className="num">{formatBytes(p.uploaded_bytes, locale)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/**
 * qBittorrent-style flags: D we download from it (interested, not choked), d interested
 * but choked; U we upload to it, u it is interested but we choke it; E the connection is
 * encrypted (MSE/PE); P it runs over uTP.
 */
export function peerFlags(p: PeerInfo): string {
  let out = '';
  if (p.am_interested) out += p.peer_choking ? 'd' : 'D';
  if (p.peer_interested) out += p.am_choking ? 'u' : 'U';
  if (p.encrypted) out += 'E';
  if (p.utp) out += 'P';
  return out || '·';
}
