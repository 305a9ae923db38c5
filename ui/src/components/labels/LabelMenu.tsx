import * as DropdownMenu from '@radix-ui/react-dropdown-menu';
import { Fragment, useEffect, useId, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { labelMenu, type LabelKind, type LabelMenuAction } from '../../lib/labels';

export interface LabelMenuAnchor {
  /** Viewport coordinates of the menu's top-left corner, before it flips to fit. */
  x: number;
  y: number;
  /** What gets the focus back when it closes: the entry or the section's button. */
  returnFocus: HTMLElement | null;
  /** The category or tag it is for; `null` for the section (All, None). */
  name: string | null;
}

interface Props {
  kind: LabelKind;
  anchor: LabelMenuAnchor | null;
  /** How many categories (tags) no torrent has: what Remove unused removes. */
  unused: number;
  onClose: () => void;
  /** Runs once the menu has closed and the focus is back, so a dialog it opens returns the focus there too. */
  onAction: (action: LabelMenuAction, name: string | null) => void;
}

/**
 * The sidebar's menu for the categories or the tags, opened by a right-click (or
 * Shift+F10, the Menu key) on an entry or by the section's "⋯" button. Like the torrent
 * menu, it hangs from a zero-size trigger placed where it opened.
 */
export function LabelMenu({ kind, anchor, unused, onClose, onAction }: Props) {
  const { t } = useTranslation();
  const pending = useRef<(() => void) | null>(null);
  const labelId = useId();
  // Kept past the closing, which clears `anchor` before the focus goes back.
  const returnFocus = useRef<HTMLElement | null>(null);
  useEffect(() => {
    if (anchor) returnFocus.current = anchor.returnFocus;
  }, [anchor]);
  const groups = anchor ? labelMenu(anchor.name, unused) : [];
  const header = anchor?.name ?? t(`labels.${kind}Title`);
  return (
    <DropdownMenu.Root open={anchor !== null} onOpenChange={(o) => !o && onClose()} modal={false}>
      <DropdownMenu.Trigger asChild>
        <span className="menu-anchor" style={{ left: anchor?.x ?? 0, top: anchor?.y ?? 0 }} />
      </DropdownMenu.Trigger>
      <DropdownMenu.Portal>
        <DropdownMenu.Content
          className="menu label-menu"
          side="bottom"
          align="start"
          sideOffset={4}
          collisionPadding={6}
          aria-labelledby={labelId}
          onCloseAutoFocus={(e) => {
            e.preventDefault();
            returnFocus.current?.focus({ preventScroll: true });
            const run = pending.current;
            pending.current = null;
            run?.();
          }}
        >
          <DropdownMenu.Label id={labelId} className="menu-label" title={header}>
            {header}
          </DropdownMenu.Label>
          {groups.map((group, i) => (
            <Fragment key={i}>
              {i > 0 ? <DropdownMenu.Separator className="menu-separator" /> : null}
              {group.map((item) => (
                <DropdownMenu.Item
                  key={item.action}
                  className="menu-item"
                  disabled={!item.enabled}
                  onSelect={() => {
                    const name = anchor?.name ?? null;
                    pending.current = () => onAction(item.action, name);
                  }}
                >
                  {t(`labels.menu.${kind}.${item.action}`)}
                </DropdownMenu.Item>
              ))}
            </Fragment>
          ))}
        </DropdownMenu.Content>
      </DropdownMenu.Portal>
    </DropdownMenu.Root>
  );
}
