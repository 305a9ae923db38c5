/**
 * The watched folder as the settings edit it, and the toast for a file in it the core
 * could not add. No React, no I/O.
 */
import type { Event } from '../bindings';

/** The folder as typed; empty (or blanks) turns watching off. */
export function watchedFolderFrom(text: string): string | null {
  const trimmed = text.trim();
  return trimmed === '' ? null : trimmed;
}

/** The last part of a path, with either separator (the core may run on Windows). */
export function fileNameOf(path: string): string {
  const parts = path.split(/[\\/]/).filter(Boolean);
  return parts[parts.length - 1] ?? path;
}

type WatchedFileFailed = Extract<Event, { type: 'watched_file_failed' }>;

/**
 * What the toast says: the file's name (the event names where it was moved, under
 * `failed/`, which the name alone lets the user find) and the core's reason.
 */
export function watchedFailedNotice(event: WatchedFileFailed): { file: string; message: string } {
  return { file: fileNameOf(event.file), message: event.error.message };
}
