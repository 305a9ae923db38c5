/**
 * The alternative limits' schedule as the settings form edits it: times of day as the
 * `HH:MM` of an `<input type="time">`, kept by the core as minutes after local midnight.
 */
import type { ScheduleDays } from '../bindings';

/** Minutes in a day; a schedule's times run from 0 to 1439. */
export const DAY_MINUTES = 24 * 60;

/** In the order the Days menu lists them. */
export const SCHEDULE_DAYS: readonly ScheduleDays[] = [
  'every',
  'weekdays',
  'weekends',
  'monday',
  'tuesday',
  'wednesday',
  'thursday',
  'friday',
  'saturday',
  'sunday',
];

export function isScheduleDays(value: string): value is ScheduleDays {
  return (SCHEDULE_DAYS as readonly string[]).includes(value);
}

/** `495` → `08:15`. Out-of-range minutes wrap into the day rather than show `25:00`. */
export function minuteToTime(minute: number): string {
  const m = ((Math.trunc(minute) % DAY_MINUTES) + DAY_MINUTES) % DAY_MINUTES;
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(Math.floor(m / 60))}:${pad(m % 60)}`;
}

/**
 * `08:15` → `495`. A time input gives `HH:MM` (or `HH:MM:SS` with a step under a
 * minute; seconds are dropped), and an empty string while it is incomplete.
 */
export function timeToMinute(text: string): number | 'invalid' {
  const match = /^(\d{1,2}):(\d{2})(?::\d{2}(?:\.\d+)?)?$/.exec(text.trim());
  if (!match) return 'invalid';
  const hours = Number(match[1]);
  const minutes = Number(match[2]);
  if (hours > 23 || minutes > 59) return 'invalid';
  return hours * 60 + minutes;
}
