import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useAction } from '../../state/action';
import { useApp } from '../../state/app';
import type { TorrentInfo } from '../../bindings';

/** The peer addresses in what the user typed: `IP:port` entries split by spaces or commas. */
export function peersFromText(text: string): string[] {
  return text.split(/[\s,]+/).filter((p) => p !== '');
}

/** Dials peers the user knows for this torrent (`add_peers`); the core remembers them. */
export function AddPeersForm({ torrent }: { torrent: TorrentInfo }) {
  const { t } = useTranslation();
  const { call, notify } = useApp();
  const [text, setText] = useState('');
  const { busy, error, run } = useAction();
  const peers = peersFromText(text);
  const add = () =>
    run(async () => {
      await call({ type: 'add_peers', id: torrent.id, peers });
      notify('info', t('peers.added', { count: peers.length }));
      setText('');
    });
  return (
    <form
      className="add-peers"
      aria-label={t('peers.addTitle')}
      onSubmit={(e) => {
        e.preventDefault();
        void add();
      }}
    >
      <label className="field">
        <span>{t('peers.addLabel')}</span>
        <input type="text" className="mono" value={text} placeholder="192.0.2.7:6881" onChange={(e) => setText(e.target.value)} />
      </label>
      <button type="submit" className="btn" disabled={busy || peers.length === 0}>
        {t('peers.add')}
      </button>
      {error ? (
        <p className="form-error" role="alert">
          {error}
        </p>
      ) : (
        <p className="hint">{t('peers.addHint')}</p>
      )}
    </form>
  );
}
